// Histogram building across worker threads: the binned matrix, row lists, ordered gradients
// and histogram slots live in SharedArrayBuffers; each thread sums a fixed slice of the
// features, so the result is bit-identical for any thread count. A split node's children are
// one request: each thread builds the smaller child's histogram, subtracts it from the parent's
// for the larger one and finds both children's best split over its slice of the features
// (split.ts merges the slices as one scan would). Large row partitions are shared too, in
// contiguous chunks of rows that each thread moves to their places (partition.ts). Falls back to
// one thread when the compiled worker (hist-worker.js) cannot be found or started.
import type { Worker } from "node:worker_threads";
import { compiledWorkerUrl, startReadyWorker } from "../../threads/worker-start.js";
import { accumulateHistogram, subtractHistogram, twoValuedFeatures } from "./histogram.js";
import { partitionShare, type PartitionBuffers, type PartitionRequest } from "./partition.js";
import { bestSplitInto, mergeSplit, SPLIT_FIELDS, type SplitCandidate, type SplitParams } from "./split.js";

/**
 * Node requests with less work than this (row × feature updates, plus histogram cells subtracted
 * and scanned) run on the calling thread: waking the workers costs more than they save.
 */
const MIN_WORK_PER_DISPATCH = 1 << 17;
/**
 * Nodes with fewer rows than this are partitioned on the calling thread. 8,192 (the last level of
 * 1M-row depth-6 trees on both threads) was measured and rejected: no gain on 200k or 1M rows.
 */
const MIN_ROWS_PER_PARTITION = 32_768;
/** Guard against a dead thread: never block a thread longer than this per request. */
export const WAIT_LIMIT_MS = 120_000;

// Control words shared with the workers.
// Partition requests use col/lo/lim/withGh; thread t's left count comes back in lefts + t.
// Node requests use start/end/base (child A), bStart/bEnd/bBase/bMode (child B), evalMask and
// finite (1 when the tree's gradient pairs are all finite: histogram.ts's two-valued pass).
export const CTL = {
  generation: 0,
  done: 1,
  command: 2,
  start: 3,
  end: 4,
  base: 5,
  nFeats: 6,
  col: 7,
  lo: 8,
  lim: 9,
  withGh: 10,
  bStart: 11,
  bEnd: 12,
  bBase: 13,
  bMode: 14,
  evalMask: 15,
  finite: 16,
  lefts: 17,
} as const;
export const CMD = { nodes: 1, quit: 2, partition: 3 } as const;
/** Float words of a node request: the split parameters, then the two children's totals. */
export const FCTL = {
  lambda: 0,
  alpha: 1,
  minChildWeight: 2,
  minSplitGain: 3,
  gA: 4,
  hA: 5,
  gB: 6,
  hB: 7,
} as const;
/** Child B of a node request: none, parent − A in the parent's slot (bBase), or built from its rows. */
export const B_MODE = { none: 0, subtract: 1, build: 2 } as const;

/** A node request: child A built; child B per `bMode`; the children's best splits when asked. */
export interface NodeJob {
  aStart: number;
  aEnd: number;
  aSlot: number;
  /** Find A's best split (with totals aG, aH). */
  aEval: boolean;
  aG: number;
  aH: number;
  bMode: (typeof B_MODE)[keyof typeof B_MODE];
  bStart: number;
  bEnd: number;
  /** B's slot; with bMode subtract, the parent's (its histogram becomes B's). */
  bSlot: number;
  bEval: boolean;
  bG: number;
  bH: number;
  /** Every gradient pair of the tree's rows is finite (their sums are). */
  finite: boolean;
}

/** The shared arrays a thread's share of a node request reads and writes (the same on every thread). */
export interface SliceData {
  /** The binned matrix, column-major: bin of feature f and row r at binned[f · nRows + r]. */
  binned: Uint8Array;
  nRows: number;
  rows: Uint32Array;
  gho: Float64Array;
  hist: Float64Array;
  offsets: Int32Array;
  feats: Int32Array;
  two: Uint8Array;
  ctl: Int32Array;
  fctl: Float64Array;
  res: Float64Array;
}

