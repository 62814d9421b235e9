// Per-phase time of a GBDT fit, for the bench's explanation of where training goes: cut points
// and binning, gradients, histograms (the pool's node requests: builds, subtraction and the
// children's split search), row partitions, the rest of tree growing (the root's sums, the tree's
// bookkeeping) and the margin update. Each phase gets wall time and the
// process's CPU time (all threads, so a phase's parallel share shows as cpu > wall). Off unless
// the caller passes a recorder.
import type { HistPool } from "../tree/hist-pool.js";

export const PHASES = [
  "prepare",
  "gradients",
  "histograms",
  "partition",
  "growOther",
  "margin",
  "other",
] as const;
export type Phase = (typeof PHASES)[number];

/** Milliseconds per phase. */
export type PhaseTimes = Record<Phase, number>;

const zero = (): PhaseTimes => ({
  prepare: 0,
  gradients: 0,
  histograms: 0,
  partition: 0,
  growOther: 0,
  margin: 0,
  other: 0,
});

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export class GbdtPhases {
  readonly wall = zero();
  readonly cpu = zero();
  private w = performance.now();
  private c = cpuMs();

  /** Adds the time since the last mark to `phase`. */
  mark(phase: Phase): void {
    const w = performance.now();
    const c = cpuMs();
    this.wall[phase] += w - this.w;
    this.cpu[phase] += c - this.c;
    this.w = w;
    this.c = c;
  }

  /** Runs `f`, counting its time to `phase` and taking it out of the phase running around it. */
  nested<T>(phase: Phase, f: () => T): T {
    const w0 = performance.now();
    const c0 = cpuMs();
    const r = f();
    const dw = performance.now() - w0;
    const dc = cpuMs() - c0;
    this.wall[phase] += dw;
    this.cpu[phase] += dc;
    this.w += dw;
    this.c += dc;
    return r;
  }
}

/** The pool with its build and partition calls timed into `p` (same results). */
export function timedPool(pool: HistPool, p: GbdtPhases): HistPool {
  return {
    rows: pool.rows,
    gho: pool.gho,
    hist: pool.hist,
    slotSize: pool.slotSize,
    nSlots: pool.nSlots,
    threads: pool.threads,
    feats: pool.feats,
    setFeatures: (fs) => pool.setFeatures(fs),
    setSplitParams: (sp) => pool.setSplitParams(sp),
    nodes: (job) => p.nested("histograms", () => pool.nodes(job)),
    partition: (start, end, feature, bin, defaultLeft, withGh) =>
      p.nested("partition", () => pool.partition(start, end, feature, bin, defaultLeft, withGh)),
    close: () => pool.close(),
  };
}
