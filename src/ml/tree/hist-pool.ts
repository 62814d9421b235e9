// Histogram building across worker threads: the binned matrix, row lists, ordered gradients
// and histogram slots live in SharedArrayBuffers; each thread sums a fixed slice of the
// features, so the result is bit-identical for any thread count. Large row partitions are
// shared too, in contiguous chunks of rows joined by block copies (partition.ts). Falls back
// to one thread when the compiled worker (hist-worker.js) cannot be found or started.
import type { Worker } from "node:worker_threads";
import { compiledWorkerUrl, startReadyWorker } from "../../threads/worker-start.js";
import { accumulateHistogram } from "./histogram.js";
import { chunkBounds, mergeChunks, partitionChunk } from "./partition.js";

/** Nodes with fewer rows than this are summed on the calling thread (sync cost > gain). */
const MIN_ROWS_PER_DISPATCH = 4096;
/** Nodes with fewer rows than this are partitioned on the calling thread. */
const MIN_ROWS_PER_PARTITION = 32_768;
/** Guard against a dead worker: never block the main thread longer than this per histogram. */
const WAIT_LIMIT_MS = 120_000;

// Control words shared with the workers.
// Partition requests use col/lo/lim/withGh; thread t's left count comes back in lefts + t.
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
  lefts: 16,
} as const;
export const CMD = { build: 1, quit: 2, partition: 3 } as const;

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
  /** Histogram of rows[start..end) into slot `slot` (gho must hold those rows' gradients). */
  build(start: number, end: number, slot: number): void;
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
  let nFeats = 0;
  const workers: Worker[] = [];
  if (shared && url) {
    const nWorkers = Math.min(o.threads, nFeat) - 1;
    const started = await Promise.all(
      Array.from({ length: nWorkers }, (_, w) =>
        startWorker(url, {
          binned: o.binned,
          nRows: o.nRows,
          offsets: o.offsets,
          rows,
          gho,
          hist,
          feats,
          tmp,
          tmpGh,
          ctl,
          index: w + 1,
          of: nWorkers + 1,
        }),
      ),
    );
    for (const w of started) if (w) workers.push(w);
    if (workers.length !== nWorkers) {
      await Promise.all(workers.map((w) => w.terminate()));
      workers.length = 0;
    }
  }
  const nThreads = workers.length + 1;

  const inThread = (start: number, end: number, base: number, from: number, to: number) =>
    accumulateHistogram(o.binned, o.nRows, rows, start, end, gho, hist, base, o.offsets, feats, from, to);
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
  const oneLeft = new Int32Array(1);

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
    build(start, end, slot) {
      const base = slot * slotSize;
      if (nThreads === 1 || end - start < MIN_ROWS_PER_DISPATCH || nFeats < 2) {
        inThread(start, end, base, 0, nFeats);
        return;
      }
      ctl[CTL.command] = CMD.build;
      ctl[CTL.start] = start;
      ctl[CTL.end] = end;
      ctl[CTL.base] = base;
      ctl[CTL.nFeats] = nFeats;
      const [from, to] = featureSlice(nFeats, 0, nThreads);
      dispatch(() => inThread(start, end, base, from, to));
    },
    partition(start, end, feature, bin, defaultLeft, withGh) {
      const col = feature * o.nRows;
      const lo = defaultLeft ? 0 : 1;
      const lim = bin + 1 - lo;
      const g = withGh ? gho : null;
      const tg = withGh ? tmpGh : null;
      if (nThreads === 1 || end - start < MIN_ROWS_PER_PARTITION) {
        oneLeft[0] = partitionChunk(o.binned, col, lo, lim, rows, tmp, g, tg, start, end);
        return mergeChunks(rows, tmp, g, tg, start, end, oneLeft, 1);
      }
      ctl[CTL.command] = CMD.partition;
      ctl[CTL.start] = start;
      ctl[CTL.end] = end;
      ctl[CTL.col] = col;
      ctl[CTL.lo] = lo;
      ctl[CTL.lim] = lim;
      ctl[CTL.withGh] = withGh ? 1 : 0;
      const [from, to] = chunkBounds(start, end, 0, nThreads);
      dispatch(() => {
        ctl[CTL.lefts] = partitionChunk(o.binned, col, lo, lim, rows, tmp, g, tg, from, to);
      });
      return mergeChunks(
        rows,
        tmp,
        g,
        tg,
        start,
        end,
        ctl.subarray(CTL.lefts, CTL.lefts + nThreads),
        nThreads,
      );
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

function startWorker(url: URL, data: unknown): Promise<Worker | null> {
  return startReadyWorker(url, data, { isReady: (m) => m === "ready", timeoutMs: 20_000, unref: true });
}