/** The histogram of rows[start..end) at hist[base..] over features feats[from..to). */
function buildSlice(s: SliceData, start: number, end: number, base: number, from: number, to: number): void {
  accumulateHistogram(
    s.binned,
    s.nRows,
    s.rows,
    start,
    end,
    s.gho,
    s.hist,
    base,
    s.offsets,
    s.feats,
    from,
    to,
    s.two,
    s.ctl[CTL.finite] === 1,
  );
}

/**
 * One thread's share of a node request over features feats[from..to): A's histogram, B's, then
 * the best splits asked for, into res at (child · of + t) · SPLIT_FIELDS. Shared by the pool's
 * calling thread and its workers.
 */
export function nodeSlice(s: SliceData, from: number, to: number, t: number, of: number): void {
  const { ctl, fctl, hist, offsets, feats, res } = s;
  const base = ctl[CTL.base]!;
  const bBase = ctl[CTL.bBase]!;
  const bMode = ctl[CTL.bMode]!;
  const evalMask = ctl[CTL.evalMask]!;
  buildSlice(s, ctl[CTL.start]!, ctl[CTL.end]!, base, from, to);
  if (bMode === B_MODE.subtract)
    subtractHistogram(hist, bBase, hist, base, hist, bBase, offsets, feats, from, to);
  else if (bMode === B_MODE.build) buildSlice(s, ctl[CTL.bStart]!, ctl[CTL.bEnd]!, bBase, from, to);
  if (evalMask === 0) return;
  const p: SplitParams = {
    lambda: fctl[FCTL.lambda]!,
    alpha: fctl[FCTL.alpha]!,
    minChildWeight: fctl[FCTL.minChildWeight]!,
    minSplitGain: fctl[FCTL.minSplitGain]!,
  };
  if (evalMask & 1)
    bestSplitInto(
      hist,
      base,
      offsets,
      feats,
      from,
      to,
      fctl[FCTL.gA]!,
      fctl[FCTL.hA]!,
      p,
      res,
      t * SPLIT_FIELDS,
    );
  if (evalMask & 2)
    bestSplitInto(
      hist,
      bBase,
      offsets,
      feats,
      from,
      to,
      fctl[FCTL.gB]!,
      fctl[FCTL.hB]!,
      p,
      res,
      (of + t) * SPLIT_FIELDS,
    );
}

interface HistPoolOptions {
  binned: Uint8Array;
  nRows: number;
  offsets: Int32Array;
  nSlots: number;
  threads: number;
  /** Where the compiled worker is; null forces in-thread building. Default: found next to this module. */
  workerUrl?: URL | null;
}

export interface HistPool {
  /** Row lists of the nodes being grown (segments per node). */
  readonly rows: Uint32Array;
  /** Gradient pairs in row-list order, gathered before each build. */
  readonly gho: Float64Array;
  /** nSlots histogram slots of slotSize doubles each. */
  readonly hist: Float64Array;
  readonly slotSize: number;
  readonly nSlots: number;
  /** Threads actually used (1 when workers are unavailable). */
  readonly threads: number;
  /** Features of the current tree (ascending); set before building. */
  readonly feats: Int32Array;
  setFeatures(feats: ArrayLike<number>): void;
  /** The split parameters of the node requests that follow. */
  setSplitParams(p: SplitParams): void;
  /**
   * A node request (gho must hold the rows' gradients): A's histogram, B's, and the best split
   * of each child asked for (null when it has none or was not asked).
   */
  nodes(job: NodeJob): [SplitCandidate | null, SplitCandidate | null];
  /**
   * Stable partition of rows[start..end) by (feature, bins 1..bin left, missing left or not);
   * with `withGh` the gradient pairs in gho move along. Large nodes are split in chunks across
   * the threads (same result as one pass). Returns the boundary (first right row).
   */
  partition(
    start: number,
    end: number,
    feature: number,
    bin: number,
    defaultLeft: boolean,
    withGh: boolean,
  ): number;
  close(): Promise<void>;
}

