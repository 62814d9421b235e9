// Robustness of the checker: token mutations of every example and conformance case (deletes,
// duplicates, swaps, and identifiers replaced by other identifiers of the same file, which keeps
// most mutants parseable and so exercises the semantic checks). No mutant may make the checker
// throw, every diagnostic (and related note) must point inside the file, and a mutant that checks
// clean must lower into a graph (validate passes, so plan must not fail with an internal error).
import { describe, expect, it } from "vitest";
import { checkProject } from "../../src/compiler/check.js";
import { hasErrors } from "../../src/compiler/diagnostic.js";
import { lower } from "../../src/compiler/lower.js";
import type { Span } from "../../src/ir/span.js";
import { lex } from "../../src/compiler/lexer.js";
import { parseFile } from "../../src/compiler/parse.js";
import { corpus } from "./corpus.js";

const MUTANTS_PER_FILE = 50;

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor((s / 2 ** 32) * n);
  };
}

interface Tok {
  start: number;
  end: number;
  ident: boolean;
}

function tokens(text: string): Tok[] {
  return lex(text).tokens.map((t) => ({
    start: t.startOffset,
    end: t.endOffset! + 1,
    ident: t.tokenType.name === "Ident",
  }));
}

function mutate(text: string, r: (n: number) => number): string {
  const toks = tokens(text);
  if (toks.length === 0) return text;
  const a = toks[r(toks.length)]!;
  const piece = (t: Tok) => text.slice(t.start, t.end);
  switch (r(4)) {
    case 0:
      return text.slice(0, a.start) + text.slice(a.end);
    case 1:
      return `${text.slice(0, a.end)} ${piece(a)}${text.slice(a.end)}`;
    case 2: {
      const b = toks[r(toks.length)]!;
      const [x, y] = a.start <= b.start ? [a, b] : [b, a];
      if (x === y || y.start < x.end) return text;
      return text.slice(0, x.start) + piece(y) + text.slice(x.end, y.start) + piece(x) + text.slice(y.end);
    }
    default: {
      const idents = toks.filter((t) => t.ident);
      if (idents.length < 2) return text;
      const target = idents[r(idents.length)]!;
      return text.slice(0, target.start) + piece(idents[r(idents.length)]!) + text.slice(target.end);
    }
  }
}

function inside(span: Span, path: string, length: number): boolean {
  return (
    span.file === path &&
    span.start.offset >= 0 &&
    span.end.offset <= length &&
    span.start.offset <= span.end.offset &&
    span.start.line >= 1 &&
    span.start.column >= 1
  );
}

describe("checker fuzz", () => {
  const files = corpus().filter(
    (f) => !f.path.startsWith("specs/cases/parse-") && !f.path.startsWith("specs/cases/syntax-"),
  );

  it("has material", () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(files.map((f, i) => [f.path, f.text, i] as const))(
    "%s: mutants never make the checker throw",
    (path, original, index) => {
      const r = rng(0xc0ffee + index);
      let checkedClean = 0;
      for (let m = 0; m < MUTANTS_PER_FILE; m++) {
        let text = original;
        for (let k = 1 + r(2); k > 0; k--) text = mutate(text, r);
        const parsed = parseFile(path, text);
        let result: ReturnType<typeof checkProject>;
        try {
          result = checkProject({ dir: ".", files: [parsed.value] });
        } catch (e) {
          throw new Error(
            `checkProject threw on mutant ${m} of ${path}: ${(e as Error).stack}\n--- text ---\n${text}`,
          );
        }
        for (const d of result.diagnostics) {
          expect(inside(d.span, path, text.length), `${d.code} ${d.message} in mutant ${m}:\n${text}`).toBe(
            true,
          );
          for (const rel of d.related ?? [])
            expect(inside(rel.span, path, text.length), `related of ${d.code} in mutant ${m}`).toBe(true);
        }
        if (parsed.diagnostics.length === 0) checkedClean++;
        // what validate accepts, plan lowers into a graph (a cycle or bad reference is a diagnostic first)
        if (parsed.diagnostics.length === 0 && !hasErrors(result.diagnostics)) {
          try {
            lower(result.value);
          } catch (e) {
            throw new Error(
              `lower threw on mutant ${m} of ${path}, which checks clean: ${(e as Error).stack}\n--- text ---\n${text}`,
            );
          }
        }
      }
      // most mutants of a well-formed file still parse, so the semantic checks really ran
      if (parseFile(path, original).diagnostics.length === 0)
        expect(checkedClean).toBeGreaterThanOrEqual(MUTANTS_PER_FILE / 10);
    },
    60_000,
  );
});
