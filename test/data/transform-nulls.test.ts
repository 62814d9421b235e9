// What each transform does with nulls, as the reference (src/compiler/builtins/transforms.ts)
// says: evaluated on a row of nulls next to rows with values. Batch and ONNX agree on these rows
// (test/data/parity.test.ts); this test pins the behaviour the docs promise.
import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import type { Json } from "../../src/ir/graph-ir.js";
import { buildPipeline } from "../../src/data/pipeline.js";
import { tableColumns } from "../../src/data/table-columns.js";
import { call, op, ref } from "./expr-helpers.js";

const D = (s: string) => new Date(s);
// row 0: every column null; rows 1-2: values (the training rows the fitted transforms see)
const rows = aq.table({
  x: Float64Array.from([NaN, 4, -2]),
  s: [null, "Pro", "basic"],
  flag: [null, true, false],
  t: [null, D("2024-03-04T10:00:00Z"), D("2024-03-01T00:00:00Z")],
  u: [D("2024-03-05T00:00:00Z"), null, D("2024-03-02T12:00:00Z")],
});

/** The values of one feature over the three rows (null as null). */
function values(expr: Json): (number | null)[] {
  const p = buildPipeline({ from: ref("rows"), f: expr }, tableColumns(rows)).fit(rows);
  const m = p.transform(rows);
  const j = m.names.indexOf("f");
  expect(j, `names: ${m.names.join(", ")}`).toBeGreaterThanOrEqual(0);
  return Array.from(m.columns[j]!, (v) => (Number.isNaN(v) ? null : v));
}

describe("transforms on nulls", () => {
  it.each([
    ["log", call("log", [ref("x")])],
    ["log1p", call("log1p", [ref("x")])],
    ["sqrt", call("sqrt", [ref("x")])],
    ["abs", call("abs", [ref("x")])],
    ["clip", call("clip", [ref("x")], { low: 0, high: 1 })],
    ["length", call("length", [ref("s")])],
    ["contains", call("contains", [ref("s"), "P"])],
    ["hash_bucket", call("hash_bucket", [ref("s"), 8])],
    ["hour", call("hour", [ref("t")])],
    ["dayofweek", call("dayofweek", [ref("t")])],
    ["month", call("month", [ref("t")])],
    ["days_between (start null)", call("days_between", [ref("t"), ref("u")])],
    ["bucketize", call("bucketize", [ref("x"), [0, 3]])],
    ["standardize", call("standardize", [ref("x")])],
    ["minmax", call("minmax", [ref("x")])],
    ["ordinal", call("ordinal", [ref("s")])],
    ["lower (encoded as a string input)", call("lower", [ref("s")])],
  ])("%s: null stays null, values do not", (_name, expr) => {
    const v = values(expr);
    expect(v[0]).toBeNull();
    expect(v.slice(1).some((y) => y !== null)).toBe(true);
  });

  it("days_between is null where the end is null too", () => {
    expect(values(call("days_between", [ref("t"), ref("u")]))[1]).toBeNull();
  });

  it("coalesce falls back past a null; impute fills it with the training rows' statistic", () => {
    expect(values(call("coalesce", [ref("x"), 7]))).toEqual([7, 4, -2]);
    expect(values(call("impute", [ref("x")], { method: ref("median") }))).toEqual([1, 4, -2]);
    expect(values(call("impute", [ref("x")], { method: ref("const"), value: 9 }))).toEqual([9, 4, -2]);
  });

  it("if: a null condition counts as true, a comparison with a null as false", () => {
    expect(values(call("if", [ref("flag"), 1, 2]))).toEqual([1, 1, 2]);
    expect(values(call("if", [op(">", ref("x"), 0), 1, 2]))).toEqual([2, 1, 2]);
    expect(values(call("if", [op("!=", ref("x"), 0), 1, 2]))).toEqual([1, 1, 1]);
  });
});
