import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import { buildPipeline, deserializePipeline } from "../../src/data/pipeline.js";
import { NodeFailure } from "../../src/ir/executor.js";
import { OnnxGraph } from "../../src/onnx/builder.js";
import { tableColumns } from "../../src/data/table-columns.js";
import type { Json } from "../../src/ir/graph-ir.js";
import { call, op, ref } from "./expr-helpers.js";

const cols = [
  { name: "tenure", type: "int" },
  { name: "monthly", type: "float" },
  { name: "plan", type: "category" },
  { name: "churned", type: "bool" },
  { name: "signup", type: "timestamp" },
  { name: "note", type: "string" },
];
const config = {
  from: ref("customers"),
  spend_ratio: op("/", ref("monthly"), op("+", ref("tenure"), 1)),
  monthly_z: call("standardize", [ref("monthly")]),
  plan_code: call("onehot", [ref("plan")], { top: 1 }),
  note_len: call("length", [ref("note")]),
};
const train = aq.table({
  tenure: Float64Array.from([1, 2, 3, 4]),
  monthly: Float64Array.from([10, 20, 30, 40]),
  plan: ["a", "a", "b", null],
  churned: [true, false, true, false],
  signup: [new Date(0), new Date(1), new Date(2), new Date(3)],
  note: ["x", "yy", null, "zzz"],
});

describe("feature pipeline API", () => {
  it("fits on the training rows only and names one-hot columns after fitting", () => {
    const p = buildPipeline(config, cols);
    expect(p.outputNames).toEqual(["spend_ratio", "monthly_z", "plan_code", "note_len"]);
    const f = p.fit(train);
    expect(f.outputNames).toEqual(["spend_ratio", "monthly_z", "plan_code=a", "plan_code:other", "note_len"]);
    const m = f.transform(
      aq.table({
        ...Object.fromEntries(train.columnNames().map((n) => [n, train.array(n)])),
        monthly: Float64Array.from([25, 25, 25, 25]),
      }),
    );
    expect(Array.from(m.columns[1]!)).toEqual([0, 0, 0, 0]); // mean 25 came from the training rows
  });

  it("selects features and raw columns; raw categories and bools are encoded", () => {
    const f = buildPipeline(config, cols, ["spend_ratio", "plan", "churned"]).fit(train);
    expect(f.outputNames).toEqual(["spend_ratio", "plan", "churned"]);
    expect(f.rawInputs).toEqual([
      { name: "monthly", type: "float" },
      { name: "tenure", type: "float" },
      { name: "plan", type: "string" },
      { name: "churned", type: "float" },
    ]);
    const m = f.transform(train);
    expect(Array.from(m.columns[1]!)).toEqual([0, 0, 1, NaN]);
    expect(Array.from(m.columns[2]!)).toEqual([1, 0, 1, 0]);
    expect(deserializePipeline(f.serialize()).outputNames).toEqual(f.outputNames);
    expect(buildPipeline(config, cols, ["usage.*", "customers.plan"]).outputNames).toEqual([
      "spend_ratio",
      "monthly_z",
      "plan_code",
      "note_len",
      "plan",
    ]);
  });

  it("declares batch-only features and refuses to export them to ONNX", () => {
    const f = buildPipeline(config, cols).fit(train);
    expect(f.batchOnly).toEqual([
      { feature: "note_len", reason: "length() has no ONNX operator (no string length in ai.onnx opset 17)" },
    ]);
    expect(() => f.toOnnx(new OnnxGraph())).toThrow("feature `note_len` has no ONNX form");
  });

  it("bad expressions and unknown names are NodeFailures with a hint", () => {
    expect(() => buildPipeline({ from: ref("c"), x: call("sqrtt", [ref("monthly")]) }, cols)).toThrow(
      "feature `x`: unknown function `sqrtt` (did you mean `sqrt`?)",
    );
    expect(() => buildPipeline({ from: ref("c"), x: call("log", [ref("plan")]) }, cols)).toThrow(
      "feature `x`: log() expects a number, got a string",
    );
    expect(() => buildPipeline({ from: ref("c"), x: ref("y"), y: ref("x") }, cols)).toThrow(
      /cycle: x → y → x/,
    );
    expect(() => buildPipeline(config, cols, ["spend_ration"])).toThrow(NodeFailure);
    expect(() => buildPipeline(config, cols, ["spend_ration"])).toThrow(
      "unknown feature or column `spend_ration` (did you mean `spend_ratio`?)",
    );
    expect(() => buildPipeline({ from: ref("c"), t: ref("signup") }, cols)).toThrow(
      /is a timestamp; use hour/,
    );
  });
});

