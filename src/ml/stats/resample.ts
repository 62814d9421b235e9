// Bootstrap resampling of metric inputs: rows with replacement, or whole query groups for
// ranking (a drawn group keeps its rows together and gets a fresh id so repeats stay apart).
import type { MetricInput } from "../metrics/types.js";
import { groupRanges } from "../metrics/ranking.js";
import { Rng } from "./rng.js";

/** Draws resamples of the same size as the input into reused buffers; `preds` are resampled in step. */
export class Resampler {
  private readonly ranges: Array<[number, number]> | undefined;
  readonly y: Float64Array;
  readonly preds: Float64Array[];
  readonly group: Int32Array | undefined;
  private readonly counts: Uint32Array;
  /** Row order by ascending score of the first source (width 1, no NaN), else undefined. */
  private readonly order: Uint32Array | undefined;

  constructor(
    private readonly base: { y: Float64Array; width: number; group?: Int32Array },
    private readonly sources: Float64Array[],
    private readonly rng: Rng,
  ) {
    const n = base.y.length;
    this.ranges = base.group ? groupRanges(n, base.group) : undefined;
    // Group resamples vary in row count; allocate for the worst case and hand out subarrays.
    const cap = this.ranges ? n * Math.max(1, maxGroupSize(this.ranges)) : n;
    this.y = new Float64Array(this.ranges ? cap : n);
    this.preds = sources.map(() => new Float64Array((this.ranges ? cap : n) * base.width));
    this.group = this.ranges ? new Int32Array(cap) : undefined;
    this.counts = new Uint32Array(this.ranges ? 0 : n);
    const first = sources[0];
    if (!this.ranges && base.width === 1 && first && !first.some((v) => Number.isNaN(v))) {
      this.order = new Uint32Array(n);
      for (let i = 0; i < n; i++) this.order[i] = i;
      this.order.sort((a, b) => first[a]! - first[b]!);
    }
  }

  /** Fills the buffers with one resample and returns the metric inputs, one per source. */
  draw(): MetricInput[] {
    const { y: srcY, width } = this.base;
    const n = srcY.length;
    let len: number;
    if (!this.ranges) {
      // Draw how often each row is taken, then emit rows in the first source's score order, so
      // rank metrics see ascending scores and skip their O(n log n) sort.
      const counts = this.counts;
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[this.rng.int(n)]!++;
      len = 0;
      for (let k = 0; k < n; k++) {
        const r = this.order ? this.order[k]! : k;
        for (let rep = counts[r]!; rep > 0; rep--, len++) {
          this.y[len] = srcY[r]!;
          for (let s = 0; s < this.sources.length; s++) {
            const src = this.sources[s]!;
            const dst = this.preds[s]!;
            for (let c = 0; c < width; c++) dst[len * width + c] = src[r * width + c]!;
          }
        }
      }
    } else {
      len = 0;
      const g = this.ranges.length;
      for (let q = 0; q < g; q++) {
        const [a, b] = this.ranges[this.rng.int(g)]!;
        for (let r = a; r < b; r++, len++) {
          this.y[len] = srcY[r]!;
          this.group![len] = q;
          for (let s = 0; s < this.sources.length; s++) {
            const src = this.sources[s]!;
            const dst = this.preds[s]!;
            for (let c = 0; c < width; c++) dst[len * width + c] = src[r * width + c]!;
          }
        }
      }
    }
    return this.preds.map((p, s) => ({
      y: this.y.subarray(0, len),
      pred: p.subarray(0, len * width),
      width,
      ...(this.group ? { group: this.group.subarray(0, len) } : {}),
      ...(s === 0 && this.order ? { ascending: true } : {}),
    }));
  }
}

function maxGroupSize(ranges: Array<[number, number]>): number {
  let m = 0;
  for (const [a, b] of ranges) m = Math.max(m, b - a);
  return m;
}
