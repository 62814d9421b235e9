// The churn GBDT tuning problem for bench/tune: the fixed churn training split divided into
// train/valid (seeded), and an objective of validation AUC for the "gbdt" estimator.
import { readFileSync } from "node:fs";
import type { Dataset, Estimator, Params } from "../../src/ml/estimator.js";
import type { Matrix } from "../../src/ml/matrix.js";
import { aucRoc } from "../../src/ml/metrics/index.js";
import { Rng } from "../../src/ml/random.js";
import type { SearchSpace } from "../../src/ml/tune/space.js";

/** Numeric CSV with a header; label in the first column (the splits/*.csv layout). */
export function readLabelledCsv(file: string): { names: string[]; y: Float64Array; rows: Float32Array[] } {
  const lines = readFileSync(file, "utf8").trim().split("\n");
  const names = lines[0]!.split(",").slice(1);
  const y = new Float64Array(lines.length - 1);
  const rows: Float32Array[] = [];
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(",");
    y[i - 1] = Number(cells[0]);
    rows.push(Float32Array.from(cells.slice(1), (c) => (c === "" ? NaN : Number(c))));
  }
  return { names, y, rows };
}

export function dataset(names: string[], y: Float64Array, rows: Float32Array[], idx: number[]): Dataset {
  const X: Matrix = {
    nRows: idx.length,
    names,
    columns: names.map((_, j) => Float32Array.from(idx, (i) => rows[i]![j]!)),
  };
  return { X, y: Float64Array.from(idx, (i) => y[i]!) };
}

export interface ChurnProblem {
  space: SearchSpace;
  /** The seeded 75/25 division of the training file (for runs through the model executor's trainBranch). */
  train: Dataset;
  valid: Dataset;
  trainRows: number;
  validRows: number;
  objective(params: Params, seed: number): Promise<number>;
}

export function churnProblem(estimator: Estimator, trainCsv: string, trees: number): ChurnProblem {
  const { names, y, rows } = readLabelledCsv(trainCsv);
  const order = new Rng(2024).shuffle(Array.from({ length: y.length }, (_, i) => i));
  const cut = Math.floor(order.length * 0.75);
  const train = dataset(names, y, rows, order.slice(0, cut));
  const valid = dataset(names, y, rows, order.slice(cut));
  // learning_rate and depth as in the DESIGN.md churn sketch; conventional ranges for the others.
  const space: SearchSpace = [
    { name: "learning_rate", dist: { kind: "loguniform", low: 0.01, high: 0.3 } },
    { name: "max_depth", dist: { kind: "int", low: 3, high: 10 } },
    { name: "min_child_weight", dist: { kind: "loguniform", low: 0.5, high: 50 } },
    { name: "subsample", dist: { kind: "uniform", low: 0.5, high: 1 } },
  ];
  return {
    space,
    train,
    valid,
    trainRows: train.X.nRows,
    validRows: valid.X.nRows,
    async objective(params, seed) {
      const model = await estimator.fit(
        train,
        undefined,
        { ...params, trees, threads: 1 },
        { kind: "binary", classes: ["no", "yes"] },
        { seed, threads: 1 },
      );
      return aucRoc(valid.y!, model.predict(valid.X));
    },
  };
}
