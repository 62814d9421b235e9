import { describe, expect, it } from "vitest";
import type { Dataset, Task } from "../../src/ml/estimator.js";
import { estimatorFor } from "../../src/ml/estimator-registry.js";
import { logisticEstimator } from "../../src/ml/linear/index.js";
import type { LinearModel } from "../../src/ml/linear/linear-model.js";
import { expectOnnxParity, hex, labelFirst, labelled, rocAuc } from "./learner-datasets.js";

const churnTrain = labelFirst("splits/mlc_churn_train.csv");
const churnTest = labelFirst("splits/mlc_churn_test.csv");
const binary: Task = { kind: "binary", classes: ["0", "1"] };
const iris = labelled("sklearn_iris.csv", "species");
const multiclass: Task = { kind: "multiclass", classes: iris.classes };

/** Gradient of mean log-loss + l2/2‖w‖² in standardised space, computed here independently of the solver. */
function gradientAt(
  model: LinearModel,
  data: Dataset,
  l2: number,
): { coef: number[][]; intercept: number[] } {
  const { mean, scale, wz } = model.state;
  const d = data.X.columns.length;
  const k = model.outputWidth;
  const n = data.X.nRows;
  const coef = Array.from({ length: k }, () => new Array<number>(d).fill(0));
  const intercept = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    const z = data.X.columns.map((c, j) => (c[i]! - mean[j]!) / scale[j]!);
    const m = Array.from(
      { length: k },
      (_, c) => wz[c * (d + 1) + d]! + z.reduce((s, v, j) => s + v * wz[c * (d + 1) + j]!, 0),
    );
    let resid: number[];
    if (k === 1) resid = [1 / (1 + Math.exp(-m[0]!)) - data.y![i]!];
    else {
      const mx = Math.max(...m);
      const e = m.map((v) => Math.exp(v - mx));
      const s = e.reduce((a, b) => a + b, 0);
      resid = e.map((v, c) => v / s - (c === data.y![i] ? 1 : 0));
    }
    for (let c = 0; c < k; c++) {
      intercept[c] = intercept[c]! + resid[c]! / n;
      for (let j = 0; j < d; j++) coef[c]![j] = coef[c]![j]! + (resid[c]! * z[j]!) / n;
    }
  }
  for (let c = 0; c < k; c++)
    for (let j = 0; j < d; j++) coef[c]![j] = coef[c]![j]! + l2 * wz[c * (d + 1) + j]!;
  return { coef, intercept };
}

