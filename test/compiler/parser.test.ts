import { describe, expect, it } from "vitest";
import type { Expr } from "../../src/compiler/ast.js";
import { stripSpans } from "../../src/compiler/ast-equal.js";
import { parseFile } from "../../src/compiler/parse.js";

const ok = (src: string) => {
  const r = parseFile("t.mlspec", src);
  expect(
    r.diagnostics.map((d) => `${d.span.start.line}:${d.span.start.column} ${d.code} ${d.message}`),
  ).toEqual([]);
  return r.value;
};
const exprOf = (src: string): Expr => {
  const item = ok(`b { x = ${src} }`).blocks[0]!.body[0]!;
  if (item.type !== "attribute") throw new Error("not an attribute");
  return item.value;
};
/** Fully parenthesised rendering, to read precedence at a glance. */
const shape = (e: Expr): string => {
  switch (e.type) {
    case "binary":
      return `(${shape(e.left)} ${e.op} ${shape(e.right)})`;
    case "unary":
      return `(${e.op === "not" ? "not " : "-"}${shape(e.operand)})`;
    case "ref":
      return e.path.join(".") + (e.star ? ".*" : "");
    case "number":
      return e.raw;
    case "paren":
      return `[${shape(e.inner)}]`;
    case "call":
      return `${e.callee}(${e.args.map(shape).join(", ")}${e.named.map((n) => `, ${n.name}=${shape(n.value)}`).join("")})`;
    default:
      return e.type;
  }
};

const DESIGN_SKETCH = `
source customers {
  file = "data/churn.csv"
  key  = customer_id
  schema { tenure = int  monthly = float  plan = category  churned = bool }
  expect { rows >= 1000   nulls(monthly) == 0   tenure >= 0 }
}

features usage {
  from          = customers
  spend_ratio   = monthly / (tenure + 1)
  tenure_bucket = bucketize(tenure, [6, 12, 24, 48])
  monthly_z     = standardize(monthly)      # fitted on the training split only
}

split holdout { from = usage  method = stratified(churned)  train = 70%  valid = 15%  test = 15% }

model churn {
  task     = classify(churned)
  features = usage.*
  params { trees = 400  learning_rate = loguniform(0.01, 0.3)  depth = int(3, 10)  early_stop = 30 }
  tune   { method = tpe  trials = 40  objective = maximize(valid.auc) }
}

gate ship {
  model = churn
  test.auc >= 0.85
  test.auc >= champion.test.auc - 0.005
  parity(test, by = plan) <= 0.1
}

deploy churn_api { model = churn  when = ship  serve = rest { port = 8080 }  rollout = canary(10%) }

monitor churn_watch {
  deployment = churn_api
  psi(usage.*) < 0.2
  on_breach = retrain(churn)
}
`;

