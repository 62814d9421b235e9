import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import type { Json } from "../../src/ir/graph-ir.js";
import { buildPipeline, deserializePipeline } from "../../src/data/pipeline.js";
import { tableColumns } from "../../src/data/table-columns.js";
import { call, op, ref } from "./expr-helpers.js";
import { runOnnx } from "./onnx-run.js";

// Rows with nulls, extremes, negative and zero values, unseen categories (test rows only).
const D = (s: string) => new Date(s);
const train = aq.table({
  tenure: Float64Array.from([1, 5, 12, 24, 48, 72, 0, 3, NaN, 30]),
  monthly: Float64Array.from([20.5, 35.25, NaN, 80, 99.99, 110, 45.5, 1e-3, 60, 70]),
  plan: ["basic", "pro", "basic", null, "enterprise", "pro", "basic", "pro", "basic", "Pro"],
  active: [true, false, true, null, true, false, true, true, false, true],
  signup: [
    D("2020-01-01T10:00:00Z"),
    D("2021-06-15T23:59:59Z"),
    null,
    D("1999-12-31T00:00:00Z"),
    D("2024-02-29T12:30:00Z"),
    D("2023-03-01T01:00:00Z"),
    D("2022-07-04T08:00:00Z"),
    D("2019-11-11T11:11:11Z"),
    D("2020-05-05T05:05:05Z"),
    D("2021-01-01T00:00:00Z"),
  ],
  last: [
    D("2024-01-01T00:00:00Z"),
    D("2024-01-02T00:00:00Z"),
    D("2024-01-03T00:00:00Z"),
    null,
    D("2024-03-01T00:00:00Z"),
    D("2024-01-05T00:00:00Z"),
    D("2024-01-06T00:00:00Z"),
    D("2024-01-07T00:00:00Z"),
    D("2024-01-08T00:00:00Z"),
    D("2024-01-09T00:00:00Z"),
  ],
});
const test = aq.table({
  tenure: Float64Array.from([1e30, -1e30, -5, 0.5, NaN, 6, 12, 7]),
  monthly: Float64Array.from([3.4e38, -0.0, 1e-30, NaN, 15, 1, 1e6, 42]),
  plan: ["unseen", "", null, "basic", "pro", "ENTERPRISE", "enterprise", "Pro"],
  active: [false, true, null, true, false, true, true, false],
  signup: [
    D("1970-01-01T00:00:00Z"),
    D("1969-12-31T23:00:00Z"),
    null,
    D("2100-02-28T13:00:00Z"),
    D("2000-02-29T00:00:00Z"),
    D("2024-12-31T23:59:59Z"),
    D("2024-01-01T00:00:00Z"),
    D("2016-07-10T18:45:00Z"),
  ],
  last: [
    D("2024-01-01T00:00:00Z"),
    D("1960-01-02T00:00:00Z"),
    D("2024-01-03T00:00:00Z"),
    null,
    D("2024-03-01T00:00:00Z"),
    D("2024-01-05T00:00:00Z"),
    D("2024-01-06T00:00:00Z"),
    D("2024-01-07T00:00:00Z"),
  ],
});
const columns = tableColumns(train);

/** Equal within 1e-6, relative for large magnitudes (float32 ops may differ by an ulp). */
function expectClose(batch: Float32Array, onnx: Float32Array, label: string): void {
  expect(onnx.length).toBe(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const a = batch[i]!,
      b = onnx[i]!;
    if (Number.isNaN(a) || Number.isNaN(b)) {
      expect(Number.isNaN(b), `${label} row ${i}: batch ${a}, onnx ${b}`).toBe(Number.isNaN(a));
      continue;
    }
    if (a === b) continue;
    const tol = 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
    expect(Math.abs(a - b), `${label} row ${i}: batch ${a}, onnx ${b}`).toBeLessThanOrEqual(tol);
  }
}

async function parity(features: Record<string, Json>): Promise<void> {
  const p = buildPipeline({ from: ref("customers"), ...features }, columns).fit(train);
  for (const t of [train, test]) {
    const m = p.transform(t);
    const onnx = await runOnnx(p, t);
    m.columns.forEach((c, j) => expectClose(c, onnx[j]!, m.names[j]!));
    const again = deserializePipeline(p.serialize()).transform(t);
    again.columns.forEach((c, j) => expect(Array.from(c)).toEqual(Array.from(m.columns[j]!)));
  }
}

