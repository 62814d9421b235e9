// The rank task's evaluation inputs: item ids across parts, popularity from relevant training rows,
// the popularity baseline's scores, and the warning when every row is relevant (metrics trivially 1).
import { describe, expect, it } from "vitest";
import * as aq from "arquero";
import { rankingEvaluation, trivialRanking } from "../../src/kinds/model/ranking-eval.js";
import { metricFor } from "../../src/ml/metrics/index.js";

const task = { kind: "rank" as const, label: "rating", group: "user", k: 2 };

describe("rankingEvaluation", () => {
  const train = aq.table({ item: ["a", "b", "a", "c", "a"], rating: [5, 1, 4, 5, 2] });
  const test = aq.table({ item: ["b", "a", "d"], rating: [4, 1, 5] });
  const trainY = Float64Array.from([5, 1, 4, 5, 2]);
  it("counts relevant training rows per item; unseen items have popularity 0", () => {
    const r = rankingEvaluation({ ...task, item: "item", relevant: 4 }, { train, test }, trainY);
    const f = r.fields("test");
    expect(f.ranking).toEqual({ k: 2, relevant: 4 });
    // ids: a 0, b 1, c 2 (train), d 3 (test); relevant (>= 4) training rows: a twice, c once
    expect(Array.from(f.item!)).toEqual([1, 0, 3]);
    expect(Array.from(f.popularity!)).toEqual([2, 0, 1, 0]);
    expect(Array.from(r.baseline("test")!)).toEqual([0, 2, 0]);
  });
  it("the baseline is evaluated like a model: precision@1 of the most popular item", () => {
    const r = rankingEvaluation({ ...task, item: "item", relevant: 4 }, { train, test }, trainY);
    const y = Float64Array.from([4, 1, 5]);
    const pred = r.baseline("test")!;
    // baseline order: a (2) first, then b and d tied at 0: a is not relevant
    const p1 = metricFor("precision_at_k")!.compute({ y, pred, width: 1, ranking: { k: 1, relevant: 4 } });
    expect(p1).toBe(0);
  });
  it("without an item column: only the cut-off, no baseline", () => {
    const r = rankingEvaluation(task, { train, test }, trainY);
    expect(r.fields("test")).toEqual({ ranking: { k: 2 } });
    expect(r.baseline("test")).toBeUndefined();
  });
  it("names a missing item column", () => {
    expect(() => rankingEvaluation({ ...task, item: "nope" }, { train }, trainY)).toThrow(/no column 'nope'/);
  });
});

describe("trivialRanking", () => {
  it("warns when no group has a relevant and a non-relevant row, and not otherwise", () => {
    expect(trivialRanking({ y: Float64Array.from([1, 3, 5]) })).toMatch(/no group has both/);
    // one row per user (leave_last with n = 1): nothing to order in any group
    const group = Int32Array.from([0, 1, 2]);
    expect(trivialRanking({ y: Float64Array.from([1, 0, 2]), group })).toMatch(/no group has both/);
    expect(
      trivialRanking({ y: Float64Array.from([1, 0, 2]), group: Int32Array.from([0, 0, 1]) }),
    ).toBeUndefined();
    expect(
      trivialRanking({ y: Float64Array.from([1, 3, 5]), ranking: { k: 5, relevant: 4 } }),
    ).toBeUndefined();
    expect(trivialRanking({ y: Float64Array.from([0, 1]) })).toBeUndefined();
  });
});
