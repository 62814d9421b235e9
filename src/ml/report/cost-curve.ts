// The cost curve of a binary decision: the mean cost per row at thresholds across (0, 1) and at the
// chosen one, on the rows the threshold was chosen on; report.json's `decision` section holds it.
import { meanCostAt, type OutcomeCosts } from "../metrics/threshold.js";

export interface CostCurve {
  /** Thresholds, ascending; the chosen one among them. */
  x: number[];
  /** Mean cost per row at each threshold. */
  y: number[];
  chosen: { x: number; y: number };
}

/** The mean cost at thresholds 0.01, 0.02, …, 0.99 and at `threshold`, on these rows. */
export function costCurve(
  y: Float64Array,
  p: Float64Array,
  costs: OutcomeCosts,
  threshold: number,
  steps = 100,
): CostCurve {
  const xs = new Set<number>([threshold]);
  for (let k = 1; k < steps; k++) xs.add(k / steps);
  const x = [...xs].sort((a, b) => a - b);
  const ys = x.map((t) => meanCostAt(y, p, t, costs));
  return { x, y: ys, chosen: { x: threshold, y: meanCostAt(y, p, threshold, costs) } };
}
