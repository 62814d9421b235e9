// A pool of worker threads that fit tuning trials at once (trial-worker.ts), one per core up to
// `parallel`. Owns the shared data copies and the workers' lifetime; pruning stays with the caller.
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import type { Dataset, Params, Progress, Task } from "../../ml/estimator.js";
import { compiledWorkerUrl, startReadyWorker } from "../../threads/worker-start.js";
import type { RankingCut, TuneObjective } from "./objective-values.js";
import type { DecisionSpec } from "../../ml/decision-threshold.js";
import { PRUNE, toShared, type FitRequest, type TrialWorkerData, type WorkerReply } from "./trial-shared.js";

export interface TrialPoolOptions {
  algorithm: string;
  task: Task;
  objectives: TuneObjective[];
  ranking?: RankingCut;
  /** An anomaly task's `k` (the cut-off of precision_at_k). */
  k?: number;
  /** A classifier's decision, which its threshold metrics are taken at. */
  decision?: DecisionSpec;
  train: Dataset;
  valid: Dataset;
  parallel: number;
  /**
   * Whether a pruner answers progress reports (default true). Without one, workers send a fit's
   * reports with its result: a blocking round trip per boosting round costs more than the fit of a
   * small model when the cores are busy, and even a message per round costs ~10% of it.
   */
  pruning?: boolean;
  /** Send each fitted model's bytes back with its values (TrialFit.model). */
  returnModels?: boolean;
  /** Where the compiled worker is; null forces the main thread. Default: found next to this module. */
  workerUrl?: URL | null;
}

/** A trial fitted in a worker: every objective's value, keyed as trials record them; the model's bytes when asked for. */
export interface TrialFit {
  values: Record<string, number>;
  model?: Uint8Array;
}

export interface TrialPool {
  readonly size: number;
  /** Fits in a worker; `onProgress` returning "stop" ends the fit early. */
  fit(params: Params, seed: number, onProgress: (p: Progress) => void | "stop"): Promise<TrialFit>;
  close(): Promise<void>;
}

/** The compiled worker next to this module, or (under vitest, running the .ts) in dist/. */
export function defaultTrialWorkerUrl(): URL | null {
  return compiledWorkerUrl(import.meta.url, "trial-worker.js");
}

interface Slot {
  worker: Worker;
  ctl: Int32Array;
  /** Set when the thread exited or crashed: it takes no more trials. */
  dead?: string;
  /** Handed to a fit (set synchronously, before its job is posted). */
  busy?: boolean;
  job?: {
    id: number;
    onProgress: (p: Progress) => void | "stop";
    resolve(v: TrialFit): void;
    reject(e: Error): void;
  };
}

/** A started pool, or null when the worker cannot be found or started (the caller fits in-thread). */
export async function createTrialPool(o: TrialPoolOptions): Promise<TrialPool | null> {
  const url = o.workerUrl === undefined ? defaultTrialWorkerUrl() : o.workerUrl;
  const n = Math.min(o.parallel, availableParallelism());
  if (!url || n < 2) return null;
  const pruning = o.pruning ?? true;
  const train = toShared(o.train);
  const valid = toShared(o.valid);
  const started = await Promise.all(
    Array.from({ length: n }, () => {
      const ctl = new Int32Array(new SharedArrayBuffer(4 * PRUNE.size));
      const data: TrialWorkerData = {
        algorithm: o.algorithm,
        task: o.task,
        objectives: o.objectives,
        ...(o.ranking ? { ranking: o.ranking } : {}),
        ...(o.k !== undefined ? { k: o.k } : {}),
        ...(o.decision ? { decision: o.decision } : {}),
        train,
        valid,
        ctl,
        pruning,
        ...(o.returnModels ? { returnModels: true } : {}),
      };
      return startWorker(url, data).then((worker): Slot | null => (worker ? { worker, ctl } : null));
    }),
  );
  const slots = started.filter((s): s is Slot => s !== null);
  if (slots.length !== n) {
    await Promise.all(slots.map((s) => s.worker.terminate()));
    return null;
  }
  const queue: Array<{ resolve(s: Slot): void; reject(e: Error): void }> = [];
  let nextId = 0;
  let closed = false;

  const release = (s: Slot) => {
    delete s.job;
    s.busy = false;
    if (!s.dead) {
      const waiting = queue.shift();
      if (waiting) {
        s.busy = true;
        waiting.resolve(s);
      }
    } else if (slots.every((x) => x.dead)) {
      for (const w of queue.splice(0)) w.reject(new Error(`trial worker stopped: ${s.dead}`));
    }
  };
  const kill = (s: Slot, why: string) => {
    if (s.dead) return;
    s.dead = why;
    const job = s.job;
    release(s);
    job?.reject(new Error(`trial worker stopped: ${why}`));
  };
  for (const s of slots) {
    s.worker.on("message", (m: WorkerReply) => {
      const job = s.job && "id" in m && m.id === s.job.id ? s.job : undefined;
      if (m.kind === "progress" && !pruning) {
        job?.onProgress(m.progress);
      } else if (m.kind === "progress") {
        // Always answer: the worker blocks until it is told to stop or go on.
        let stop = !job;
        try {
          if (job) stop = job.onProgress(m.progress) === "stop";
        } finally {
          Atomics.store(s.ctl, PRUNE.answer, stop ? 1 : 0);
          Atomics.add(s.ctl, PRUNE.seq, 1);
          Atomics.notify(s.ctl, PRUNE.seq);
        }
      } else if (!job) {
        return;
      } else if (m.kind === "done" || m.kind === "error") {
        release(s);
        // the reports of a fit without a pruner, replayed in order (the trial records them)
        try {
          for (const p of m.progress ?? []) job.onProgress(p);
        } catch (e) {
          return job.reject(e instanceof Error ? e : new Error(String(e)));
        }
        if (m.kind === "done") job.resolve({ values: m.values, ...(m.model ? { model: m.model } : {}) });
        else job.reject(new Error(m.message));
      }
    });
    s.worker.on("error", (e) => kill(s, e instanceof Error ? e.message : String(e)));
    s.worker.on("exit", (code) => kill(s, `exit code ${code}`));
  }
  const acquire = (): Promise<Slot> => {
    const free = slots.find((s) => !s.busy && !s.dead);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    if (slots.every((s) => s.dead))
      return Promise.reject(new Error(`trial worker stopped: ${slots[0]!.dead}`));
    return new Promise((resolve, reject) => queue.push({ resolve, reject }));
  };

  return {
    size: n,
    async fit(params, seed, onProgress) {
      if (closed) throw new Error("trial pool is closed");
      const s = await acquire();
      const id = nextId++;
      return new Promise<TrialFit>((resolve, reject) => {
        s.job = { id, onProgress, resolve, reject };
        const req: FitRequest = { id, params, seed };
        s.worker.postMessage(req);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const s of slots) kill(s, "the pool was closed");
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}

function startWorker(url: URL, data: TrialWorkerData): Promise<Worker | null> {
  return startReadyWorker(url, data, {
    isReady: (m) => (m as WorkerReply).kind === "ready",
    timeoutMs: 30_000,
  });
}
