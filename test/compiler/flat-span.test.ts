import { describe, expect, it } from "vitest";
import { FlatSpan, SourceLines, spanBetween } from "../../src/compiler/flat-span.js";
import { scan } from "../../src/compiler/lexer.js";
import { parseFile } from "../../src/compiler/parse.js";
import type { Span } from "../../src/ir/span.js";
import { canonicalJson } from "../../src/ir/expr-json.js";
import type { Json } from "../../src/ir/graph-ir.js";
import { corpus } from "./corpus.js";

const plain = (file: string, s: [number, number, number], e: [number, number, number]): Span => ({
  file,
  start: { offset: s[0], line: s[1], column: s[2] },
  end: { offset: e[0], line: e[1], column: e[2] },
});

/** Lines of 10 characters: line 2 starts at offset 10, line 3 at 20. */
const TEXT = "012345678\nabcdefghi\nABCDEFGHIJ";

describe("FlatSpan", () => {
  it("reads and serialises as the plain span of the same positions", () => {
    const p = plain("a.mlspec", [14, 2, 5], [19, 2, 10]);
    const f = new FlatSpan(new SourceLines("a.mlspec", TEXT), 14, 19);
    expect(f.file).toBe("a.mlspec");
    expect(f.start).toEqual(p.start);
    expect(f.end).toEqual(p.end);
    expect(JSON.stringify(f)).toBe(JSON.stringify(p));
    expect(JSON.stringify({ span: f }, null, 2)).toBe(JSON.stringify({ span: p }, null, 2));
  });

  it("hashes (canonicalJson) as the plain span it serialises to, so a saved plan read back checks out", () => {
    const p = plain("a.mlspec", [14, 2, 5], [19, 2, 10]);
    const f = new FlatSpan(new SourceLines("a.mlspec", TEXT), 14, 19);
    const holder = { node: "x", span: f } as unknown as Json;
    expect(canonicalJson(holder)).toBe(canonicalJson({ node: "x", span: p } as unknown as Json));
  });

  it("joins two spans, keeping the first's end when the second ends before the first starts", () => {
    const lines = new SourceLines("f", TEXT);
    const a = new FlatSpan(lines, 10, 14);
    const b = new FlatSpan(lines, 20, 25);
    expect(spanBetween(lines, a, b).toJSON()).toEqual(plain("f", [10, 2, 1], [25, 3, 6]));
    expect(spanBetween(lines, b, a).toJSON()).toEqual(plain("f", [20, 3, 1], [25, 3, 6]));
    // a plain span on either side gives the same join
    expect(spanBetween(lines, a.toJSON(), b).toJSON()).toEqual(spanBetween(lines, a, b).toJSON());
    expect(spanBetween(lines, b, a.toJSON()).toJSON()).toEqual(spanBetween(lines, b, a).toJSON());
  });

  it("counts lines as the scanner does: \\n, \\r\\n and a lone \\r; an offset at a line break is on its line", () => {
    const lines = new SourceLines("f", "a\r\nb\rc\n\nd");
    const at = (o: number): [number, number] => [lines.pos(o).line, lines.pos(o).column];
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map(at)).toEqual([
      [1, 1],
      [1, 2],
      [1, 3],
      [2, 1],
      [2, 2],
      [3, 1],
      [3, 2],
      [4, 1],
      [5, 1],
    ]);
    expect(lines.pos(99)).toEqual({ offset: 9, line: 5, column: 2 });
  });

  it("gives every token of the corpus the line and column the scanner gives it, whatever the line breaks", () => {
    for (const f of corpus()) {
      for (const text of [f.text, f.text.replace(/\n/g, "\r\n"), f.text.replace(/\n/g, "\r")]) {
        const lines = new SourceLines(f.path, text);
        const c = scan(text);
        for (let i = 0; i < c.count; i++) {
          const span = new FlatSpan(lines, c.starts[i]!, c.ends[i]!);
          const width = c.ends[i]! - c.starts[i]!;
          const want = plain(
            f.path,
            [c.starts[i]!, c.lines[i]!, c.columns[i]!],
            [c.ends[i]!, c.lines[i]!, c.columns[i]! + width],
          );
          if (JSON.stringify(span) !== JSON.stringify(want))
            expect(span.toJSON(), `${f.path} token ${i}`).toEqual(want);
        }
      }
    }
  });

  it("gives a parsed file the JSON it had with plain spans", () => {
    const text = 'model m {\n  task = classify(y, positive = "yes")\n  tune { trials = -(2 + 3) }\n}\n';
    const json = JSON.parse(JSON.stringify(parseFile("m.mlspec", text).value)) as {
      blocks: { span: Span; kindSpan: Span; nameSpan: Span; body: { span: Span }[] }[];
    };
    const b = json.blocks[0]!;
    expect(b.kindSpan).toEqual(plain("m.mlspec", [0, 1, 1], [5, 1, 6]));
    expect(b.nameSpan).toEqual(plain("m.mlspec", [6, 1, 7], [7, 1, 8]));
    expect(b.span).toEqual(plain("m.mlspec", [0, 1, 1], [text.length - 1, 4, 2]));
    expect(b.body[0]!.span).toEqual(plain("m.mlspec", [12, 2, 3], [48, 2, 39]));
  });
});