const cases: [string, Json][] = [
  ["add", op("+", ref("tenure"), 1)],
  ["sub", op("-", ref("monthly"), ref("tenure"))],
  ["mul", op("*", ref("monthly"), 0.1)],
  ["div", op("/", ref("monthly"), op("+", ref("tenure"), 1))],
  ["mod", op("%", ref("tenure"), 7)],
  ["neg", op("neg", ref("monthly"))],
  ["lt", op("<", ref("tenure"), 12)],
  ["le", op("<=", ref("tenure"), 12)],
  ["gt", op(">", ref("monthly"), ref("tenure"))],
  ["ge", op(">=", ref("monthly"), 50)],
  ["eq_num", op("==", ref("tenure"), 12)],
  ["ne_num", op("!=", ref("tenure"), 12)],
  ["eq_str", op("==", ref("plan"), "basic")],
  ["ne_str", op("!=", "pro", ref("plan"))],
  ["and", op("and", op(">", ref("tenure"), 2), ref("active"))],
  ["or", op("or", op(">", ref("tenure"), 2), ref("active"))],
  ["not", op("not", ref("active"))],
  ["if_num", call("if", [op(">", ref("tenure"), 10), ref("monthly"), -1])],
  ["if_str", call("if", [ref("active"), ref("plan"), "inactive"])],
  ["coalesce_num", call("coalesce", [ref("monthly"), ref("tenure"), 0])],
  ["coalesce_str", call("coalesce", [ref("plan"), "none"])],
  ["log", call("log", [ref("monthly")])],
  ["log1p", call("log1p", [ref("tenure")])],
  ["sqrt", call("sqrt", [ref("monthly")])],
  ["abs", call("abs", [ref("tenure")])],
  ["clip", call("clip", [ref("monthly")], { low: 10, high: 100 })],
  ["clip_low", call("clip", [ref("tenure")], { low: 0 })],
  ["lower", call("lower", [ref("plan")])],
  ["hour", call("hour", [ref("signup")])],
  ["dayofweek", call("dayofweek", [ref("signup")])],
  ["month", call("month", [ref("signup")])],
  ["days_between", call("days_between", [ref("signup"), ref("last")])],
  ["bucketize", call("bucketize", [ref("tenure"), [6, 12, 24, 48]])],
  ["onehot_str", call("onehot", [ref("plan")])],
  ["onehot_top", call("onehot", [ref("plan")], { top: 2 })],
  ["onehot_num", call("onehot", [ref("tenure")], { top: 3 })],
  ["onehot_ignore", call("onehot", [ref("plan")], { unseen: ref("ignore") })],
  ["onehot_ignore_top", call("onehot", [ref("plan")], { top: 2, unseen: ref("ignore") })],
  ["onehot_num_ignore", call("onehot", [ref("tenure")], { top: 3, unseen: ref("ignore") })],
  ["onehot_error", call("onehot", [ref("plan")], { unseen: ref("error") })],
  ["ordinal", call("ordinal", [ref("plan")])],
  ["ordinal_other", call("ordinal", [ref("plan")], { unseen: ref("other") })],
  ["ordinal_error", call("ordinal", [ref("plan")], { unseen: ref("error") })],
  ["standardize", call("standardize", [ref("monthly")])],
  ["minmax", call("minmax", [ref("tenure")])],
  ["impute_mean", call("impute", [ref("monthly")])],
  ["impute_median", call("impute", [ref("tenure")], { method: ref("median") })],
  ["impute_const", call("impute", [ref("monthly")], { method: ref("const"), value: -1 })],
  ["raw_string", ref("plan")],
  ["raw_bool", ref("active")],
];

describe("batch and ONNX backends agree on every transform", () => {
  for (const [name, expr] of cases) {
    it(`${name}`, async () => {
      await parity({ [name]: expr });
    });
  }

  it("a feature that reads no column is broadcast to every row", async () => {
    await parity({ t: ref("tenure"), bias: op("*", 2, 0.5), code: call("onehot", ["x"]) });
  });

  it("a churn-like pipeline with features referring to features", async () => {
    await parity({
      spend_ratio: op("/", ref("monthly"), op("+", ref("tenure"), 1)),
      tenure_bucket: call("bucketize", [ref("customers", "tenure"), [6, 12, 24, 48]]),
      plan_code: call("onehot", [call("lower", [ref("plan")])], { top: 2 }),
      monthly_z: call("standardize", [call("impute", [ref("monthly")], { method: ref("median") })]),
      ratio_log: call("log1p", [call("clip", [ref("spend_ratio")], { low: 0 })]),
      loyal: call("if", [op("and", op(">=", ref("tenure"), 24), ref("active")), 1, 0]),
      signup_month: call("month", [ref("signup")]),
    });
  });
});