describe("parser", () => {
  it("parses the DESIGN sketch without diagnostics into named blocks", () => {
    const f = ok(DESIGN_SKETCH);
    expect(f.blocks.map((b) => `${b.kind} ${b.name}`)).toEqual([
      "source customers",
      "features usage",
      "split holdout",
      "model churn",
      "gate ship",
      "deploy churn_api",
      "monitor churn_watch",
    ]);
    expect(f.comments.map((c) => c.text)).toEqual(["# fitted on the training split only"]);
  });

  it("splits items that share a line by the `name =` that starts each", () => {
    const schema = ok("source s { schema { tenure = int  monthly = float } }").blocks[0]!.body[0]!;
    expect(stripSpans(schema)).toEqual({
      type: "block",
      kind: "schema",
      body: [
        { type: "attribute", name: "tenure", value: { type: "ref", path: ["int"], star: false } },
        { type: "attribute", name: "monthly", value: { type: "ref", path: ["float"], star: false } },
      ],
    });
  });

  it("reads bare expressions in a body as assertions", () => {
    const gate = ok("gate g {\n  model = m\n  test.auc >= 0.85 rows > 3\n}").blocks[0]!;
    expect(gate.body.map((i) => i.type)).toEqual(["attribute", "assertion", "assertion"]);
  });

  it("gives nested blocks optional names", () => {
    const b = ok("experiment e { arm a { weight = 1 } params { x = 2 } }").blocks[0]!;
    expect(b.body.map((i) => (i.type === "block" ? `${i.kind}/${i.name ?? ""}` : i.type))).toEqual([
      "arm/a",
      "params/",
    ]);
  });

  it("applies precedence from `or` (lowest) to unary minus", () => {
    expect(shape(exprOf("a or b and not c == d + e * -f"))).toBe(
      "(a or (b and (not (c == (d + (e * (-f)))))))",
    );
    expect(shape(exprOf("a - b - c"))).toBe("((a - b) - c)");
    expect(shape(exprOf("a * b % c / d"))).toBe("(((a * b) % c) / d)");
    expect(shape(exprOf("not a and b"))).toBe("((not a) and b)");
    expect(shape(exprOf("(a + b) * c"))).toBe("([(a + b)] * c)");
  });

  it("reads literals with their values", () => {
    expect(stripSpans(exprOf("[1, 2.5, 1e3, 250ms, 2w, 10%, 12.5%, true, false, null,]"))).toEqual({
      type: "list",
      items: [
        { type: "number", value: 1, raw: "1" },
        { type: "number", value: 2.5, raw: "2.5" },
        { type: "number", value: 1000, raw: "1e3" },
        { type: "duration", seconds: 0.25, raw: "250ms" },
        { type: "duration", seconds: 1209600, raw: "2w" },
        { type: "percent", value: 10, raw: "10%" },
        { type: "percent", value: 12.5, raw: "12.5%" },
        { type: "bool", value: true },
        { type: "bool", value: false },
        { type: "null" },
      ],
    });
  });

  it("decodes string escapes", () => {
    expect(stripSpans(exprOf('"a\\nb\\t\\"q\\" \\\\ \\u00e9"'))).toEqual({
      type: "string",
      value: 'a\nb\t"q" \\ é',
    });
  });

  it("reads objects with optional commas across lines", () => {
    expect(stripSpans(exprOf("{ a = 1, b = 2\n  c = 3 }"))).toEqual({
      type: "object",
      entries: [
        { key: "a", value: { type: "number", value: 1, raw: "1" } },
        { key: "b", value: { type: "number", value: 2, raw: "2" } },
        { key: "c", value: { type: "number", value: 3, raw: "3" } },
      ],
    });
  });

  it("reads calls with positional and named arguments, and the brace form", () => {
    expect(shape(exprOf("f(a, b, name = c)"))).toBe("f(a, b, name=c)");
    const braces = exprOf("rest { port = 8080 }");
    expect(braces.type === "call" && [braces.callee, braces.form, braces.named.map((n) => n.name)]).toEqual([
      "rest",
      "braces",
      ["port"],
    ]);
  });

  it("reads star references", () => {
    expect(stripSpans(exprOf("usage.*"))).toEqual({ type: "ref", path: ["usage"], star: true });
  });

  it("ends an item at a line that starts with `-` or `(`", () => {
    const g = ok("gate g {\n  x = a\n  -b < 0\n  y = f\n  (c) > 1\n}").blocks[0]!;
    expect(g.body.map((i) => i.type)).toEqual(["attribute", "assertion", "attribute", "assertion"]);
  });

  it("lets a `-` start a line inside brackets", () => {
    expect(shape(exprOf("(a\n  - b)"))).toBe("[(a - b)]");
  });

  it("gives every node a span that points at its text", () => {
    const src = "model churn {\n  depth = int(3, 10)\n}\n";
    const f = ok(src);
    const attr = f.blocks[0]!.body[0]!;
    expect(attr.span.start).toEqual({ offset: 16, line: 2, column: 3 });
    expect(src.slice(attr.span.start.offset, attr.span.end.offset)).toBe("depth = int(3, 10)");
    if (attr.type !== "attribute" || attr.value.type !== "call") throw new Error("shape");
    const arg = attr.value.args[1]!;
    expect(src.slice(arg.span.start.offset, arg.span.end.offset)).toBe("10");
    expect(arg.span.start).toMatchObject({ line: 2, column: 18 });
    expect(f.blocks[0]!.span.end.offset).toBe(src.length - 1);
  });

  it("accepts an empty file and a file of comments", () => {
    expect(ok("").blocks).toEqual([]);
    expect(ok("# only\n// comments\n").comments).toHaveLength(2);
  });
});

