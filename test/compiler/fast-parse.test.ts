// The fast parser (fast-parse.ts, straight from the token columns to the AST) against the chevrotain
// path (parser.ts + cst-to-ast.ts): parseFile gives the same AST, comments and diagnostics both ways
// on every corpus file, on seeded mutations of each, on the formatted corpus and on the bench's
// generated project; and the fast path does take the files without errors.
import { describe, expect, it } from "vitest";
import { parseBlocksFast } from "../../src/compiler/fast-parse.js";
import { SourceLines } from "../../src/compiler/flat-span.js";
import { format } from "../../src/compiler/format.js";
import { lex, scan } from "../../src/compiler/lexer.js";
import { parseFile } from "../../src/compiler/parse.js";
import { generateProject } from "../../bench/parse/index.js";
import { corpus } from "./corpus.js";
import { BUILTIN, mutate, rng } from "./mutations.js";

/** Parses both ways; fails unless they agree. Returns whether the fast path took the file. */
function expectSameParse(path: string, text: string, what = path): boolean {
  const fast = parseFile(path, text);
  const reference = parseFile(path, text, { fastPath: false });
  expect(fast, what).toEqual(reference);
  // key order too: the AST is serialised (mlc parse --json, the LSP)
  expect(JSON.stringify(fast), what).toBe(JSON.stringify(reference));
  return parseBlocksFast(new SourceLines(path, text), text, scan(text)) !== undefined;
}

describe("fast parser: the same result as the chevrotain path", () => {
  const files = [...corpus(), ...BUILTIN.map((text, i) => ({ path: `builtin-${i}.mlspec`, text }))];

  it("on every corpus file, and it takes every example", () => {
    let taken = 0;
    for (const f of files) {
      const took = expectSameParse(f.path, f.text);
      if (took) taken++;
      if (f.path.startsWith("examples/")) expect(took, `${f.path} went the chevrotain way`).toBe(true);
    }
    expect(taken).toBeGreaterThan(files.length / 2);
  });

  it("on the formatted corpus", () => {
    for (const f of files) {
      const parsed = parseFile(f.path, f.text, { fastPath: false });
      if (parsed.diagnostics.length === 0)
        expectSameParse(f.path, format(parsed.value), `${f.path} formatted`);
    }
  });

  it("on 60 seeded mutations of every corpus file, both ways taken", () => {
    let taken = 0;
    let total = 0;
    files.forEach((f, index) => {
      const r = rng(0xfa57 + index);
      for (let m = 0; m < 60; m++) {
        let text = f.text;
        for (let k = 0; k < 1 + r(2); k++) {
          const lexed = lex(text);
          const pieces = [...lexed.tokens, ...lexed.comments].map((t) => ({
            start: t.startOffset,
            end: t.endOffset! + 1,
          }));
          text = mutate(text, pieces, r);
        }
        if (expectSameParse(f.path, text, `${f.path} mutation ${m}: ${JSON.stringify(text)}`)) taken++;
        total++;
      }
    });
    // mutants that still parse go the fast way, the others the chevrotain way: both are exercised
    expect(taken).toBeGreaterThan(total / 20);
    expect(taken).toBeLessThan(total);
  }, 120_000);

  it("on the bench's generated project, all of it the fast way", () => {
    for (const f of generateProject(700)) expect(expectSameParse(f.path, f.text)).toBe(true);
  });
});
