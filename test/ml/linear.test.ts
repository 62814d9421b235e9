import { describe, expect, it } from "vitest";
import type { Task } from "../../src/ml/estimator.js";
import { estimatorFor } from "../../src/ml/estimator-registry.js";
import { linearEstimator } from "../../src/ml/linear/index.js";
import type { LinearModel } from "../../src/ml/linear/linear-model.js";
import { expectOnnxParity, hex, labelled, splitRows } from "./learner-datasets.js";

const boston = labelled("BostonHousing.csv", "medv");
const [train, test] = splitRows(boston, 5);
const regression: Task = { kind: "regression" };

/** Ordinary least squares by the normal equations with Gaussian elimination (partial pivoting). */
function normalEquations(X: Float32Array[], y: Float64Array): number[] {
  const n = y.length;
  const p = X.length + 1;
  const A = Array.from({ length: p }, () => new Array<number>(p + 1).fill(0));
  for (let i = 0; i < n; i++) {
    const row = [...X.map((c) => c[i]!), 1];
    for (let a = 0; a < p; a++) {
      for (let b = 0; b < p; b++) A[a]![b] = A[a]![b]! + row[a]! * row[b]!;
      A[a]![p] = A[a]![p]! + row[a]! * y[i]!;
    }
  }
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[piv]![c]!)) piv = r;
    [A[c], A[piv]] = [A[piv]!, A[c]!];
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = A[r]![c]! / A[c]![c]!;
      for (let k = c; k <= p; k++) A[r]![k] = A[r]![k]! - f * A[c]![k]!;
    }
  }
  return A.map((r, i) => r[p]! / r[i]!);
}

describe("linear regression", () => {
  it("is registered under 'linear'", () => {
    expect(estimatorFor("linear")).toBe(linearEstimator);
  });

  it("matches the normal-equations least-squares solution on Boston housing, in raw-feature units", async () => {
    const model = (await linearEstimator.fit(train, undefined, { tol: 1e-10, max_iter: 5000 }, regression, {
      seed: 0,
    })) as LinearModel;
    const exact = normalEquations(train.X.columns, train.y!);
    const { weights, intercepts } = model.coefficients();
    for (let j = 0; j < weights.length; j++) expect(weights[j]).toBeCloseTo(exact[j]!, 5);
    expect(intercepts[0]).toBeCloseTo(exact[exact.length - 1]!, 3);
    // The coefficients reproduce predict directly.
    const p = model.predict(test.X);
    for (let i = 0; i < 5; i++) {
      const direct = intercepts[0]! + test.X.columns.reduce((s, c, j) => s + c[i]! * weights[j]!, 0);
      expect(p[i]).toBeCloseTo(direct, 8);
    }
    await expectOnnxParity(model, test.X);
  });

  it("L1 zeroes weak coefficients exactly and shrinks the rest", async () => {
    const model = (await linearEstimator.fit(train, undefined, { l1: 0.05, tol: 1e-10 }, regression, {
      seed: 0,
    })) as LinearModel;
    const { weights } = model.coefficients();
    const zeros = Array.from(weights).filter((w) => w === 0).length;
    expect(zeros).toBeGreaterThanOrEqual(3);
    expect(zeros).toBeLessThan(weights.length);
    // 'rm' (rooms) and 'lstat' carry most of the signal and survive the penalty.
    expect(weights[boston.X.names.indexOf("rm")]).toBeGreaterThan(0);
    expect(weights[boston.X.names.indexOf("lstat")]).toBeLessThan(0);
    await expectOnnxParity(model, test.X);
  });

  it("reports validation RMSE and gives identical bytes for the same training", async () => {
    const metrics: number[] = [];
    const a = await linearEstimator.fit(train, test, { l2: 0.01 }, regression, {
      seed: 0,
      onProgress: (p) => void metrics.push(p.metric!.value),
    });
    const b = await linearEstimator.fit(train, test, { l2: 0.01 }, regression, { seed: 0 });
    expect(metrics.length).toBeGreaterThan(3);
    expect(metrics[metrics.length - 1]).toBeLessThan(metrics[0]!);
    expect(metrics[metrics.length - 1]).toBeLessThan(7);
    expect(hex(a.serialize())).toBe(hex(b.serialize()));
    expect(Array.from(linearEstimator.deserialize(a.serialize()).predict(test.X))).toEqual(
      Array.from(a.predict(test.X)),
    );
  });

  it("refuses classification and a non-finite target with the row number", async () => {
    await expect(
      linearEstimator.fit(train, undefined, {}, { kind: "binary", classes: ["a", "b"] }, { seed: 0 }),
    ).rejects.toThrow(/regression only/);
    const bad = { X: train.X, y: Float64Array.from(train.y!, (v, i) => (i === 2 ? NaN : v)) };
    await expect(linearEstimator.fit(bad, undefined, {}, regression, { seed: 0 })).rejects.toThrow(/row 3/);
  });
});
