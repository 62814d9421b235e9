import { describe, expect, it } from "vitest";
import type { Dataset } from "../../src/ml/estimator.js";
import { estimatorFor } from "../../src/ml/estimator-registry.js";
import { fitForest } from "../../src/ml/forest/forest.js";
import "../../src/ml/forest/index.js";
import { TreeModel } from "../../src/ml/tree/model.js";
import { Rng } from "../../src/ml/random.js";

function data(n: number, seed: number, label: (x: number[]) => number): Dataset {
  const r = new Rng(seed);
  const columns = Array.from({ length: 6 }, () => new Float32Array(n));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: 6 }, () => r.next() * 2 - 1);
    x.forEach((v, j) => (columns[j]![i] = v));
    y[i] = label(x);
  }
  return { X: { nRows: n, columns, names: Array.from({ length: 6 }, (_, j) => `x${j}`) }, y };
}

describe("random forest", () => {
  it("is registered for classification and regression", () => {
    const e = estimatorFor("random_forest")!;
    expect([...e.tasks].sort()).toEqual(["binary", "multiclass", "regression"]);
    expect(e.params.find((p) => p.name === "max_features")!.doc).toMatch(/√d/);
  });

  it("classifies three classes well, with probabilities that sum to one", async () => {
    const label = (x: number[]) => (x[0]! + x[1]! > 0.5 ? 2 : x[2]! > 0 ? 1 : 0);
    const train = data(1500, 1, label);
    const test = data(500, 2, label);
    const m = await fitForest(
      train,
      undefined,
      { trees: 30 },
      { kind: "multiclass", classes: ["a", "b", "c"] },
      { seed: 0 },
    );
    const p = m.predict(test.X);
    let correct = 0;
    for (let i = 0; i < test.X.nRows; i++) {
      const row = Array.from(p.subarray(i * 3, i * 3 + 3));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      if (row.indexOf(Math.max(...row)) === test.y![i]) correct++;
    }
    expect(correct / test.X.nRows).toBeGreaterThan(0.85);
  });

  it("binary forest gives P(positive) in [0, 1] that ranks the classes", async () => {
    const label = (x: number[]) => (x[0]! * x[1]! > 0 ? 1 : 0);
    const train = data(1500, 3, label);
    const test = data(400, 4, label);
    const m = await fitForest(
      train,
      undefined,
      { trees: 25 },
      { kind: "binary", classes: ["n", "y"] },
      { seed: 0 },
    );
    const p = m.predict(test.X);
    let pos = 0;
    let neg = 0;
    for (let i = 0; i < p.length; i++) {
      expect(p[i]).toBeGreaterThanOrEqual(0);
      expect(p[i]).toBeLessThanOrEqual(1);
      if (test.y![i] === 1) pos += p[i]!;
      else neg += p[i]!;
    }
    const nPos = test.y!.reduce((s, v) => s + v, 0);
    expect(pos / nPos - neg / (p.length - nPos)).toBeGreaterThan(0.5);
  });

  it("regression beats predicting the mean, and reports the validation rmse per tree", async () => {
    const f = (x: number[]) => 3 * Math.sin(3 * x[0]!) + x[1]! * x[1]!;
    const train = data(1500, 5, f);
    const valid = data(500, 6, f);
    const mean = train.y!.reduce((s, v) => s + v, 0) / train.y!.length;
    const baseline = Math.sqrt(valid.y!.reduce((s, v) => s + (v - mean) ** 2, 0) / valid.y!.length);
    const metrics: number[] = [];
    await fitForest(
      train,
      valid,
      { trees: 20 },
      { kind: "regression" },
      { seed: 0, onProgress: (p) => void metrics.push(p.metric!.value) },
    );
    expect(metrics.length).toBe(20);
    expect(metrics[19]!).toBeLessThan(baseline * 0.3);
  });

  it("is deterministic for a seed and differs across seeds; round-trips through bytes", async () => {
    const train = data(800, 7, (x) => x[0]! + x[3]!);
    const a = await fitForest(train, undefined, { trees: 8 }, { kind: "regression" }, { seed: 5 });
    const b = await fitForest(train, undefined, { trees: 8 }, { kind: "regression" }, { seed: 5 });
    const c = await fitForest(train, undefined, { trees: 8 }, { kind: "regression" }, { seed: 6 });
    expect(Buffer.from(a.serialize()).equals(Buffer.from(b.serialize()))).toBe(true);
    expect(Buffer.from(a.serialize()).equals(Buffer.from(c.serialize()))).toBe(false);
    const back = estimatorFor("random_forest")!.deserialize(a.serialize());
    expect(Array.from(back.predict(train.X))).toEqual(Array.from(a.predict(train.X)));
    expect(() => TreeModel.deserialize("gbdt", a.serialize())).toThrow(/written by 'random_forest'/);
    expect(a.importance().length).toBe(6);
  });

  it("rejects tasks it does not support", async () => {
    const train = data(50, 8, (x) => x[0]!);
    await expect(fitForest(train, undefined, {}, { kind: "ranking" }, { seed: 0 })).rejects.toThrow(
      /not supported/,
    );
  });
});
