import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readNumericCsv } from "../../bench/gbdt/csv.js";
import type { Task, TrainedModel } from "../../src/ml/estimator.js";
import { fitForest } from "../../src/ml/forest/forest.js";
import { fitGbdt } from "../../src/ml/gbdt/booster.js";
import type { Matrix } from "../../src/ml/matrix.js";
import { toRowMajor } from "../../src/ml/matrix.js";
import { loadSession } from "../../src/onnx/session.js";
import { modelToOnnxBytes } from "../../src/ml/standalone-onnx.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const datasets = resolve(repoRoot, "test/fixtures/datasets");

async function onnxPredict(model: TrainedModel, X: Matrix): Promise<Float32Array> {
  const s = await loadSession(modelToOnnxBytes(model));
  const out = await s.run({
    features: { type: "float", data: toRowMajor(X), dims: [X.nRows, X.columns.length] },
  });
  await s.release();
  expect(out.score!.dims).toEqual([X.nRows, model.outputWidth]);
  return out.score!.data as Float32Array;
}

/** Every value within 1e-5 (relative to the magnitude for large regression targets). */
async function expectParity(model: TrainedModel, X: Matrix): Promise<void> {
  const js = model.predict(X);
  const ort = await onnxPredict(model, X);
  expect(ort.length).toBe(js.length);
  let worst = 0;
  for (let i = 0; i < js.length; i++)
    worst = Math.max(worst, Math.abs(ort[i]! - js[i]!) / Math.max(1, Math.abs(js[i]!)));
  expect(worst).toBeLessThan(1e-5);
}

function withMissing(X: Matrix, every: number): Matrix {
  return { ...X, columns: X.columns.map((c, j) => c.map((v, i) => ((i + j) % every === 0 ? NaN : v))) };
}

function iris(): { X: Matrix; y: Float64Array } {
  const lines = readFileSync(resolve(datasets, "sklearn_iris.csv"), "utf8").trim().split("\n");
  const names = lines[0]!.split(",").slice(0, 4);
  const rows = lines.slice(1).map((l) => l.split(","));
  const classes = [...new Set(rows.map((r) => r[4]!))].sort();
  const columns = names.map((_, j) => Float32Array.from(rows, (r) => Number(r[j])));
  return {
    X: { nRows: rows.length, columns, names },
    y: Float64Array.from(rows, (r) => classes.indexOf(r[4]!)),
  };
}

const BIN: Task = { kind: "binary", classes: ["no", "yes"] };

describe("tree ensemble ONNX export", () => {
  it("matches JS predictions on every churn test row (binary, with and without missing values)", async () => {
    const train = readNumericCsv(resolve(datasets, "splits/mlc_churn_train.csv"), true);
    const test = readNumericCsv(resolve(datasets, "splits/mlc_churn_test.csv"), true);
    const m = await fitGbdt(
      { X: withMissing(train.X, 13), y: train.y },
      undefined,
      { trees: 60, max_depth: 6 },
      BIN,
      { seed: 0 },
    );
    await expectParity(m, test.X);
    await expectParity(m, withMissing(test.X, 7));
  });

  it("matches JS predictions on iris (multiclass softmax and forest probabilities)", async () => {
    const { X, y } = iris();
    const task: Task = { kind: "multiclass", classes: ["setosa", "versicolor", "virginica"] };
    const g = await fitGbdt({ X, y }, undefined, { trees: 30, max_depth: 3 }, task, { seed: 0 });
    await expectParity(g, X);
    await expectParity(g, withMissing(X, 3));
    const f = await fitForest({ X, y }, undefined, { trees: 20 }, task, { seed: 0 });
    await expectParity(f, X);
    await expectParity(f, withMissing(X, 3));
  });

  it("matches JS predictions on ames (regression GBDT and forest, large targets) and a binary forest", async () => {
    const train = readNumericCsv(resolve(datasets, "splits/ames_train.csv"), true);
    const test = readNumericCsv(resolve(datasets, "splits/ames_test.csv"), true);
    const g = await fitGbdt(
      train,
      undefined,
      { trees: 80, max_depth: 6 },
      { kind: "regression" },
      { seed: 0 },
    );
    await expectParity(g, test.X);
    const f = await fitForest(
      train,
      undefined,
      { trees: 10, max_depth: 8 },
      { kind: "regression" },
      { seed: 0 },
    );
    await expectParity(f, test.X);
    const churn = readNumericCsv(resolve(datasets, "splits/mlc_churn_test.csv"), true);
    const fb = await fitForest(churn, undefined, { trees: 10 }, BIN, { seed: 0 });
    await expectParity(fb, withMissing(churn.X, 5));
  });
});
