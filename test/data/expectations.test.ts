import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import { checkExpectations, describeFailure } from "../../src/data/expectations/evaluate.js";
import { call, days, op, pct, ref } from "./expr-helpers.js";

const now = Date.now();
const t = aq.table({
  id: Float64Array.from([1, 2, 3, 3, 5, 6]),
  tenure: Float64Array.from([5, -1, 12, -7, NaN, 30]),
  monthly: Float64Array.from([10, 20, 30, 40, 50, 60]),
  plan: ["basic", "pro", "gold", "basic", null, "platinum"],
  email: ["a@x.io", "b@x.io", "nope", "c@x.io", "d@x.io", "e@x.io"],
  seen: [
    new Date(now - 3 * 86400e3),
    new Date(now - 86400e3),
    null,
    new Date(now - 10 * 86400e3),
    new Date(now - 2 * 86400e3),
    new Date(now - 5 * 86400e3),
  ],
});

const one = (e: unknown) => checkExpectations(t, [e as never], "error")[0]!;

describe("expectations", () => {
  it("a row-level assertion names the column, the failing row count and up to five examples", () => {
    const r = one(op(">=", ref("tenure"), 0));
    expect(r).toMatchObject({ passed: false, column: "tenure", failing: 2, rows: 6, examples: [-1, -7] });
    expect(describeFailure(r)).toBe("tenure >= 0: 2 of 6 rows fail in column `tenure` (examples: -1, -7)");
  });

  it("row count bounds and null counts and fractions", () => {
    expect(one(op(">=", ref("rows"), 5))).toMatchObject({ passed: true, observed: 6 });
    expect(one(op(">=", ref("rows"), 1000))).toMatchObject({ passed: false, observed: 6 });
    expect(one(op("==", call("nulls", [ref("tenure")]), 0))).toMatchObject({
      passed: false,
      observed: 1,
      column: "tenure",
    });
    expect(one(op("<", call("null_fraction", [ref("plan")]), pct(20)))).toMatchObject({ passed: true });
    expect(one(op("<", call("null_fraction", [ref("plan")]), pct(10)))).toMatchObject({ passed: false });
  });

  it("allowed values, uniqueness and regular expressions report failing rows", () => {
    expect(one(call("allowed", [ref("plan"), ["basic", "pro", "gold"]]))).toMatchObject({
      passed: false,
      failing: 1,
      examples: ["platinum"],
    });
    expect(one(call("unique", [ref("id")]))).toMatchObject({ passed: false, failing: 2, examples: [3, 3] });
    expect(one(call("matches", [ref("email"), "^[^@]+@[^@]+$"]))).toMatchObject({
      passed: false,
      failing: 1,
      examples: ["nope"],
    });
  });

  it("ranges, distribution bounds and freshness", () => {
    expect(one(op("and", op(">=", ref("monthly"), 10), op("<=", ref("monthly"), 60)))).toMatchObject({
      passed: true,
      failing: 0,
    });
    expect(one(op("<", call("mean", [ref("monthly")]), 40))).toMatchObject({ passed: true, observed: 35 });
    expect(one(op("<=", call("quantile", [ref("monthly"), 0.9]), 50))).toMatchObject({
      passed: false,
      observed: 55,
    });
    expect(one(op("==", call("median", [ref("monthly")]), 35))).toMatchObject({ passed: true });
    expect(one(op("<", call("freshness", [ref("seen")]), days(2)))).toMatchObject({ passed: true });
    expect(one(op("<", call("freshness", [ref("seen")]), { $duration: 3600 }))).toMatchObject({
      passed: false,
    });
  });

  it("an unknown column is a failed expectation with a hint, not a crash", () => {
    const r = one(op(">=", ref("tenur"), 0));
    expect(r.passed).toBe(false);
    expect(r.error).toBe("unknown column `tenur` (did you mean `tenure`?)");
  });
});
