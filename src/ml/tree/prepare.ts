// Training setup shared by the tree learners: quantile cuts, the binned matrix, histogram
// offsets and the (possibly multi-threaded) histogram pool sized for the tree shape. With threads,
// a bin worker (bin-worker.ts) cuts and bins the second half of the features beside this thread,
// and the pool's workers start while both bin; each column's cuts and bins are the one-thread ones.
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import type { Matrix } from "../matrix.js";
import { compiledWorkerUrl, startReadyWorker } from "../../threads/worker-start.js";
import { binLimit, cutAndBinColumn, cutSample, valueBins, type BinCuts } from "./binning.js";
import type { BinWorkerData } from "./bin-worker.js";
import { createHistPool, type HistPool } from "./hist-pool.js";

/**
 * Below this many rows, threads cost more than they save, however wide the data: a threshold on
 * cells (rows × features) instead was measured and rejected (ames, 2,344 × 311, and churn,
 * 4,000 × 73, with the pool's threads: +0.2 s wall and CPU on a 1 s fit, load 4 on 2 CPUs).
 */
const MIN_ROWS_FOR_THREADS = 50_000;
/** Fewer cells than this are cut and binned on one thread (a worker's start-up costs ~50 ms). */
const MIN_CELLS_FOR_BIN_WORKER = 1 << 22;
/** Rows the cut points are computed from (a seeded sample of larger data). */
const CUT_SAMPLE_ROWS = 200_000;
/** Memory budget for retained histograms (the subtraction trick degrades gracefully past it). */
const HIST_BUDGET_BYTES = 256 * 1024 * 1024;

interface Prepared {
  cuts: BinCuts;
  binned: Uint8Array;
  offsets: Int32Array;
  pool: HistPool;
  nRows: number;
  nFeatures: number;
  /** Threads that cut and binned the features (2 with the bin worker). */
  binThreads: number;
}

interface PrepareOptions {
  maxBins: number;
  seed: number;
  /** 0 = all cores. */
  threads: number;
  maxDepth: number;
  maxLeaves: number;
  workerUrl?: URL | null;
}

function resolveThreads(requested: number | undefined, nRows: number): number {
  const t = requested && requested > 0 ? requested : availableParallelism();
  return nRows >= MIN_ROWS_FOR_THREADS ? Math.max(1, t) : 1;
}

/** The bin worker's first message: the cut points of its features. */
interface WorkerCuts {
  cuts: Float64Array[];
}

const isWorkerCuts = (m: unknown): m is WorkerCuts =>
  typeof m === "object" && m !== null && Array.isArray((m as WorkerCuts).cuts);

/** Where the bin worker is: beside an overridden histogram worker, else beside this module. */
function binWorkerUrl(histWorkerUrl: URL | null | undefined): URL | null {
  if (histWorkerUrl === null) return null;
  if (histWorkerUrl) return new URL("./bin-worker.js", histWorkerUrl);
  return compiledWorkerUrl(import.meta.url, "bin-worker.js");
}

export async function prepareTraining(X: Matrix, o: PrepareOptions): Promise<Prepared> {
  const n = X.nRows;
  const d = X.columns.length;
  const threads = resolveThreads(o.threads, n);
  const sample = cutSample(n, CUT_SAMPLE_ROWS, o.seed);
  const bins = binLimit(o.maxBins);
  const buf = new Float32Array(sample ? sample.length : n);
  const binned = threads > 1 ? new Uint8Array(new SharedArrayBuffer(n * d)) : new Uint8Array(n * d);
  // Features [0, half) here, [half, d) on the bin worker when one starts.
  const url = threads > 1 && d > 1 && n * d >= MIN_CELLS_FOR_BIN_WORKER ? binWorkerUrl(o.workerUrl) : null;
  const half = url ? d >> 1 : d;
  let workerCuts: WorkerCuts | null = null;
  const starting: Promise<Worker | null> = url
    ? startReadyWorker(
        url,
        {
          columns: X.columns.slice(half),
          first: half,
          nRows: n,
          sample,
          bins,
          binned,
        } satisfies BinWorkerData,
        {
          isReady: (m) => {
            if (!isWorkerCuts(m)) return false;
            workerCuts = m;
            return true;
          },
          timeoutMs: 120_000,
        },
      )
    : Promise.resolve(null);
  const cuts: Float64Array[] = [];
  for (let f = 0; f < half; f++) {
    cuts.push(cutAndBinColumn(X.columns[f]!, n, sample, bins, buf, binned, f * n));
  }
  const worker = await starting;
  if (worker) void worker.terminate();
  const theirs = (workerCuts as WorkerCuts | null)?.cuts;
  for (let f = half; f < d; f++) {
    if (theirs) cuts.push(theirs[f - half]!);
    else {
      // No worker (or it failed): this thread does its features too.
      cuts.push(cutAndBinColumn(X.columns[f]!, n, sample, bins, buf, binned, f * n));
    }
  }
  const binCuts: BinCuts = { cuts };
  const offsets = new Int32Array(d + 1);
  for (let f = 0; f < d; f++) offsets[f + 1] = offsets[f]! + 2 * (valueBins(binCuts, f) + 1);
  // Open leaves holding a histogram at once: the widest level (depth-wise) or max_leaves.
  let frontier = Number.POSITIVE_INFINITY;
  if (o.maxDepth > 0) frontier = Math.pow(2, Math.min(o.maxDepth, 20) - 1);
  if (o.maxLeaves > 0) frontier = Math.min(frontier, o.maxLeaves);
  frontier = Math.min(frontier, Math.ceil(n / 2) + 1);
  const slotBytes = 8 * Math.max(1, offsets[d]!);
  const nSlots = Math.max(3, Math.min(frontier + 3, Math.floor(HIST_BUDGET_BYTES / slotBytes)));
  const poolOpts: Parameters<typeof createHistPool>[0] = { binned, nRows: n, offsets, nSlots, threads };
  if (o.workerUrl !== undefined) poolOpts.workerUrl = o.workerUrl;
  const pool = await createHistPool(poolOpts);
  return { cuts: binCuts, binned, offsets, pool, nRows: n, nFeatures: d, binThreads: theirs ? 2 : 1 };
}
