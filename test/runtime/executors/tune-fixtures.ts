// Data and specs for the tuning tests of trainBranch: seeded synthetic binary rows and a GBDT
// model spec that each test gives its own fixed params, search space and tune settings.
import type { Dataset, Task } from "../../../src/ml/estimator.js";
import { Rng } from "../../../src/ml/random.js";
import type { ModelSpec } from "../../../src/kinds/model/model-spec.js";

export const BINARY: Task = { kind: "binary", classes: ["no", "yes"] };

/**
 * n rows × `width` features drawn uniform in [−1, 1]; the label is 1 when Σ term(j, x_j) plus
 * `noise` × (uniform − 0.5) is positive. Deterministic for a seed.
 */
export function syntheticBinary(
  n: number,
  seed: number,
  width: number,
  term: (j: number, v: number) => number,
  noise = 1,
): Dataset {
  const r = new Rng(seed);
  const columns = Array.from({ length: width }, () => new Float32Array(n));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < width; j++) {
      const v = r.next() * 2 - 1;
      columns[j]![i] = v;
      s += term(j, v);
    }
    y[i] = s + (r.next() - 0.5) * noise > 0 ? 1 : 0;
  }
  return { X: { nRows: n, columns, names: columns.map((_, j) => `f${j}`) }, y };
}

/** A classify-y GBDT model `m` without calibration, tuned as `tuning` says. */
export function gbdtSpec(tuning: Pick<ModelSpec, "fixed" | "space" | "tune">): ModelSpec {
  return {
    name: "m",
    task: { kind: "classify", label: "y" },
    data: "split",
    features: { from: "features" },
    algorithm: { name: "gbdt" },
    ...tuning,
    threshold: 0.5,
    calibrate: "none",
  };
}
