import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/compiler/diagnostic.js";
import { renderDiagnostics } from "../../src/compiler/diagnostic-render.js";
import { format } from "../../src/compiler/format.js";
import { lex } from "../../src/compiler/lexer.js";
import { parseFile } from "../../src/compiler/parse.js";
import type { Pos, Span } from "../../src/ir/span.js";
import { corpus } from "./corpus.js";
import { BUILTIN, mutate, rng } from "./mutations.js";
import { stripSpans } from "../../src/compiler/ast-equal.js";

/** The position a (line, column) names in `text`, as chevrotain counts lines (\n, \r\n, \r). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return starts;
}

/** Why a position is not inside the file, or undefined when it is. */
function badPos(p: Pos, text: string, starts: number[]): string | undefined {
  if (!(p.offset >= 0 && p.offset <= text.length)) return `offset ${p.offset} outside 0..${text.length}`;
  if (!(p.line >= 1 && p.line <= starts.length)) return `line ${p.line} outside 1..${starts.length}`;
  if (p.column < 1 || starts[p.line - 1]! + p.column - 1 !== p.offset)
    return `line ${p.line} column ${p.column} does not name offset ${p.offset}`;
  return undefined;
}

function badSpan(s: Span, path: string, text: string, starts: number[]): string | undefined {
  if (s.file !== path) return `file ${s.file}`;
  return (
    badPos(s.start, text, starts) ??
    badPos(s.end, text, starts) ??
    (s.end.offset < s.start.offset ? "end before start" : undefined)
  );
}

/** 2,000 mutations in all (MLC_FUZZ_MUTATIONS to change), shared by the files, at least 20 each. */
const TOTAL_MUTATIONS = Number(process.env["MLC_FUZZ_MUTATIONS"] ?? 2000);

describe("fuzz: token mutations of every example and conformance case", () => {
  const files = [...corpus(), ...BUILTIN.map((text, i) => ({ path: `builtin-${i}.mlspec`, text }))];
  const perFile = Math.max(20, Math.ceil(TOTAL_MUTATIONS / files.length));

  it.each(files.map((f, i) => [f.path, f.text, i] as const))(
    `%s: ${perFile} mutations never throw and keep every position inside the file`,
    (path, original, index) => {
      const r = rng(0x5eed + index);
      for (let m = 0; m < perFile; m++) {
        let text = original;
        const rounds = 1 + r(3);
        for (let k = 0; k < rounds; k++) {
          const lexed = lex(text);
          const pieces = [...lexed.tokens, ...lexed.comments].map((t) => ({
            start: t.startOffset,
            end: t.endOffset! + 1,
          }));
          text = mutate(text, pieces, r);
        }
        const what = () =>
          `${path} mutation ${m}: ${JSON.stringify(text.length > 400 ? text.slice(0, 400) + "…" : text)}`;
        let result: ReturnType<typeof parseFile>;
        try {
          result = parseFile(path, text);
        } catch (e) {
          throw new Error(`parseFile threw on ${what()}: ${String(e)}`);
        }
        const starts = lineStarts(text);
        const diagnostics: Diagnostic[] = result.diagnostics;
        for (const d of diagnostics) {
          if (d.code === "MLC1099") throw new Error(`internal parser failure on ${what()}: ${d.message}`);
          const bad =
            badSpan(d.span, path, text, starts) ??
            (d.related ?? []).map((rel) => badSpan(rel.span, path, text, starts)).find(Boolean);
          if (bad)
            throw new Error(`${d.code} "${d.message}" at a position outside the file (${bad}) on ${what()}`);
        }
        renderDiagnostics(diagnostics, new Map([[path, text]]), { color: false });
        if (diagnostics.length === 0) {
          // A mutant that still parses must survive formatting with its meaning and comments intact.
          const formatted = format(result.value);
          const again = parseFile(path, formatted);
          expect(again.diagnostics, `${what()} formatted:\n${formatted}`).toEqual([]);
          expect(stripSpans(again.value.blocks), what()).toEqual(stripSpans(result.value.blocks));
          expect(
            again.value.comments.map((c) => c.text),
            what(),
          ).toEqual(result.value.comments.map((c) => c.text));
          expect(format(again.value), `${what()} is not idempotent`).toBe(formatted);
        }
      }
    },
    60_000,
  );
});
