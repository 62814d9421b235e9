import { describe, expect, it } from "vitest";
import {
  featureGrid,
  partialDependence,
  permutationImportance,
  rankImportances,
} from "../../src/ml/explain/index.js";
import type { Matrix } from "../../src/ml/matrix.js";
import { metricFor } from "../../src/ml/metrics/index.js";
import { Rng } from "../../src/ml/random.js";

/** y = 3·x0 + x1² (x2 unused); the "model" is the true function, so importance is exact in kind. */
function data(n: number, seed: number): { X: Matrix; y: Float64Array } {
  const rng = new Rng(seed);
  const cols = [0, 1, 2].map(() => Float32Array.from({ length: n }, () => rng.normal()));
  const y = Float64Array.from({ length: n }, (_, i) => 3 * cols[0]![i]! + cols[1]![i]! ** 2);
  return { X: { nRows: n, columns: cols, names: ["x0", "x1", "x2"] }, y };
}
const model = {
  outputWidth: 1,
  predict(X: Matrix): Float64Array {
    return Float64Array.from({ length: X.nRows }, (_, i) => 3 * X.columns[0]![i]! + X.columns[1]![i]! ** 2);
  },
};
const twoOutputs = {
  outputWidth: 2,
  predict(X: Matrix): Float64Array {
    const out = new Float64Array(X.nRows * 2);
    for (let i = 0; i < X.nRows; i++) {
      out[2 * i] = 2 * X.columns[0]![i]! + X.columns[1]![i]!;
      out[2 * i + 1] = 1;
    }
    return out;
  },
};

describe("permutation importance", () => {
  it("ranks the features by how much shuffling them hurts, and an unused feature scores exactly 0", () => {
    const { X, y } = data(500, 1);
    const r = permutationImportance(model, { X, y }, metricFor("rmse")!, { repeats: 3, seed: 2 });
    expect(r.baseline).toBe(0);
    const [x0, x1, x2] = r.importances;
    expect(x0!.mean).toBeGreaterThan(x1!.mean);
    expect(x1!.mean).toBeGreaterThan(0);
    expect(x2!.mean).toBe(0);
    expect(x0!.values).toHaveLength(3);
    expect(rankImportances(r.importances).map((f) => f.feature)).toEqual(["x0", "x1", "x2"]);
  });

  it("orients maximised metrics the same way and is seeded", () => {
    const { X, y } = data(300, 3);
    const r2 = metricFor("r2")!;
    const a = permutationImportance(model, { X, y }, r2, { seed: 5, features: [0, 2] });
    expect(a.importances.map((f) => f.feature)).toEqual(["x0", "x2"]);
    expect(a.importances[0]!.mean).toBeGreaterThan(1);
    expect(permutationImportance(model, { X, y }, r2, { seed: 5, features: [0, 2] })).toEqual(a);
    expect(() => permutationImportance(model, { X, y }, r2, { features: [7] })).toThrow(
      /no feature column 7/,
    );
  });
});

describe("partial dependence", () => {
  it("averages predictions with the feature fixed at each grid value", () => {
    const { X } = data(400, 4);
    const pd = partialDependence(twoOutputs, X, "x0", { gridSize: 5 });
    let meanX1 = 0;
    for (const v of X.columns[1]!) meanX1 += v / X.nRows;
    expect(pd.grid).toHaveLength(5);
    pd.grid.forEach((g, i) => {
      expect(pd.average[i]![0]).toBeCloseTo(2 * g + meanX1, 5);
      expect(pd.average[i]![1]).toBeCloseTo(1, 12);
    });
    expect(() => partialDependence(twoOutputs, X, "nope")).toThrow(/no feature "nope"/);
  });

  it("uses the distinct values of a discrete feature and returns ICE curves on request", () => {
    const X: Matrix = {
      nRows: 4,
      names: ["flag", "x"],
      columns: [Float32Array.from([0, 1, 1, 0]), Float32Array.from([1, 2, 3, 4])],
    };
    const pd = partialDependence(model, X, 0, { ice: true });
    expect(pd.grid).toEqual([0, 1]);
    expect(pd.ice).toHaveLength(4);
    expect(pd.ice![0]).toEqual([1, 4]);
    expect(pd.average[1]![0]).toBeCloseTo(3 + (1 + 4 + 9 + 16) / 4, 6);
  });

  it("spans the 5th to 95th percentile of a continuous feature", () => {
    const col = Float32Array.from({ length: 101 }, (_, i) => i);
    const g = featureGrid(col, 10, [0.05, 0.95]);
    expect(g[0]).toBeCloseTo(5, 12);
    expect(g[9]).toBeCloseTo(95, 12);
  });

  it("samples at most maxRows rows", () => {
    const { X } = data(3000, 6);
    let seen = 0;
    const spy = { outputWidth: 1, predict: (m: Matrix) => ((seen = m.nRows), new Float64Array(m.nRows)) };
    partialDependence(spy, X, 0, { maxRows: 250, gridSize: 3 });
    expect(seen).toBe(250);
  });
});

describe("explanations of a real trained model (the gbdt estimator on churn)", async () => {
  const { readFileSync } = await import("node:fs");
  const path = await import("node:path");
  const { fileURLToPath } = await import("node:url");
  const { estimatorFor } = await import("../../src/ml/estimator-registry.js");
  let loaded = true;
  try {
    await import("../../src/ml/gbdt/index.js");
  } catch {
    loaded = false;
  }
  const gbdt = loaded ? estimatorFor("gbdt") : undefined;
  const splits = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/datasets/splits");
  const read = (file: string) => {
    const lines = readFileSync(path.join(splits, file), "utf8").trim().split("\n");
    const names = lines[0]!.split(",").slice(1);
    const rows = lines.slice(1).map((l) => l.split(",").map(Number));
    return {
      X: {
        nRows: rows.length,
        names,
        columns: names.map((_, j) => Float32Array.from(rows, (r) => r[j + 1]!)),
      } as Matrix,
      y: Float64Array.from(rows, (r) => r[0]!),
    };
  };

  it.skipIf(!gbdt)(
    "finds the known churn drivers and a rising partial dependence on service calls (skipped without the gbdt estimator)",
    async () => {
      const train = read("mlc_churn_train.csv");
      const test = read("mlc_churn_test.csv");
      const model = await gbdt!.fit(
        train,
        undefined,
        { trees: 40, max_depth: 4, threads: 1 },
        { kind: "binary", classes: ["no", "yes"] },
        { seed: 1, threads: 1 },
      );
      const r = permutationImportance(model, test, metricFor("auc")!, { repeats: 2, seed: 1 });
      const top = rankImportances(r.importances)
        .slice(0, 5)
        .map((f) => f.feature);
      expect(
        top.some((f) =>
          /total_day_(minutes|charge)|number_customer_service_calls|international_plan/.test(f),
        ),
      ).toBe(true);
      const stateImportance = r.importances
        .filter((f) => f.feature.startsWith("state="))
        .reduce((s, f) => s + Math.abs(f.mean), 0);
      expect(stateImportance).toBeLessThan(r.importances.find((f) => f.feature === top[0])!.mean);
      const pd = partialDependence(model, test.X, "number_customer_service_calls");
      const first = pd.average[0]![0]!;
      const last = pd.average[pd.average.length - 1]![0]!;
      expect(last).toBeGreaterThan(first);
    },
  );
});