describe("logistic regression", () => {
  it("is registered under 'logistic'", () => {
    expect(estimatorFor("logistic")).toBe(logisticEstimator);
  });

  it("reaches the L2-regularised optimum on churn (gradient ≈ 0) and ranks the test set well", async () => {
    const model = (await logisticEstimator.fit(churnTrain, undefined, { l2: 1e-3, tol: 1e-9 }, binary, {
      seed: 1,
    })) as LinearModel;
    const g = gradientAt(model, churnTrain, 1e-3);
    const worst = Math.max(...g.coef[0]!.map(Math.abs), Math.abs(g.intercept[0]!));
    expect(worst).toBeLessThan(1e-7);
    const p = model.predict(churnTest.X);
    expect(p.every((v) => v > 0 && v < 1)).toBe(true);
    expect(rocAuc(p, churnTest.y!)).toBeGreaterThan(0.75);
    await expectOnnxParity(model, churnTest.X);
  });

  it("elastic net gives exact zeros and satisfies the L1 optimality conditions", async () => {
    // Churn has exactly collinear columns (minutes and charges), so a little L2 keeps the optimum unique.
    const l1 = 0.01;
    const l2 = 1e-3;
    const model = (await logisticEstimator.fit(
      churnTrain,
      undefined,
      { l2, l1, tol: 1e-9, max_iter: 2000 },
      binary,
      { seed: 1 },
    )) as LinearModel;
    const d = churnTrain.X.columns.length;
    const w = Array.from(model.state.wz.subarray(0, d));
    const zeros = w.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(d / 2);
    expect(zeros).toBeLessThan(d);
    const g = gradientAt(model, churnTrain, l2);
    expect(Math.abs(g.intercept[0]!)).toBeLessThan(1e-6);
    for (let j = 0; j < d; j++) {
      if (w[j] === 0) expect(Math.abs(g.coef[0]![j]!)).toBeLessThanOrEqual(l1 + 1e-6);
      else expect(Math.abs(g.coef[0]![j]! + l1 * Math.sign(w[j]!))).toBeLessThan(1e-6);
    }
    // The exported raw-feature coefficients keep the zeros.
    const { weights } = model.coefficients();
    expect(Array.from(weights).filter((v) => v === 0).length).toBe(zeros);
    await expectOnnxParity(model, churnTest.X);
  });

  it("fits a multinomial model on iris: probabilities sum to 1, optimum reached, ONNX parity", async () => {
    const model = (await logisticEstimator.fit(iris, undefined, { l2: 1e-2, tol: 1e-9 }, multiclass, {
      seed: 1,
    })) as LinearModel;
    expect(model.outputWidth).toBe(3);
    const g = gradientAt(model, iris, 1e-2);
    expect(Math.max(...g.coef.flat().map(Math.abs), ...g.intercept.map(Math.abs))).toBeLessThan(1e-7);
    const p = model.predict(iris.X);
    let correct = 0;
    for (let i = 0; i < iris.X.nRows; i++) {
      const row = [p[i * 3]!, p[i * 3 + 1]!, p[i * 3 + 2]!];
      expect(row[0]! + row[1]! + row[2]!).toBeCloseTo(1, 12);
      if (row.indexOf(Math.max(...row)) === iris.y![i]) correct++;
    }
    expect(correct / iris.X.nRows).toBeGreaterThan(0.93);
    await expectOnnxParity(model, iris.X);
  });

  it("reports validation log-loss each iteration and stops when asked", async () => {
    const seen: { iteration: number; metric?: { name: string; value: number } }[] = [];
    const model = await logisticEstimator.fit(churnTrain, churnTest, {}, binary, {
      seed: 1,
      onProgress: (p) => {
        seen.push(p);
        return p.iteration === 4 ? "stop" : undefined;
      },
    });
    expect(seen.map((s) => s.iteration)).toEqual([1, 2, 3, 4]);
    expect(seen.every((s) => s.metric?.name === "logloss" && s.metric.value > 0)).toBe(true);
    expect(model.bestIteration).toBe(4);
  });

  it("honours an aborted signal", async () => {
    const ac = new AbortController();
    ac.abort(new Error("cancelled by test"));
    await expect(
      logisticEstimator.fit(churnTrain, undefined, {}, binary, { seed: 1, signal: ac.signal }),
    ).rejects.toThrow("cancelled by test");
  });

  it("an abort during a long solve ends it", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("aborted mid-solve")), 150);
    // Unpenalised lasso on churn's collinear columns converges very slowly: plenty of time to abort.
    const fit = logisticEstimator.fit(
      churnTrain,
      undefined,
      { l2: 0, l1: 0.01, tol: 1e-14, max_iter: 1_000_000 },
      binary,
      { seed: 1, signal: ac.signal },
    );
    await expect(fit).rejects.toThrow("aborted mid-solve");
  });

  it("serialises to identical bytes for the same training and round-trips", async () => {
    const a = await logisticEstimator.fit(iris, undefined, {}, multiclass, { seed: 3 });
    const b = await logisticEstimator.fit(iris, undefined, {}, multiclass, { seed: 3 });
    expect(hex(a.serialize())).toBe(hex(b.serialize()));
    const back = logisticEstimator.deserialize(a.serialize());
    expect(Array.from(back.predict(iris.X))).toEqual(Array.from(a.predict(iris.X)));
    expect(() => logisticEstimator.deserialize(new Uint8Array([1, 2, 3]))).toThrow(/bad magic/);
  });

  it("treats a missing value as the training mean", async () => {
    const model = (await logisticEstimator.fit(iris, undefined, {}, multiclass, { seed: 1 })) as LinearModel;
    const mean = model.state.mean;
    const X = {
      nRows: 2,
      names: iris.X.names,
      columns: [0, 1, 2, 3].map((j) => Float32Array.from([j === 2 ? NaN : 5, j === 2 ? mean[2]! : 5])),
    };
    const p = model.predict(X);
    for (let c = 0; c < 3; c++) expect(p[c]).toBeCloseTo(p[3 + c]!, 6);
    await expectOnnxParity(model, X);
  });

  it("rejects a label that is not a class index, naming the row", async () => {
    const bad = { X: iris.X, y: Float64Array.from(iris.y!, (v, i) => (i === 7 ? 5 : v)) };
    await expect(logisticEstimator.fit(bad, undefined, {}, multiclass, { seed: 1 })).rejects.toThrow(/row 8/);
    await expect(
      logisticEstimator.fit(iris, undefined, { depth: 3 }, multiclass, { seed: 1 }),
    ).rejects.toThrow(/unknown parameter 'depth'/);
  });
});