describe("batch-only string transforms", () => {
  it("hash_bucket is stable and within range; length and contains handle nulls", () => {
    const t = aq.table({ note: ["alpha", "beta", null, "alphabet"] });
    const c = [{ name: "note", type: "string" }];
    const f = buildPipeline(
      {
        from: ref("x"),
        h: call("hash_bucket", [ref("note"), 8]),
        n: call("length", [ref("note")]),
        has: call("contains", [ref("note"), "alpha"]),
      },
      c,
    ).fit(t);
    const m = f.transform(t);
    const h = Array.from(m.columns[0]!);
    expect(h.slice(0, 2).every((x) => Number.isInteger(x) && x >= 0 && x < 8)).toBe(true);
    expect(h[2]).toBeNaN();
    expect(Array.from(f.transform(t).columns[0]!)).toEqual(h);
    expect(Array.from(m.columns[1]!)).toEqual([5, 4, NaN, 8]);
    expect(Array.from(m.columns[2]!)).toEqual([1, 0, NaN, 1]);
  });
});

describe("onehot's unseen policy", () => {
  const t = aq.table({ home: ["rent", "own", "other", "rent", "own", null] });
  const fitFor = (named: Record<string, Json>) =>
    buildPipeline({ from: ref("s"), home: call("onehot", [ref("home")], named) }, tableColumns(t)).fit(t);
  const score = aq.table({ home: ["other", "boat", null, "rent"] });

  it("keeps a real category called `other` apart from the fallback column", () => {
    const f = fitFor({});
    expect(f.outputNames).toEqual(["home=own", "home=rent", "home=other", "home:other"]);
    expect(new Set(f.outputNames).size).toBe(f.outputNames.length);
    const m = f.transform(score);
    expect(m.columns.map((c) => Array.from(c))).toEqual([
      [0, 0, 0, 0],
      [0, 0, 0, 1],
      [1, 0, 0, 0], // the category "other"
      [0, 1, 1, 0], // unseen "boat" and null
    ]);
  });

  it("`ignore` has no fallback column: an unseen value or null sets none", () => {
    const f = fitFor({ unseen: ref("ignore") });
    expect(f.outputNames).toEqual(["home=own", "home=rent", "home=other"]);
    expect(f.transform(score).columns.map((c) => Array.from(c))).toEqual([
      [0, 0, 0, 0],
      [0, 0, 0, 1],
      [1, 0, 0, 0],
    ]);
    expect(f.refuseUnseen).toEqual([]);
  });

  it("`error` encodes like `other` and marks the raw column for serving to refuse new values", () => {
    const f = fitFor({ unseen: ref("error") });
    expect(f.outputNames).toEqual(["home=own", "home=rent", "home=other", "home:other"]);
    expect(f.refuseUnseen).toEqual(["home"]);
  });

  it("ordinal: `ignore` (default) and `error` make an unseen value null, `other` gives it the next code", () => {
    const codes = (named: Record<string, Json>) => {
      const f = buildPipeline(
        { from: ref("s"), h: call("ordinal", [ref("home")], named) },
        tableColumns(t),
      ).fit(t);
      return { values: Array.from(f.transform(score).columns[0]!), refuse: f.refuseUnseen };
    };
    expect(codes({})).toEqual({ values: [2, NaN, NaN, 1], refuse: [] });
    expect(codes({ unseen: ref("other") })).toEqual({ values: [2, 3, NaN, 1], refuse: [] });
    expect(codes({ unseen: ref("error") })).toEqual({ values: [2, NaN, NaN, 1], refuse: ["home"] });
  });

  it("refuses a bad policy, and `error` over an expression", () => {
    expect(() => fitFor({ unseen: ref("drop") })).toThrow(/`unseen` must be other, error or ignore/);
    expect(() =>
      buildPipeline(
        { from: ref("s"), h: call("onehot", [call("lower", [ref("home")])], { unseen: ref("error") }) },
        tableColumns(t),
      ),
    ).toThrow(/`unseen = error` needs a column argument/);
  });
});
