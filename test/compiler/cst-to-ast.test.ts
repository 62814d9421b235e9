import { describe, expect, it } from "vitest";
import type { Expr } from "../../src/compiler/ast.js";
import { parseFile } from "../../src/compiler/parse.js";

const valueOf = (src: string): { expr: Expr; text: string; codes: string[] } => {
  const text = `b x {\n  v = ${src}\n}\n`;
  const r = parseFile("t.mlspec", text);
  const item = r.value.blocks[0]?.body[0];
  if (!item || item.type !== "attribute") throw new Error(`no attribute: ${JSON.stringify(r.diagnostics)}`);
  return { expr: item.value, text, codes: r.diagnostics.map((d) => d.code) };
};

/** Fully parenthesised form, to read the tree the builder made. */
const tree = (e: Expr): string => {
  switch (e.type) {
    case "binary":
      return `(${tree(e.left)} ${e.op} ${tree(e.right)})`;
    case "unary":
      return `(${e.op === "not" ? "not " : "-"}${tree(e.operand)})`;
    case "ref":
      return e.path.join(".") + (e.star ? ".*" : "");
    case "number":
      return e.raw;
    case "paren":
      return `[${tree(e.inner)}]`;
    case "call":
      return `${e.callee}${e.form === "braces" ? "{}" : "()"}`;
    default:
      return e.type;
  }
};

describe("operator precedence applied by the AST builder", () => {
  it.each([
    ["a or b or c", "((a or b) or c)"],
    ["a and b or c and d", "((a and b) or (c and d))"],
    ["not a and b", "((not a) and b)"],
    ["not a == b", "(not (a == b))"],
    ["not a + 1 > b * 2", "(not ((a + 1) > (b * 2)))"],
    ["a and not b or c", "((a and (not b)) or c)"],
    ["not not a", "(not (not a))"],
    ["a == b and c != d", "((a == b) and (c != d))"],
    ["a + b * c - d / e % f", "((a + (b * c)) - ((d / e) % f))"],
    ["-a * -b", "((-a) * (-b))"],
    ["- -a", "(-(-a))"],
    ["-f() + 1", "((-f()) + 1)"],
    ["a - (b - c)", "(a - [(b - c)])"],
    ["x.y.z >= 0.5 - -1", "(x.y.z >= (0.5 - (-1)))"],
  ])("%s → %s", (src, expected) => {
    const { expr, codes } = valueOf(src);
    expect(codes).toEqual([]);
    expect(tree(expr)).toBe(expected);
  });

  it("reports a chain of comparisons at its second operator and still builds a tree", () => {
    const { expr, codes } = valueOf("a < b <= c");
    expect(codes).toEqual(["MLC1010"]);
    expect(tree(expr)).toBe("((a < b) <= c)");
  });

  it("lets a comparison sit on each side of `and`", () => {
    expect(valueOf("a < b and b < c").codes).toEqual([]);
  });
});

describe("spans", () => {
  const slice = (text: string, e: { span: { start: { offset: number }; end: { offset: number } } }) =>
    text.slice(e.span.start.offset, e.span.end.offset);

  it("covers exactly the text of each node", () => {
    const { expr, text } = valueOf("f(a.b, n = [1, 2]) + rest { port = 80 }");
    expect(slice(text, expr)).toBe("f(a.b, n = [1, 2]) + rest { port = 80 }");
    if (expr.type !== "binary" || expr.left.type !== "call" || expr.right.type !== "call")
      throw new Error("shape");
    expect(slice(text, expr.left)).toBe("f(a.b, n = [1, 2])");
    expect(slice(text, { span: expr.left.calleeSpan })).toBe("f");
    expect(slice(text, expr.left.args[0]!)).toBe("a.b");
    expect(slice(text, expr.left.named[0]!)).toBe("n = [1, 2]");
    expect(slice(text, { span: expr.left.named[0]!.nameSpan })).toBe("n");
    expect(slice(text, expr.right)).toBe("rest { port = 80 }");
  });

  it("gives a path one span per name, the star excluded", () => {
    const { expr, text } = valueOf("usage.stats.*");
    if (expr.type !== "ref") throw new Error("shape");
    expect(expr.path).toEqual(["usage", "stats"]);
    expect(expr.star).toBe(true);
    expect(expr.pathSpans.map((s) => slice(text, { span: s }))).toEqual(["usage", "stats"]);
    expect(slice(text, expr)).toBe("usage.stats.*");
  });

  it("starts a prefix expression at its operator", () => {
    const { expr, text } = valueOf("not -x");
    expect(slice(text, expr)).toBe("not -x");
  });

  it("records line and column as 1-based, offsets as 0-based", () => {
    const { expr } = valueOf("42");
    expect(expr.span.start).toEqual({ offset: 12, line: 2, column: 7 });
    expect(expr.span.end).toEqual({ offset: 14, line: 2, column: 9 });
  });
});

describe("literals", () => {
  it("converts durations to seconds and keeps what was written", () => {
    expect(["250ms", "1.5h", "2w"].map((s) => valueOf(s).expr)).toMatchObject([
      { type: "duration", seconds: 0.25, raw: "250ms" },
      { type: "duration", seconds: 5400, raw: "1.5h" },
      { type: "duration", seconds: 1209600, raw: "2w" },
    ]);
  });

  it("keeps the number before the percent sign", () => {
    expect(valueOf("12.5%").expr).toMatchObject({ type: "percent", value: 12.5, raw: "12.5%" });
  });

  it("keeps an unknown escape as written and reports it", () => {
    const { expr, codes } = valueOf('"a\\qb"');
    expect(expr).toMatchObject({ type: "string", value: "a\\qb" });
    expect(codes).toEqual(["MLC1003"]);
  });

  it("reads quoted object keys", () => {
    expect(valueOf('{ "two words" = 1 }').expr).toMatchObject({
      type: "object",
      entries: [{ key: "two words" }],
    });
  });

  it("reports a `*` in the middle of a path and a call on a star path", () => {
    expect(valueOf("a.*.b").codes).toEqual(["MLC1012"]);
    expect(valueOf("a.*(1)").codes).toEqual(["MLC1012"]);
  });
});

describe("items", () => {
  it("keeps `name value` as an attribute after reporting it", () => {
    const r = parseFile("t.mlspec", "m a {\n  trees 400\n}");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["MLC1006"]);
    expect(r.value.blocks[0]!.body).toMatchObject([
      { type: "attribute", name: "trees", value: { type: "number", value: 400 } },
    ]);
  });

  it("leaves out an item that holds a bad character, keeping the others", () => {
    const r = parseFile("t.mlspec", "m a {\n  x = 1 + @\n  y = 2\n}");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["MLC1001"]);
    expect(r.value.blocks[0]!.body.map((i) => (i.type === "attribute" ? i.name : i.type))).toEqual(["y"]);
  });

  it("spans a block from its kind to its closing brace", () => {
    const text = "  model churn {\n  x = 1\n}  ";
    const b = parseFile("t.mlspec", text).value.blocks[0]!;
    expect(text.slice(b.span.start.offset, b.span.end.offset)).toBe("model churn {\n  x = 1\n}");
    expect(text.slice(b.nameSpan!.start.offset, b.nameSpan!.end.offset)).toBe("churn");
  });
});