describe("parser error recovery", () => {
  const FIVE_ERRORS = [
    'source a { file = "x  }',
    "model b { trees 400 }",
    "features c { x = $ }",
    "split d { train = (70% }",
    "gate e { test.auc >= }",
    "deploy ok { model = b }",
  ].join("\n");

  it("reports five independent syntax errors in one run, one per block", () => {
    const r = parseFile("t.mlspec", FIVE_ERRORS);
    expect(r.diagnostics.map((d) => [d.span.start.line, d.code])).toEqual([
      [1, "MLC1002"],
      [2, "MLC1006"],
      [3, "MLC1001"],
      [4, "MLC1005"],
      [5, "MLC1005"],
    ]);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "unterminated string",
      "expected `=` or `{` after `trees`",
      "unexpected character `$`",
      "expected `)` to close `(`, found `}`",
      "expected a value after `>=`, found `}`",
    ]);
    expect(r.value.blocks.map((b) => b.name)).toEqual(["a", "b", "c", "d", "e", "ok"]);
  });

  it("reports a missing `}` and still parses the blocks after it", () => {
    const r = parseFile("t.mlspec", "model a {\n  x = 1\n\nmodel b {\n  y = 2\n}\n");
    expect(r.diagnostics.map((d) => [d.code, d.message, d.span.start.line])).toEqual([
      ["MLC1008", "expected `}` to close `model a`", 2],
    ]);
    expect(r.diagnostics[0]!.related?.[0]?.span.start).toMatchObject({ line: 1, column: 9 });
    expect(r.value.blocks.map((b) => b.name)).toEqual(["a", "b"]);
  });

  it("reports a stray `}` at top level", () => {
    const r = parseFile("t.mlspec", "model a { }\n}\nmodel b { }");
    expect(r.diagnostics.map((d) => [d.code, d.span.start.line])).toEqual([["MLC1009", 2]]);
    expect(r.value.blocks).toHaveLength(2);
  });

  it("reports an attribute outside any block with a hint", () => {
    const r = parseFile("t.mlspec", "trees = 400\nmodel a { }");
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]!.message).toBe("expected `{` after `trees`");
    expect(r.diagnostics[0]!.hint).toMatch(/inside a block/);
  });

  it("reports an attribute whose value is missing", () => {
    const r = parseFile("t.mlspec", "model a {\n  trees =\n  depth = 3\n}");
    expect(r.diagnostics.map((d) => [d.code, d.span.start.line, d.span.start.column])).toEqual([
      ["MLC1007", 2, 9],
    ]);
    expect(r.value.blocks[0]!.body.map((i) => (i.type === "attribute" ? i.name : i.type))).toEqual(["depth"]);
  });

  it("reports chained comparisons, bad escapes and bad number suffixes", () => {
    const r = parseFile("t.mlspec", 'm a {\n  q = a < b < c\n  r = "a\\qb"\n  z = 5min\n}');
    expect(r.diagnostics.map((d) => [d.code, d.span.start.line, d.span.start.column])).toEqual([
      ["MLC1010", 2, 13],
      ["MLC1003", 3, 9],
      ["MLC1004", 4, 7],
    ]);
  });

  it("says when a keyword is used as a name", () => {
    const r = parseFile("t.mlspec", "m a { x = and }");
    expect(r.diagnostics[0]!.hint).toMatch(/keyword/);
  });

  it("reports a missing `}` at the end of the file inside the file", () => {
    const src = "model a {\n  x = [1, 2\n";
    const r = parseFile("t.mlspec", src);
    expect(r.diagnostics.length).toBeGreaterThan(0);
    for (const d of r.diagnostics) expect(d.span.start.offset).toBeLessThanOrEqual(src.length);
  });
});

describe("parser limits", () => {
  it("refuses nesting deeper than 200 levels with a diagnostic instead of overflowing the stack", () => {
    const deep = parseFile("t.mlspec", `m a { x = ${"(".repeat(5000)}1${")".repeat(5000)} }\nm b { y = 1 }`);
    expect(deep.diagnostics.map((d) => d.code)).toEqual(["MLC1013"]);
    expect(deep.value.blocks.map((b) => b.name)).toEqual(["b"]);
    expect(parseFile("t.mlspec", `m a { x = ${"-".repeat(5000)}1 }`).diagnostics.map((d) => d.code)).toEqual([
      "MLC1013",
    ]);
  });

  it("parses long flat operator chains", () => {
    const r = parseFile(
      "t.mlspec",
      `m a { x = ${Array.from({ length: 5000 }, (_, i) => `v${i}`).join(" + ")} }`,
    );
    expect(r.diagnostics).toEqual([]);
  });

  it("leaves out the items patched up around a parse error, keeping the rest", () => {
    const r = parseFile("t.mlspec", "model a {\n  x = f(1,, 2)\n  y = 2\n}");
    expect(r.diagnostics.map((d) => d.span.start.line)).toEqual([2]);
    expect(r.value.blocks[0]!.body.map((i) => (i.type === "attribute" ? i.name : i.type))).toEqual(["y"]);
  });
});
