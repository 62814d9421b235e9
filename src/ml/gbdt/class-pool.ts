// Multiclass rounds across threads when the data are too small for the histogram pool's threads
// (tree/prepare.ts): a round's k trees depend only on that round's gradients, so each thread grows
// whole trees for the classes it claims from a shared counter and adds their leaves to its class's
// margin column. A tree is the same whichever thread grows it (same gradients, same rows 0..n-1,
// same histogram slot count), so models are bit-identical to the one-thread loop for any thread
// count. Binned matrix, gradients and margins live in SharedArrayBuffers; trees come back by message.
// Falls back to the calling thread when the compiled worker (class-worker.js) cannot be started.
import type { Worker } from "node:worker_threads";
import { compiledWorkerUrl, startReadyWorker } from "../../threads/worker-start.js";
import type { BinCuts } from "../tree/binning.js";
import type { GrowParams } from "../tree/grow.js";
import { chunkBounds } from "../tree/partition.js";
import type { Tree } from "../tree/tree.js";
import { GRADIENT_KERNELS } from "./objectives.js";
import type { KernelName } from "./row-pool.js";

/** A thread waiting at the gradient barrier re-checks this often (ms). */
const WAIT_SLICE_MS = 1000;
/** Guard against a dead thread: never wait longer than this at the barrier. */
const WAIT_LIMIT_MS = 120_000;

/** Control words: the next unclaimed class of the current round; threads done with their gradients. */
export const CLASS_CTL = { next: 0, gradients: 1 } as const;

/** What a class worker gets (binned, gh, margin and ctl shared). */
export interface ClassWorkerData {
  binned: Uint8Array;
  nRows: number;
  offsets: Int32Array;
  cuts: BinCuts;
  nSlots: number;
  k: number;
  gp: GrowParams;
  gh: Float64Array[];
  margin: Float64Array;
  ctl: Int32Array;
  /** The objective's row-range gradient kernel, its labels and weights. */
  kernel: KernelName;
  y: Float64Array;
  w: Float64Array | null;
  index: number;
  of: number;
}

/**
 * A round request: the features of each class's tree (drawn in class order on the calling thread).
 * Every thread first computes its chunk of rows' gradients (the kernel's pairs depend only on the
 * row), then all wait for each other before any tree starts.
 */
export interface ClassRound {
  feats: Int32Array[];
}

/** A worker's answer: the trees it grew, by class. */
export interface ClassRoundResult {
  classes: number[];
  trees: Tree[];
}

/**
 * Adds each leaf's value to the margins (output c of k) of its rows: leaf j holds rows[leafStart[j]
 * .. leafEnd[j]) and has value values[j]. One addition per row, so the order of leaves is immaterial.
 */
export function addLeaves(
  margin: Float64Array,
  k: number,
  c: number,
  rows: Uint32Array,
  leafStart: number[],
  leafEnd: number[],
  values: number[],
): void {
  for (let j = 0; j < leafStart.length; j++) {
    const v = values[j]!;
    const e = leafEnd[j]!;
    for (let i = leafStart[j]!; i < e; i++) {
      const at = rows[i]! * k + c;
      margin[at] = margin[at]! + v;
    }
  }
}

/** Counts this thread's gradients done and waits until all `of` threads' are. */
export function gradientBarrier(ctl: Int32Array, of: number): void {
  Atomics.add(ctl, CLASS_CTL.gradients, 1);
  Atomics.notify(ctl, CLASS_CTL.gradients);
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (let d = Atomics.load(ctl, CLASS_CTL.gradients); d < of; d = Atomics.load(ctl, CLASS_CTL.gradients)) {
    if (Date.now() > deadline) throw new Error("gbdt class worker did not answer (thread died?)");
    Atomics.wait(ctl, CLASS_CTL.gradients, d, WAIT_SLICE_MS);
  }
}

export interface ClassPool {
  /** Threads growing trees, the calling one included. */
  readonly threads: number;
  /** Margins, row-major n × k (shared); the fit keeps its margins here. */
  readonly margin: Float64Array;
  /**
   * One round: every class's tree, grown by whichever thread claims the class; `own(c)` grows class
   * c on the calling thread (and adds it to the margins). Returns the trees in class order.
   */
  round(feats: Int32Array[], own: (c: number) => Tree, afterGradients?: () => void): Promise<Tree[]>;
  close(): Promise<void>;
}