/** The compiled worker next to this module, or (under vitest, running the .ts) in dist/. */
export function defaultWorkerUrl(): URL | null {
  return compiledWorkerUrl(import.meta.url, "hist-worker.js");
}

function alloc(bytes: number, shared: boolean): ArrayBuffer | SharedArrayBuffer {
  return shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

export async function createHistPool(o: HistPoolOptions): Promise<HistPool> {
  const nFeat = o.offsets.length - 1;
  const slotSize = o.offsets[nFeat]!;
  const url =
    o.threads > 1 && nFeat > 1 ? (o.workerUrl === undefined ? defaultWorkerUrl() : o.workerUrl) : null;
  const shared = url !== null && o.binned.buffer instanceof SharedArrayBuffer;
  const rows = new Uint32Array(alloc(4 * o.nRows, shared));
  const gho = new Float64Array(alloc(16 * o.nRows, shared));
  const hist = new Float64Array(alloc(8 * slotSize * o.nSlots, shared));
  const feats = new Int32Array(alloc(4 * Math.max(1, nFeat), shared));
  const tmp = new Uint32Array(alloc(4 * o.nRows, shared));
  const tmpGh = new Float64Array(alloc(16 * o.nRows, shared));
  const maxThreads = url !== null ? Math.max(1, Math.min(o.threads, nFeat)) : 1;
  const ctl = new Int32Array(alloc(4 * (CTL.lefts + maxThreads), shared));
  const fctl = new Float64Array(alloc(8 * 8, shared));
  const res = new Float64Array(alloc(8 * 2 * maxThreads * SPLIT_FIELDS, shared));
  // Two-valued features without missing values (histogram.ts), the same on every thread.
  const two = twoValuedFeatures(o.binned, o.nRows, o.offsets);
  const sd: SliceData = {
    binned: o.binned,
    nRows: o.nRows,
    rows,
    gho,
    hist,
    offsets: o.offsets,
    feats,
    two,
    ctl,
    fctl,
    res,
  };
  let nFeats = 0;
  const workers: Worker[] = [];
  if (shared && url) {
    const nWorkers = Math.min(o.threads, nFeat) - 1;
    const started = await Promise.all(
      Array.from({ length: nWorkers }, (_, w) =>
        startWorker(url, { ...sd, tmp, tmpGh, index: w + 1, of: nWorkers + 1 } satisfies HistWorkerData),
      ),
    );
    for (const w of started) if (w) workers.push(w);
    if (workers.length !== nWorkers) {
      await Promise.all(workers.map((w) => w.terminate()));
      workers.length = 0;
    }
  }
  const nThreads = workers.length + 1;

  const oneLeft = new Int32Array(1);
  const lefts = ctl.subarray(CTL.lefts, CTL.lefts + nThreads);
  const rowsOnly: PartitionBuffers = { binned: o.binned, rows, tmp, gho: null, tmpGh: null };
  const withPairs: PartitionBuffers = { ...rowsOnly, gho, tmpGh };
  const slice = (from: number, to: number, of: number) => nodeSlice(sd, from, to, 0, of);
  /** Wakes the workers for the request in ctl, and waits for them after `own` (this thread's share). */
  const dispatch = (own: () => void): void => {
    Atomics.store(ctl, CTL.done, 0);
    Atomics.add(ctl, CTL.generation, 1);
    Atomics.notify(ctl, CTL.generation);
    own();
    const deadline = Date.now() + WAIT_LIMIT_MS;
    for (;;) {
      const d = Atomics.load(ctl, CTL.done);
      if (d >= nThreads - 1) break;
      if (Date.now() > deadline) throw new Error("histogram worker did not answer (thread died?)");
      Atomics.wait(ctl, CTL.done, d, 1000);
    }
  };

  return {
    rows,
    gho,
    hist,
    slotSize,
    nSlots: o.nSlots,
    threads: nThreads,
    feats,
    setFeatures(fs) {
      nFeats = fs.length;
      for (let i = 0; i < nFeats; i++) feats[i] = fs[i]!;
    },
    setSplitParams(p) {
      fctl[FCTL.lambda] = p.lambda;
      fctl[FCTL.alpha] = p.alpha;
      fctl[FCTL.minChildWeight] = p.minChildWeight;
      fctl[FCTL.minSplitGain] = p.minSplitGain;
    },
    nodes(job) {
      ctl[CTL.start] = job.aStart;
      ctl[CTL.end] = job.aEnd;
      ctl[CTL.base] = job.aSlot * slotSize;
      ctl[CTL.bStart] = job.bStart;
      ctl[CTL.bEnd] = job.bEnd;
      ctl[CTL.bBase] = job.bSlot * slotSize;
      ctl[CTL.bMode] = job.bMode;
      const evalMask = (job.aEval ? 1 : 0) | (job.bEval && job.bMode !== B_MODE.none ? 2 : 0);
      ctl[CTL.evalMask] = evalMask;
      ctl[CTL.finite] = job.finite ? 1 : 0;
      fctl[FCTL.gA] = job.aG;
      fctl[FCTL.hA] = job.aH;
      fctl[FCTL.gB] = job.bG;
      fctl[FCTL.hB] = job.bH;
      const rowsBuilt = job.aEnd - job.aStart + (job.bMode === B_MODE.build ? job.bEnd - job.bStart : 0);
      const cells =
        (job.bMode === B_MODE.subtract ? slotSize : 0) + ((evalMask & 1) + (evalMask >> 1)) * (slotSize >> 1);
      let of = 1;
      if (nThreads === 1 || nFeats < 2 || rowsBuilt * nFeats + cells < MIN_WORK_PER_DISPATCH)
        slice(0, nFeats, 1);
      else {
        of = nThreads;
        ctl[CTL.command] = CMD.nodes;
        ctl[CTL.nFeats] = nFeats;
        const [from, to] = featureSlice(nFeats, 0, nThreads);
        dispatch(() => slice(from, to, nThreads));
      }
      return [
        evalMask & 1 ? mergeSplit(res, 0, SPLIT_FIELDS, of) : null,
        evalMask & 2 ? mergeSplit(res, of * SPLIT_FIELDS, SPLIT_FIELDS, of) : null,
      ];
    },
    partition(start, end, feature, bin, defaultLeft, withGh) {
      const lo = defaultLeft ? 0 : 1;
      const q: PartitionRequest = { col: feature * o.nRows, lo, lim: bin + 1 - lo, start, end };
      const b = withGh ? withPairs : rowsOnly;
      if (nThreads === 1 || end - start < MIN_ROWS_PER_PARTITION)
        return partitionShare(b, q, 0, 1, oneLeft, WAIT_LIMIT_MS);
      ctl[CTL.command] = CMD.partition;
      ctl[CTL.start] = start;
      ctl[CTL.end] = end;
      ctl[CTL.col] = q.col;
      ctl[CTL.lo] = lo;
      ctl[CTL.lim] = q.lim;
      ctl[CTL.withGh] = withGh ? 1 : 0;
      lefts.fill(-1);
      let mid = 0;
      dispatch(() => {
        mid = partitionShare(b, q, 0, nThreads, lefts, WAIT_LIMIT_MS);
      });
      return mid;
    },
    async close() {
      if (workers.length === 0) return;
      ctl[CTL.command] = CMD.quit;
      Atomics.add(ctl, CTL.generation, 1);
      Atomics.notify(ctl, CTL.generation);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** Thread t's contiguous slice [from, to) of n features. */
export function featureSlice(n: number, t: number, of: number): [number, number] {
  return [Math.floor((n * t) / of), Math.floor((n * (t + 1)) / of)];
}

/** A histogram worker's data: the slice arrays, the partition's scratch, its index among `of` threads. */
export interface HistWorkerData extends SliceData {
  tmp: Uint32Array;
  tmpGh: Float64Array;
  index: number;
  of: number;
}

function startWorker(url: URL, data: HistWorkerData): Promise<Worker | null> {
  return startReadyWorker(url, data, { isReady: (m) => m === "ready", timeoutMs: 20_000, unref: true });
}
