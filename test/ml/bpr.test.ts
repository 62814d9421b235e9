// BPR (implicit-feedback matrix factorisation): it learns each user's preferences from positives
// alone, beats item popularity at ranking a user's held-out positive, and scores pairs the same in
// predict, the factor tables and ONNX; unseen users and items take the zero row.
import { describe, expect, it } from "vitest";
import type { Dataset } from "../../src/ml/estimator.js";
import { estimatorFor } from "../../src/ml/estimator-registry.js";
import { bprEstimator } from "../../src/ml/recommend/index.js";
import { indexOf, rawScore } from "../../src/ml/recommend/factor-tables.js";
import { Rng } from "../../src/ml/random.js";
import { expectOnnxParity, hex } from "./learner-datasets.js";

const N_USERS = 80;
const N_ITEMS = 60;

/**
 * Each user likes the items of one of 4 taste groups (item % 4); every user interacts with 12 items,
 * 9 from their group (label 1) and 3 others (label 0). One liked item per user is held out.
 */
function tasteData(seed: number): { train: Dataset; heldOut: { user: number; item: number }[] } {
  const rng = new Rng(seed);
  const rows: { u: number; i: number; y: number }[] = [];
  const heldOut: { user: number; item: number }[] = [];
  for (let u = 0; u < N_USERS; u++) {
    const group = u % 4;
    const liked = rng.shuffle(Array.from({ length: N_ITEMS / 4 }, (_, k) => k * 4 + group)).slice(0, 10);
    heldOut.push({ user: u, item: liked[9]! });
    for (const i of liked.slice(0, 9)) rows.push({ u, i, y: 1 });
    const others = rng.shuffle(Array.from({ length: N_ITEMS }, (_, i) => i).filter((i) => i % 4 !== group));
    for (const i of others.slice(0, 3)) rows.push({ u, i, y: 0 });
  }
  return {
    train: {
      X: {
        nRows: rows.length,
        names: ["user", "item"],
        columns: [Float32Array.from(rows, (r) => r.u), Float32Array.from(rows, (r) => r.i)],
      },
      y: Float64Array.from(rows, (r) => r.y),
    },
    heldOut,
  };
}

const params = { factors: 8, epochs: 40, learning_rate: 0.05, l2: 0.001 };

describe("bpr", () => {
  it("is registered under 'bpr' and refuses a task other than rank", async () => {
    expect(estimatorFor("bpr")).toBe(bprEstimator);
    const { train } = tasteData(1);
    await expect(bprEstimator.fit(train, undefined, {}, { kind: "regression" }, { seed: 1 })).rejects.toThrow(
      /rank task/,
    );
  });

  it("ranks each user's held-out liked item above the items of other tastes (AUC > 0.9)", async () => {
    const { train, heldOut } = tasteData(2);
    const model = await bprEstimator.fit(train, undefined, params, { kind: "ranking" }, { seed: 7 });
    const t = model.factorTables!();
    let wins = 0;
    let pairs = 0;
    for (const { user, item } of heldOut) {
      const s = rawScore(t, user, item);
      for (let j = 0; j < N_ITEMS; j++) {
        if (j % 4 === user % 4) continue;
        pairs++;
        if (s > rawScore(t, user, j)) wins++;
      }
    }
    expect(wins / pairs).toBeGreaterThan(0.9);
  });

  it("needs at least one positive row and names a bad label's row", async () => {
    const { train } = tasteData(3);
    await expect(
      bprEstimator.fit(
        { ...train, y: new Float64Array(train.X.nRows) },
        undefined,
        {},
        { kind: "ranking" },
        { seed: 1 },
      ),
    ).rejects.toThrow(/no training row has a label above 0/);
    const y = Float64Array.from(train.y!);
    y[4] = NaN;
    await expect(
      bprEstimator.fit({ ...train, y }, undefined, {}, { kind: "ranking" }, { seed: 1 }),
    ).rejects.toThrow(/row 5 is NaN/);
  });

  it("is seeded: the same seed gives the same bytes, another seed other bytes", async () => {
    const { train } = tasteData(4);
    const fit = (seed: number) =>
      bprEstimator.fit(train, undefined, { ...params, epochs: 5 }, { kind: "ranking" }, { seed });
    const a = hex((await fit(1)).serialize());
    expect(hex((await fit(1)).serialize())).toBe(a);
    expect(hex((await fit(2)).serialize())).not.toBe(a);
  });

  it("scores an unseen user by the item bias alone and an unseen item as 0, in predict and ONNX", async () => {
    const { train } = tasteData(5);
    const model = await bprEstimator.fit(
      train,
      undefined,
      { ...params, epochs: 5 },
      { kind: "ranking" },
      { seed: 1 },
    );
    const t = model.factorTables!();
    const X = {
      nRows: 5,
      names: ["user", "item"],
      columns: [Float32Array.from([3, 999, NaN, 3, -1]), Float32Array.from([8, 8, 8, 999, 8])],
    };
    const p = model.predict(X);
    expect(p[0]).toBeCloseTo(rawScore(t, 3, 8), 5);
    expect(p[1]).toBeCloseTo(t.itemBias[8]!, 6);
    expect(p[2]).toBeCloseTo(t.itemBias[8]!, 6);
    expect(p[3]).toBe(0);
    expect(p[4]).toBeCloseTo(t.itemBias[8]!, 6);
    expect(indexOf(999, t.nUsers)).toBe(-1);
    await expectOnnxParity(model, X);
    await expectOnnxParity(model, train.X);
    const back = bprEstimator.deserialize(model.serialize());
    expect(Array.from(back.predict(train.X))).toEqual(Array.from(model.predict(train.X)));
  });
});
