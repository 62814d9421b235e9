// The decision threshold of an anomaly model: the score above which the expected share of anomalies
// (the task's `contamination`) of the calibration scores lies. Pure; no I/O.
import { quantileSorted } from "./stats/quantile.js";

/**
 * The (1 − contamination) quantile of the finite `scores`, rounded to float32 (the precision the
 * served ONNX score has), so a score ≥ it is an anomaly; undefined for contamination 0 or no finite score.
 */
export function contaminationThreshold(scores: ArrayLike<number>, contamination: number): number | undefined {
  if (!(contamination > 0)) return undefined;
  const finite = Float64Array.from(Array.prototype.filter.call(scores, Number.isFinite) as number[]).sort();
  if (finite.length === 0) return undefined;
  return Math.fround(quantileSorted(finite, 1 - contamination));
}
