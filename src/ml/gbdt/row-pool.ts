// The GBDT's per-row work across threads: each round's gradients (the objective's row-range
// kernel, objectives.ts) and the margin update after each tree (every row's margin plus its leaf's
// value). Margins, labels, weights, gradient buffers and the tree's row list live in
// SharedArrayBuffers; each thread takes a contiguous chunk of rows (or row-list positions), and
// every number a thread writes depends only on its own row, so results are bit-identical to the
// one-thread loops for any thread count. Falls back to the calling thread when the compiled worker
// (row-worker.js) cannot be found or started.
import type { Worker } from "node:worker_threads";
import { compiledWorkerUrl, startReadyWorker } from "../../threads/worker-start.js";
import { chunkBounds } from "../tree/partition.js";
import { GRADIENT_KERNELS } from "./objectives.js";

/** Guard against a dead worker: never block the main thread longer than this per request. */
const WAIT_LIMIT_MS = 120_000;
/** Leaf tables longer than this are added on the calling thread (a tree that large is rare). */
const MAX_SHARED_LEAVES = 65_536;

export const ROW_CTL = { generation: 0, done: 1, command: 2, m: 3, c: 4, leaves: 5 } as const;
export const ROW_CMD = { gradients: 1, margin: 2, quit: 3 } as const;

export type KernelName = keyof typeof GRADIENT_KERNELS;

/** What a row worker gets (all arrays shared). */
export interface RowWorkerData {
  kernel: KernelName;
  n: number;
  k: number;
  y: Float64Array;
  w: Float64Array | null;
  margin: Float64Array;
  gh: Float64Array[];
  rows: Uint32Array;
  leaves: Float64Array;
  ctl: Int32Array;
  index: number;
  of: number;
}

/**
 * Adds each leaf's value to the margins (output c of k) of its rows, for row-list positions
 * [from, to): leaf j covers rows[leaves[3j] .. leaves[3j+1]) and has value leaves[3j+2].
 */
export function addLeafValues(
  margin: Float64Array,
  k: number,
  c: number,
  rows: Uint32Array,
  leaves: Float64Array,
  nLeaves: number,
  from: number,
  to: number,
): void {
  for (let j = 0; j < nLeaves; j++) {
    const s = Math.max(from, leaves[3 * j]!);
    const e = Math.min(to, leaves[3 * j + 1]!);
    const v = leaves[3 * j + 2]!;
    for (let i = s; i < e; i++) {
      const at = rows[i]! * k + c;
      margin[at] = margin[at]! + v;
    }
  }
}

export interface RowPool {
  /** Threads actually used (1 when workers are unavailable). */
  readonly threads: number;
  /** Margins, row-major n × k (shared); the fit keeps its margins here. */
  readonly margin: Float64Array;
  /** Gradient pairs of all rows (the objective's kernel over every row). */
  gradients(): void;
  /** margin[rows[i]·k + c] += the value of the leaf holding position i, for leaves [start, end, value]. */
  addLeaves(c: number, leafStart: number[], leafEnd: number[], value: number[], m: number): void;
  close(): Promise<void>;
}

interface RowPoolOptions {
  kernel: KernelName;
  n: number;
  k: number;
  y: Float64Array;
  w: Float64Array | null;
  /** The fit's starting margins (copied into shared memory). */
  margin: Float64Array;
  /** Gradient buffers, one per output; each must live in a SharedArrayBuffer. */
  gh: Float64Array[];
  /** The histogram pool's row list (shared). */
  rows: Uint32Array;
  threads: number;
  /** Where the compiled worker is; null forces the calling thread. Default: found next to this module. */
  workerUrl?: URL | null;
}

const sharedCopy = (a: Float64Array): Float64Array => {
  const s = new Float64Array(new SharedArrayBuffer(8 * a.length));
  s.set(a);
  return s;
};