interface ClassPoolOptions {
  binned: Uint8Array;
  nRows: number;
  offsets: Int32Array;
  cuts: BinCuts;
  nSlots: number;
  k: number;
  gp: GrowParams;
  /** Gradient buffers, one per class; each must live in a SharedArrayBuffer. */
  gh: Float64Array[];
  /** The fit's starting margins (copied into shared memory). */
  margin: Float64Array;
  kernel: KernelName;
  y: Float64Array;
  w: Float64Array | null;
  threads: number;
  /** Where the compiled worker is; null forces the calling thread. Default: found next to this module. */
  workerUrl?: URL | null;
}

function shared<T extends Float64Array | Uint8Array>(a: T): T {
  const s = new (a.constructor as { new (b: SharedArrayBuffer): T })(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}

/** A pool of `threads` − 1 class workers beside the calling thread, or null when none can start. */
export async function createClassPool(o: ClassPoolOptions): Promise<ClassPool | null> {
  const nWorkers = Math.min(o.threads, o.k) - 1;
  if (nWorkers < 1) return null;
  if (!o.gh.every((g) => g.buffer instanceof SharedArrayBuffer)) return null;
  const url = o.workerUrl === undefined ? compiledWorkerUrl(import.meta.url, "class-worker.js") : o.workerUrl;
  if (!url) return null;
  const margin = shared(o.margin);
  const kernel = GRADIENT_KERNELS[o.kernel];
  const ctl = new Int32Array(new SharedArrayBuffer(4 * 4));
  const data = (index: number): ClassWorkerData => ({
    binned: o.binned.buffer instanceof SharedArrayBuffer ? o.binned : shared(o.binned),
    nRows: o.nRows,
    offsets: o.offsets,
    cuts: o.cuts,
    nSlots: o.nSlots,
    k: o.k,
    gp: o.gp,
    gh: o.gh,
    margin,
    ctl,
    kernel: o.kernel,
    y: o.y,
    w: o.w,
    index,
    of: nWorkers + 1,
  });
  const started = await Promise.all(
    Array.from({ length: nWorkers }, (_, i) =>
      startReadyWorker(url, data(i + 1), { isReady: (m) => m === "ready", timeoutMs: 20_000, unref: true }),
    ),
  );
  const workers = started.filter((x): x is Worker => x !== null);
  if (workers.length !== nWorkers) {
    await Promise.all(workers.map((x) => x.terminate()));
    return null;
  }
  return {
    threads: nWorkers + 1,
    margin,
    async round(feats, own, afterGradients) {
      Atomics.store(ctl, CLASS_CTL.next, 0);
      Atomics.store(ctl, CLASS_CTL.gradients, 0);
      const answers = workers.map(
        (w) =>
          new Promise<ClassRoundResult>((resolve, reject) => {
            const onError = (e: Error) => reject(e);
            w.once("error", onError);
            w.once("message", (m: ClassRoundResult) => {
              w.off("error", onError);
              resolve(m);
            });
          }),
      );
      const request: ClassRound = { feats };
      for (const w of workers) w.postMessage(request);
      const [from, to] = chunkBounds(0, o.nRows, 0, nWorkers + 1);
      kernel(margin, o.k, o.y, o.w, o.gh, from, to);
      gradientBarrier(ctl, nWorkers + 1);
      afterGradients?.();
      const trees: Tree[] = new Array<Tree>(o.k);
      for (let c = Atomics.add(ctl, CLASS_CTL.next, 1); c < o.k; c = Atomics.add(ctl, CLASS_CTL.next, 1))
        trees[c] = own(c);
      for (const r of await Promise.all(answers))
        for (let j = 0; j < r.classes.length; j++) trees[r.classes[j]!] = r.trees[j]!;
      // Orders the workers' margin writes before this thread's next reads.
      Atomics.load(ctl, CLASS_CTL.next);
      return trees;
    },
    async close() {
      await Promise.all(workers.map((x) => x.terminate()));
    },
  };
}
