// Latency of served requests from a log window: p50, p90, p95, p99, mean and max over requests
// (a batch request counts once), with numpy's linear-interpolation quantiles.
import { quantileSorted } from "../../ml/stats/quantile.js";
import type { LogWindow } from "./window.js";

export interface LatencySummary {
  /** Distinct requests in the window. */
  requests: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

export const LATENCY_MEASURES = ["p50", "p90", "p95", "p99", "mean", "max"] as const;

/** Latency percentiles in ms over the window's requests; NaN everywhere when it has none. */
export function latencySummary(w: LogWindow): LatencySummary {
  const seen = new Set<string>();
  const values: number[] = [];
  for (let r = 0; r < w.rows; r++) {
    const id = w.requestIds[r]!;
    if (seen.has(id)) continue;
    seen.add(id);
    values.push(w.latencyMs[r]!);
  }
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const n = sorted.length;
  return {
    requests: n,
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
    mean: n ? sum / n : NaN,
    max: n ? sorted[n - 1]! : NaN,
  };
}
