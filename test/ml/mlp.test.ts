import { describe, expect, it } from "vitest";
import type { Dataset, Task } from "../../src/ml/estimator.js";
import { estimatorFor } from "../../src/ml/estimator-registry.js";
import { mlpEstimator } from "../../src/ml/nn/index.js";
import { expectOnnxParity, hex, labelFirst, labelled, rocAuc, splitRows } from "./learner-datasets.js";

const iris = labelled("sklearn_iris.csv", "species");
const multiclass: Task = { kind: "multiclass", classes: iris.classes };
// The 700-row churn training slice keeps the tfjs tests quick.
const churnSmall = labelFirst("splits/mlc_churn_train.csv");
const churnTest = labelFirst("splits/mlc_churn_test.csv");
const binary: Task = { kind: "binary", classes: ["0", "1"] };
const boston = labelled("BostonHousing.csv", "medv");
const [bostonTrain, bostonTest] = splitRows(boston, 5);

function accuracy(p: Float64Array, data: Dataset, k: number): number {
  let ok = 0;
  for (let i = 0; i < data.X.nRows; i++) {
    const row = Array.from(p.subarray(i * k, i * k + k));
    if (row.indexOf(Math.max(...row)) === data.y![i]) ok++;
  }
  return ok / data.X.nRows;
}

describe("mlp", () => {
  it("is registered under 'mlp'", () => {
    expect(estimatorFor("mlp")).toBe(mlpEstimator);
  });

  it("classifies iris (multiclass softmax) and its ONNX export matches predict", async () => {
    const model = await mlpEstimator.fit(
      iris,
      undefined,
      { hidden: "16", epochs: 25, batch_size: 32, learning_rate: 0.03 },
      multiclass,
      { seed: 1 },
    );
    expect(model.outputWidth).toBe(3);
    const p = model.predict(iris.X);
    for (let i = 0; i < iris.X.nRows; i++)
      expect(p[i * 3]! + p[i * 3 + 1]! + p[i * 3 + 2]!).toBeCloseTo(1, 5);
    expect(accuracy(p, iris, 3)).toBeGreaterThan(0.9);
    await expectOnnxParity(model, iris.X);
  });

  it("trains a binary churn classifier with dropout and tanh, ranks the test set, ONNX parity", async () => {
    const model = await mlpEstimator.fit(
      churnSmall,
      undefined,
      { hidden: "32,16", activation: "tanh", dropout: 0.2, epochs: 15, batch_size: 64, learning_rate: 0.005 },
      binary,
      { seed: 2 },
    );
    const p = model.predict(churnTest.X);
    expect(p.every((v) => v > 0 && v < 1)).toBe(true);
    expect(rocAuc(p, churnTest.y!)).toBeGreaterThan(0.75);
    await expectOnnxParity(model, churnTest.X);
  });

  it("regresses Boston prices in the target's units, with early stopping on validation RMSE", async () => {
    const epochs: { iteration: number; value: number }[] = [];
    const model = await mlpEstimator.fit(
      bostonTrain,
      bostonTest,
      { hidden: 32, epochs: 40, batch_size: 32, learning_rate: 0.01, early_stop: 5 },
      { kind: "regression" },
      {
        seed: 3,
        onProgress: (p) => void epochs.push({ iteration: p.iteration, value: p.metric!.value }),
      },
    );
    const best = epochs.reduce((a, b) => (b.value < a.value ? b : a));
    expect(model.bestIteration).toBe(best.iteration);
    expect(best.value).toBeLessThan(5.5); // RMSE in $1000s; predicting the mean gives about 9
    const p = model.predict(bostonTest.X);
    const rmse = Math.sqrt(p.reduce((s, v, i) => s + (v - bostonTest.y![i]!) ** 2, 0) / p.length);
    expect(rmse).toBeCloseTo(best.value, 4);
    await expectOnnxParity(model, bostonTest.X);
  });

  it("gives identical bytes for the same seed, other bytes for another seed, and round-trips", async () => {
    const params = { hidden: "8,8", epochs: 3, batch_size: 16, dropout: 0.1 };
    const a = await mlpEstimator.fit(iris, undefined, params, multiclass, { seed: 5 });
    const b = await mlpEstimator.fit(iris, undefined, params, multiclass, { seed: 5 });
    const c = await mlpEstimator.fit(iris, undefined, params, multiclass, { seed: 6 });
    expect(hex(a.serialize())).toBe(hex(b.serialize()));
    expect(hex(a.serialize())).not.toBe(hex(c.serialize()));
    const back = mlpEstimator.deserialize(a.serialize());
    expect(Array.from(back.predict(iris.X))).toEqual(Array.from(a.predict(iris.X)));
  });

  it("predicts more rows than one 1,024-row batch, treating NaN as the mean, like ONNX", async () => {
    const model = await mlpEstimator.fit(iris, undefined, { hidden: "8", epochs: 2 }, multiclass, {
      seed: 1,
    });
    const n = 2500;
    const X = {
      nRows: n,
      names: iris.X.names,
      columns: iris.X.columns.map((c, j) =>
        Float32Array.from({ length: n }, (_, i) => ((i + j) % 7 === 0 ? NaN : c[i % 150]!)),
      ),
    };
    const p = model.predict(X);
    expect(p.length).toBe(n * 3);
    expect(Array.from(p.subarray(3 * 1030, 3 * 1031))).toEqual(
      Array.from(model.predict({ ...X, nRows: 1, columns: X.columns.map((c) => c.slice(1030, 1031)) })),
    );
    await expectOnnxParity(model, X);
  });

  it("stops when progress says stop and honours abort", async () => {
    const model = await mlpEstimator.fit(iris, undefined, { hidden: "4", epochs: 50 }, multiclass, {
      seed: 1,
      onProgress: (p) => (p.iteration === 2 ? "stop" : undefined),
    });
    expect(model.bestIteration).toBe(2);
    const ac = new AbortController();
    ac.abort(new Error("user cancelled"));
    await expect(
      mlpEstimator.fit(iris, undefined, {}, multiclass, { seed: 1, signal: ac.signal }),
    ).rejects.toThrow("user cancelled");
    await expect(
      mlpEstimator.fit(iris, undefined, { hidden: "a,b" }, multiclass, { seed: 1 }),
    ).rejects.toThrow(/hidden/);
  });
});
