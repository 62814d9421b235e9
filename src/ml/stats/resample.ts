// Bootstrap resampling of metric inputs: rows with replacement, or whole query groups for
// ranking (a drawn group keeps its rows together and gets a fresh id so repeats stay apart; its
// item ids travel with the rows, and the cut-off and item popularity are passed through).
import type { MetricInput, ScoresByClass } from "../metrics/types.js";
import { groupRanges } from "../metrics/ranking.js";
import { Rng } from "../random.js";

/** Draws resamples of the same size as the input into reused buffers; `preds` are resampled in step. */
export class Resampler {
  private readonly ranges: Array<[number, number]> | undefined;
  private y: Float64Array;
  private preds: Float64Array[];
  private group: Int32Array | undefined;
  private item: Int32Array | undefined;
  private readonly picks: Uint32Array;
  private readonly counts: Uint32Array;
  /** Row order by ascending score of the first source (width 1, no NaN), else undefined. */
  private readonly order: Uint32Array | undefined;
  /**
   * With `order`, one source and no item ids: the resample's scores split by class as they are
   * emitted (MetricInput.byClass), so the metrics need not split and count the rows again.
   */
  private readonly pos: Float64Array | undefined;
  private readonly neg: Float64Array | undefined;

  constructor(
    private readonly base: Omit<MetricInput, "pred" | "ascending">,
    private readonly sources: Float64Array[],
    private readonly rng: Rng,
  ) {
    const n = base.y.length;
    this.ranges = base.group ? groupRanges(n, base.group) : undefined;
    // Group resamples vary in row count: buffers start at n rows and grow when a draw needs more.
    this.y = new Float64Array(n);
    this.preds = sources.map(() => new Float64Array(n * base.width));
    this.group = this.ranges ? new Int32Array(n) : undefined;
    this.item = base.item ? new Int32Array(n) : undefined;
    this.picks = new Uint32Array(this.ranges ? this.ranges.length : 0);
    this.counts = new Uint32Array(this.ranges ? 0 : n);
    const first = sources[0];
    if (!this.ranges && base.width === 1 && first && !first.some((v) => Number.isNaN(v))) {
      this.order = new Uint32Array(n);
      for (let i = 0; i < n; i++) this.order[i] = i;
      this.order.sort((a, b) => first[a]! - first[b]!);
      if (sources.length === 1 && !base.item) {
        this.pos = new Float64Array(n);
        this.neg = new Float64Array(n);
      }
    }
  }

  private ensure(rows: number): void {
    if (rows <= this.y.length) return;
    const cap = Math.max(rows, Math.ceil(this.y.length * 1.5));
    this.y = new Float64Array(cap);
    this.preds = this.preds.map(() => new Float64Array(cap * this.base.width));
    this.group = new Int32Array(cap);
    if (this.item) this.item = new Int32Array(cap);
  }

  /** Fills the buffers with one resample and returns the metric inputs, one per source. */
  draw(): MetricInput[] {
    const { y: srcY, width } = this.base;
    const n = srcY.length;
    let len: number;
    let byClass: ScoresByClass | undefined;
    if (this.pos && this.neg && this.order) {
      // one score per row, rows in score order: each row's y and score copied `counts` times, and
      // its score to the positives' or the others' list
      const { counts, order, pos, neg } = this;
      const y = this.y;
      const src = this.sources[0]!;
      const dst = this.preds[0]!;
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[this.rng.int(n)]!++;
      len = 0;
      let np = 0;
      let nn = 0;
      for (let k = 0; k < n; k++) {
        const r = order[k]!;
        const c = counts[r]!;
        if (c === 0) continue;
        const yv = srcY[r]!;
        const pv = src[r]!;
        for (let rep = 0; rep < c; rep++, len++) {
          y[len] = yv;
          dst[len] = pv;
        }
        if (yv === 1) for (let rep = 0; rep < c; rep++) pos[np++] = pv;
        else for (let rep = 0; rep < c; rep++) neg[nn++] = pv;
      }
      byClass = { pos: pos.subarray(0, np), neg: neg.subarray(0, nn) };
    } else if (!this.ranges) {
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
          if (this.item) this.item[len] = this.base.item![r]!;
          for (let s = 0; s < this.sources.length; s++) {
            const src = this.sources[s]!;
            const dst = this.preds[s]!;
            for (let c = 0; c < width; c++) dst[len * width + c] = src[r * width + c]!;
          }
        }
      }
    } else {
      const g = this.ranges.length;
      let total = 0;
      for (let q = 0; q < g; q++) {
        const pick = this.rng.int(g);
        this.picks[q] = pick;
        const [a, b] = this.ranges[pick]!;
        total += b - a;
      }
      this.ensure(total);
      const srcItem = this.base.item;
      len = 0;
      for (let q = 0; q < g; q++) {
        const [a, b] = this.ranges[this.picks[q]!]!;
        for (let r = a; r < b; r++, len++) {
          this.y[len] = srcY[r]!;
          this.group![len] = q;
          if (srcItem) this.item![len] = srcItem[r]!;
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
      ...(this.item ? { item: this.item.subarray(0, len) } : {}),
      ...(this.base.ranking ? { ranking: this.base.ranking } : {}),
      ...(this.base.popularity ? { popularity: this.base.popularity } : {}),
      ...(s === 0 && this.order ? { ascending: true } : {}),
      ...(s === 0 && byClass ? { byClass } : {}),
      ...(this.base.k !== undefined ? { k: this.base.k } : {}),
      ...(this.base.decision ? { decision: this.base.decision } : {}),
    }));
  }
}
