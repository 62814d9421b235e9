import { describe, expect, it } from "vitest";
import type { Task } from "../../src/ml/estimator.js";
import {
  autoencoderFeatureErrors,
  forestNodeSizes,
  isolationContributions,
  rankReasons,
} from "../../src/ml/explain/anomaly-reasons.js";
import { isolationForestEstimator } from "../../src/ml/isolation-forest/index.js";
import { averagePathLength, type Forest } from "../../src/ml/isolation-forest/isolation-tree.js";
import { autoencoderEstimator } from "../../src/ml/nn/index.js";
import type { Matrix } from "../../src/ml/matrix.js";
import { Rng } from "../../src/ml/random.js";

const anomaly: Task = { kind: "anomaly" };

// Two hand-made trees over features [a, b], grown on ψ = 8 rows (leaf value = depth + c(size)):
//   tree 0: a < 5 ? leaf(2 rows) : (b < 2 ? leaf(1) : leaf(5))
//   tree 1: b < 3 ? (b < 1 ? leaf(1) : leaf(3)) : leaf(4)
const c = averagePathLength;
const forest: Forest = {
  treeStart: Int32Array.from([0, 5, 10]),
  feature: Int32Array.from([0, -1, 1, -1, -1, 1, 1, -1, -1, -1]),
  threshold: Float32Array.from([5, 0, 2, 0, 0, 3, 1, 0, 0, 0]),
  left: Int32Array.from([1, 0, 3, 0, 0, 1, 3, 0, 0, 0]),
  right: Int32Array.from([2, 0, 4, 0, 0, 2, 4, 0, 0, 0]),
  value: Float64Array.from([0, 1 + c(2), 0, 2 + c(1), 2 + c(5), 0, 0, 1 + c(4), 2 + c(1), 2 + c(3)]),
};

describe("isolation contributions", () => {
  it("recovers the rows that reached every node from the leaves", () => {
    expect([...forestNodeSizes(forest, 8)]).toEqual([8, 2, 6, 1, 5, 8, 4, 4, 1, 3]);
  });

  it("adds log2(node rows / child rows) to the split's feature along the path, averaged over trees", () => {
    const sizes = forestNodeSizes(forest, 8);
    // [7, 0.5]: tree 0: a 8→6, b 6→1; tree 1: b 8→4, b 4→1
    //   a = log2(8/6) / 2 = 0.2075187…; b = (log2 6 + 1 + 2) / 2 = 2.7924812…
    const r = isolationContributions(forest, sizes, 2, [7, 0.5]);
    expect(r[0]).toBeCloseTo(0.20751874963942188, 12);
    expect(r[1]).toBeCloseTo(2.792481250360578, 12);
    // [NaN, 9]: NaN goes right (a 8→6), b 6→5; tree 1: b 8→4 → a = 0.2075…, b = (log2(6/5) + 1) / 2
    const m = isolationContributions(forest, sizes, 2, [NaN, 9]);
    expect(m[0]).toBeCloseTo(0.20751874963942188, 12);
    expect(m[1]).toBeCloseTo(0.631517202916897, 12);
  });

  it("ranks first the feature on which a trained forest isolates an edge point", async () => {
    const rng = new Rng(3);
    const n = 400;
    const cols = [0, 1, 2].map(() => Float32Array.from({ length: n }, () => rng.next()));
    const X: Matrix = { nRows: n, columns: cols, names: ["a", "b", "c"] };
    const model = await isolationForestEstimator.fit({ X }, undefined, { trees: 100 }, anomaly, { seed: 5 });
    const edge: Matrix = {
      nRows: 1,
      columns: [Float32Array.of(0.5), Float32Array.of(1.5), Float32Array.of(0.5)],
      names: ["a", "b", "c"],
    };
    const contributions = model.featureContributions!(edge);
    const ranked = rankReasons(["a", "b", "c"], [0.5, 1.5, 0.5], contributions);
    expect(ranked[0]!.feature).toBe("b");
    expect(ranked[0]!.value).toBe(1.5);
  });
});

describe("autoencoder feature errors", () => {
  // mean [1, 2], scale [2, 1]; encoder 2→1 (W = [1, 1], relu), decoder 1→2 (W = [0.5, −1], b = [0, 1])
  const net = {
    mean: Float64Array.of(1, 2),
    scale: Float64Array.of(2, 1),
    activation: "relu" as const,
    layers: [
      { inputs: 2, outputs: 1, W: Float32Array.of(1, 1), b: Float32Array.of(0) },
      { inputs: 1, outputs: 2, W: Float32Array.of(0.5, -1), b: Float32Array.of(0, 1) },
    ],
  };

  it("is (x̂ − z)² per feature in standardised units", () => {
    // z = [1, 2]; h = relu(3) = 3; x̂ = [1.5, −2] → [0.25, 16]
    expect([...autoencoderFeatureErrors(net, [3, 4])]).toEqual([0.25, 16]);
    // a missing value is the mean (z = 0): z = [0, −1]; h = relu(−1) = 0; x̂ = [0, 1] → [0, 4]
    expect([...autoencoderFeatureErrors(net, [NaN, 1])]).toEqual([0, 4]);
  });

  it("averages to a trained autoencoder's score", async () => {
    const rng = new Rng(9);
    const n = 200;
    const cols = [0, 1, 2].map(() => Float32Array.from({ length: n }, () => rng.next()));
    const X: Matrix = { nRows: n, columns: cols, names: ["a", "b", "c"] };
    const model = await autoencoderEstimator.fit(
      { X },
      undefined,
      { hidden: "2", epochs: 3, batch_size: 32 },
      anomaly,
      { seed: 2 },
    );
    const scores = model.predict(X);
    const c = model.featureContributions!(X);
    for (const i of [0, 17, 123]) {
      const mean = (c[i * 3]! + c[i * 3 + 1]! + c[i * 3 + 2]!) / 3;
      expect(mean).toBeCloseTo(scores[i]!, 4);
    }
  });
});

describe("rankReasons", () => {
  it("orders by contribution, keeps the value and writes a missing one as null", () => {
    expect(rankReasons(["a", "b", "c"], [1, NaN, 3], [0.1, 0.5, 0.1])).toEqual([
      { feature: "b", value: null, contribution: 0.5 },
      { feature: "a", value: 1, contribution: 0.1 },
      { feature: "c", value: 3, contribution: 0.1 },
    ]);
  });
});