/** A pool of `threads` − 1 row workers beside the calling thread, or null when none can start. */
export async function createRowPool(o: RowPoolOptions): Promise<RowPool | null> {
  if (o.threads < 2) return null;
  if (!o.gh.every((g) => g.buffer instanceof SharedArrayBuffer)) return null;
  if (!(o.rows.buffer instanceof SharedArrayBuffer)) return null;
  const url = o.workerUrl === undefined ? compiledWorkerUrl(import.meta.url, "row-worker.js") : o.workerUrl;
  if (!url) return null;
  const margin = sharedCopy(o.margin);
  const y = sharedCopy(o.y);
  const w = o.w ? sharedCopy(o.w) : null;
  const leaves = new Float64Array(new SharedArrayBuffer(8 * 3 * MAX_SHARED_LEAVES));
  const ctl = new Int32Array(new SharedArrayBuffer(4 * 8));
  const nWorkers = o.threads - 1;
  const started = await Promise.all(
    Array.from({ length: nWorkers }, (_, i) => {
      const data: RowWorkerData = {
        kernel: o.kernel,
        n: o.n,
        k: o.k,
        y,
        w,
        margin,
        gh: o.gh,
        rows: o.rows,
        leaves,
        ctl,
        index: i + 1,
        of: nWorkers + 1,
      };
      return startReadyWorker(url, data, { isReady: (m) => m === "ready", timeoutMs: 20_000, unref: true });
    }),
  );
  const workers = started.filter((x): x is Worker => x !== null);
  if (workers.length !== nWorkers) {
    await Promise.all(workers.map((x) => x.terminate()));
    return null;
  }
  const of = nWorkers + 1;
  const kernel = GRADIENT_KERNELS[o.kernel];
  const dispatch = (command: number, own: () => void): void => {
    ctl[ROW_CTL.command] = command;
    Atomics.store(ctl, ROW_CTL.done, 0);
    Atomics.add(ctl, ROW_CTL.generation, 1);
    Atomics.notify(ctl, ROW_CTL.generation);
    own();
    const deadline = Date.now() + WAIT_LIMIT_MS;
    for (;;) {
      const d = Atomics.load(ctl, ROW_CTL.done);
      if (d >= nWorkers) break;
      if (Date.now() > deadline) throw new Error("gbdt row worker did not answer (thread died?)");
      Atomics.wait(ctl, ROW_CTL.done, d, 1000);
    }
  };
  return {
    threads: of,
    margin,
    gradients() {
      const [from, to] = chunkBounds(0, o.n, 0, of);
      dispatch(ROW_CMD.gradients, () => kernel(margin, o.k, y, w, o.gh, from, to));
    },
    addLeaves(c, leafStart, leafEnd, value, m) {
      const nLeaves = leafStart.length;
      for (let j = 0; j < nLeaves && j < MAX_SHARED_LEAVES; j++) {
        leaves[3 * j] = leafStart[j]!;
        leaves[3 * j + 1] = leafEnd[j]!;
        leaves[3 * j + 2] = value[j]!;
      }
      if (nLeaves > MAX_SHARED_LEAVES) {
        const all = new Float64Array(3 * nLeaves);
        for (let j = 0; j < nLeaves; j++) all.set([leafStart[j]!, leafEnd[j]!, value[j]!], 3 * j);
        addLeafValues(margin, o.k, c, o.rows, all, nLeaves, 0, m);
        return;
      }
      ctl[ROW_CTL.m] = m;
      ctl[ROW_CTL.c] = c;
      ctl[ROW_CTL.leaves] = nLeaves;
      const [from, to] = chunkBounds(0, m, 0, of);
      dispatch(ROW_CMD.margin, () => addLeafValues(margin, o.k, c, o.rows, leaves, nLeaves, from, to));
    },
    async close() {
      ctl[ROW_CTL.command] = ROW_CMD.quit;
      Atomics.add(ctl, ROW_CTL.generation, 1);
      Atomics.notify(ctl, ROW_CTL.generation);
      await Promise.all(workers.map((x) => x.terminate()));
    },
  };
}
