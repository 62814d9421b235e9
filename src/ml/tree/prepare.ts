// Training setup shared by the tree learners: quantile cuts, the binned matrix, histogram
// offsets and the (possibly multi-threaded) histogram pool sized for the tree shape.
import { availableParallelism } from "node:os";
import type { Matrix } from "../matrix.js";
import { binMatrix, computeCuts, valueBins, type BinCuts } from "./binning.js";
import { createHistPool, type HistPool } from "./hist-pool.js";

/** Below this many rows, threads cost more than they save. */
const MIN_ROWS_FOR_THREADS = 50_000;
/** Memory budget for retained histograms (the subtraction trick degrades gracefully past it). */
const HIST_BUDGET_BYTES = 256 * 1024 * 1024;

interface Prepared {
  cuts: BinCuts;
  binned: Uint8Array;
  offsets: Int32Array;
  pool: HistPool;
  nRows: number;
  nFeatures: number;
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

export async function prepareTraining(X: Matrix, o: PrepareOptions): Promise<Prepared> {
  const n = X.nRows;
  const d = X.columns.length;
  const threads = resolveThreads(o.threads, n);
  const cuts = computeCuts(X, o.maxBins, 200_000, o.seed);
  // The pool's workers start (they read the binned matrix only when asked) while this thread bins.
  const binned = threads > 1 ? new Uint8Array(new SharedArrayBuffer(n * d)) : new Uint8Array(n * d);
  const offsets = new Int32Array(d + 1);
  for (let f = 0; f < d; f++) offsets[f + 1] = offsets[f]! + 2 * (valueBins(cuts, f) + 1);
  // Open leaves holding a histogram at once: the widest level (depth-wise) or max_leaves.
  let frontier = Number.POSITIVE_INFINITY;
  if (o.maxDepth > 0) frontier = Math.pow(2, Math.min(o.maxDepth, 20) - 1);
  if (o.maxLeaves > 0) frontier = Math.min(frontier, o.maxLeaves);
  frontier = Math.min(frontier, Math.ceil(n / 2) + 1);
  const slotBytes = 8 * Math.max(1, offsets[d]!);
  const nSlots = Math.max(3, Math.min(frontier + 3, Math.floor(HIST_BUDGET_BYTES / slotBytes)));
  const poolOpts: Parameters<typeof createHistPool>[0] = { binned, nRows: n, offsets, nSlots, threads };
  if (o.workerUrl !== undefined) poolOpts.workerUrl = o.workerUrl;
  const starting = createHistPool(poolOpts);
  binMatrix(X, cuts, binned);
  const pool = await starting;
  return { cuts, binned, offsets, pool, nRows: n, nFeatures: d };
}
