// Point-in-time window aggregation: for each row, an aggregate over the rows of the same entity
// whose timestamp lies in [t - over, t), strictly before the row's own time, so no row ever
// sees itself, a simultaneous row, or the future. One sort, then a sliding window per entity.
import type { WindowOp } from "./transforms/types.js";

/**
 * `values` may be undefined for `count` (counts rows); otherwise null values (NaN) are skipped.
 * Rows with a null entity or time get null. Result is float32 (the pipeline's precision).
 */
export function windowAggregate(
  op: WindowOp,
  values: Float32Array | undefined,
  entity: readonly unknown[] | ArrayLike<number>,
  timeMs: Float64Array,
  overMs: number,
): Float32Array {
  const n = timeMs.length;
  const out = new Float32Array(n).fill(NaN);
  // Group row indices by entity, each group sorted by time (stable on row index).
  const groups = new Map<unknown, number[]>();
  for (let i = 0; i < n; i++) {
    const e = (entity as ArrayLike<unknown>)[i];
    if (
      e === null ||
      e === undefined ||
      (typeof e === "number" && Number.isNaN(e)) ||
      Number.isNaN(timeMs[i]!)
    )
      continue;
    let g = groups.get(e);
    if (!g) groups.set(e, (g = []));
    g.push(i);
  }
  for (const rows of groups.values()) {
    rows.sort((a, b) => timeMs[a]! - timeMs[b]! || a - b);
    let lo = 0; // first row inside the window
    let hi = 0; // first row at or after the current time (excluded)
    let count = 0,
      sum = 0;
    // max/min use a monotonic deque of row positions within `rows`.
    const deque: number[] = [];
    let dqHead = 0;
    const better = op === "max" ? (a: number, b: number) => a >= b : (a: number, b: number) => a <= b;
    for (let k = 0; k < rows.length; k++) {
      const t = timeMs[rows[k]!]!;
      // admit rows strictly earlier than t
      while (hi < rows.length && timeMs[rows[hi]!]! < t) {
        const v = values ? values[rows[hi]!]! : 1;
        if (!Number.isNaN(v)) {
          count++;
          sum += v;
          if (op === "max" || op === "min") {
            while (deque.length > dqHead && better(v, values![rows[deque[deque.length - 1]!]!]!)) deque.pop();
            deque.push(hi);
          }
        }
        hi++;
      }
      // evict rows older than t - over
      while (lo < hi && timeMs[rows[lo]!]! < t - overMs) {
        const v = values ? values[rows[lo]!]! : 1;
        if (!Number.isNaN(v)) {
          count--;
          sum -= v;
        }
        if (deque.length > dqHead && deque[dqHead] === lo) dqHead++;
        lo++;
      }
      if (count === 0) sum = 0; // no drift from adding and removing the same values
      const i = rows[k]!;
      switch (op) {
        case "count":
          out[i] = count;
          break;
        case "sum":
          out[i] = count ? sum : 0;
          break;
        case "mean":
          out[i] = count ? sum / count : NaN;
          break;
        case "max":
        case "min":
          out[i] = deque.length > dqHead ? values![rows[deque[dqHead]!]!]! : NaN;
          break;
      }
    }
  }
  return out;
}
