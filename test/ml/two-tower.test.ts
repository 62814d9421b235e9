// two_tower: seeded training gives the same bytes; the towers learn from side features, so a user
// and an item training never saw are placed by their features alone (new user, new item, both);
// the retrieval file keeps the towers (format 2) and still reads a format-1 file; bad side-feature
// lists are refused naming the feature.
import { describe, expect, it } from "vitest";
import { twoTowerEstimator } from "../../src/ml/nn/index.js";
import { Retrieval } from "../../src/ml/recommend/retrieval.js";
import { coldVector } from "../../src/serve/recommend-cold.js";
import { tinyRetrieval } from "../fixtures/tiny-retrieval.js";
import {
  fitTinyTwoTower,
  ITEMS,
  tasteRows,
  TWO_TOWER_PARAMS,
  twoTowerRetrieval,
} from "../fixtures/tiny-two-tower.js";

const model = await fitTinyTwoTower();
const retrieval = twoTowerRetrieval(model);
const cs = retrieval.coldStart!;

const vec = (side: "user" | "item", raw: Record<string, unknown>): Float64Array => {
  const v = coldVector(cs, side, raw, "features");
  if (!(v instanceof Float64Array)) throw new Error(v.message);
  return v;
};
const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += a[d]! * b[d]!;
  return s;
};
/** The mean score of a category's catalogue items for a user vector. */
const categoryMean = (u: ArrayLike<number>, category: number): number => {
  const t = retrieval.tables;
  const scores = Array.from({ length: ITEMS }, (_, i) => i)
    .filter((i) => i % 3 === category)
    .map((i) => dot(u, t.V.subarray(i * t.factors, (i + 1) * t.factors)));
  return scores.reduce((a, b) => a + b, 0) / scores.length;
};

describe("two_tower", () => {
  it("gives the same bytes for the same seed and data, other bytes for another seed", async () => {
    const again = await fitTinyTwoTower();
    expect(Buffer.from(again.serialize()).equals(Buffer.from(model.serialize()))).toBe(true);
    const other = await fitTinyTwoTower(2);
    expect(Buffer.from(other.serialize()).equals(Buffer.from(model.serialize()))).toBe(false);
    expect(Buffer.from(twoTowerRetrieval(again).serialize()).equals(Buffer.from(retrieval.serialize()))).toBe(
      true,
    );
  });

  it("places a new user by their segment: the liked category scores above the others", () => {
    const s0 = vec("user", { segment: "s0" });
    const s1 = vec("user", { segment: "s1" });
    expect(categoryMean(s0, 0)).toBeGreaterThan(categoryMean(s0, 1));
    expect(categoryMean(s0, 0)).toBeGreaterThan(categoryMean(s0, 2));
    expect(categoryMean(s1, 1)).toBeGreaterThan(categoryMean(s1, 0));
    // most of a segment-0 newcomer's top 5 are category 0
    const top = retrieval.topKForVector(s0, 5);
    expect(top.filter((r) => r.item % 3 === 0).length).toBeGreaterThanOrEqual(4);
  });

  it("places a new item by its category: known users of the matching segment score it higher", () => {
    const c0 = vec("item", { category: "c0" });
    const c1 = vec("item", { category: "c1" });
    const t = retrieval.tables;
    const user = (u: number) => t.U.subarray(u * t.factors, (u + 1) * t.factors);
    const meanOver = (seg: number, item: Float64Array) => {
      const us = Array.from({ length: 40 }, (_, u) => u).filter((u) => u % 2 === seg);
      return us.reduce((s, u) => s + dot(user(u), item), 0) / us.length;
    };
    expect(meanOver(0, c0)).toBeGreaterThan(meanOver(0, c1));
    expect(meanOver(1, c1)).toBeGreaterThan(meanOver(1, c0));
    // a known segment-0 user ranks the new category-0 item above the new category-1 one
    const ranked = retrieval.topK(0, ITEMS + 2, false, [
      { item: 100, vector: c0 },
      { item: 101, vector: c1 },
    ]);
    const at = (item: number) => ranked.findIndex((r) => r.item === item);
    expect(at(100)).toBeGreaterThanOrEqual(0);
    expect(at(100)).toBeLessThan(at(101));
  });

  it("ranks new items for a new user (both cold): the matching category first", () => {
    const ranked = retrieval.topKForVector(vec("user", { segment: "s1" }), 2, []);
    expect(ranked.length).toBe(2);
    const both = retrieval.topKForVector(vec("user", { segment: "s1" }), ITEMS + 2, [
      { item: 200, vector: vec("item", { category: "c1" }) },
      { item: 201, vector: vec("item", { category: "c2" }) },
    ]);
    const at = (item: number) => both.findIndex((r) => r.item === item);
    expect(at(200)).toBeLessThan(at(201));
  });

  it("scores a pair the same in predict as from the towers (an unseen ID reads the unknown row)", () => {
    const X = tasteRows(3).X;
    const p = model.predict(X);
    const t = retrieval.tables;
    // training rows: the towers' tables (static features here) give the same score
    for (const r of [0, 7, 55]) {
      const u = X.columns[0]![r]!;
      const i = X.columns[1]![r]!;
      const s = dot(
        t.U.subarray(u * t.factors, (u + 1) * t.factors),
        t.V.subarray(i * t.factors, (i + 1) * t.factors),
      );
      expect(p[r]).toBeCloseTo(s, 4);
    }
    // a row whose user and item IDs training never saw equals the cold vectors' product
    const cold = model.predict({
      nRows: 1,
      names: X.names,
      columns: [[999], [999], [0], [1]].map((v) => Float32Array.from(v)),
    });
    expect(cold[0]).toBeCloseTo(dot(vec("user", { segment: "s0" }), vec("item", { category: "c1" })), 4);
  });

  it("keeps the towers in the retrieval file (format 2) and still reads a format-1 file", () => {
    const back = Retrieval.deserialize(retrieval.serialize());
    expect(back.coldStart?.vocabularies).toEqual(cs.vocabularies);
    expect(Buffer.from(back.serialize()).equals(Buffer.from(retrieval.serialize()))).toBe(true);
    expect(Array.from(coldVector(back.coldStart!, "user", { segment: "s1" }, "f") as Float64Array)).toEqual(
      Array.from(vec("user", { segment: "s1" })),
    );
    expect(Retrieval.deserialize(tinyRetrieval().serialize()).coldStart).toBeUndefined();
  });

  it("refuses side-feature lists that leave a feature out, name an ID, or name a feature twice", async () => {
    const fit = (params: Record<string, string | number>) =>
      twoTowerEstimator.fit(
        tasteRows(3),
        undefined,
        { ...TWO_TOWER_PARAMS, ...params },
        { kind: "ranking" },
        { seed: 1 },
      );
    await expect(fit({ item_features: "" })).rejects.toThrow(
      /'category' is in neither user_features nor item_features/,
    );
    await expect(fit({ user_features: "segment,user" })).rejects.toThrow(/names 'user', the user column/);
    await expect(fit({ item_features: "category,segment" })).rejects.toThrow(/'segment' is named twice/);
    await expect(fit({ user_features: "age" })).rejects.toThrow(/'age', which is not a feature/);
  });
});
