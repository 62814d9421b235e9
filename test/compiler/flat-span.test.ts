import { describe, expect, it } from "vitest";
import { FlatSpan, flatSpan, spanBetween } from "../../src/compiler/flat-span.js";
import { parseFile } from "../../src/compiler/parse.js";
import type { Span } from "../../src/ir/span.js";
import { canonicalJson } from "../../src/ir/expr-json.js";
import type { Json } from "../../src/ir/graph-ir.js";

const plain = (file: string, s: [number, number, number], e: [number, number, number]): Span => ({
  file,
  start: { offset: s[0], line: s[1], column: s[2] },
  end: { offset: e[0], line: e[1], column: e[2] },
});

describe("FlatSpan", () => {
  it("reads and serialises as the plain span of the same positions", () => {
    const p = plain("a.mlspec", [4, 2, 3], [9, 2, 8]);
    const f = flatSpan(p.file, p.start, p.end);
    expect(f.start).toEqual(p.start);
    expect(f.end).toEqual(p.end);
    expect(JSON.stringify(f)).toBe(JSON.stringify(p));
    expect(JSON.stringify({ span: f }, null, 2)).toBe(JSON.stringify({ span: p }, null, 2));
  });

  it("hashes (canonicalJson) as the plain span it serialises to, so a saved plan read back checks out", () => {
    const p = plain("a.mlspec", [4, 2, 3], [9, 2, 8]);
    const f = flatSpan(p.file, p.start, p.end);
    const holder = { node: "x", span: f } as unknown as Json;
    expect(canonicalJson(holder)).toBe(canonicalJson({ node: "x", span: p } as unknown as Json));
  });

  it("joins two spans, keeping the first's end when the second ends before the first starts", () => {
    const a = new FlatSpan("f", 10, 2, 1, 14, 2, 5);
    const b = new FlatSpan("f", 20, 3, 1, 25, 3, 6);
    expect(spanBetween("f", a, b).toJSON()).toEqual(plain("f", [10, 2, 1], [25, 3, 6]));
    expect(spanBetween("f", b, a).toJSON()).toEqual(plain("f", [20, 3, 1], [25, 3, 6]));
    // a plain span on either side gives the same join
    expect(spanBetween("f", a.toJSON(), b).toJSON()).toEqual(spanBetween("f", a, b).toJSON());
    expect(spanBetween("f", b, a.toJSON()).toJSON()).toEqual(spanBetween("f", b, a).toJSON());
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
