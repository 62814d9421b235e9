// A pool that fits tuning trials at once on `parallel` lanes (at most one per core): worker threads
// (trial-worker.ts) and, without a pruner, the calling thread itself (parallel = 2: the main thread
// and one worker). Each worker then holds one trial queued behind the one it fits, so it does not idle
// while the main thread's synchronous fit keeps its reply waiting, and the main thread takes back a
// trial a worker has not started when it has nothing else to do. Which lane fits a trial never changes its values.
// Owns the shared data copies and the workers' lifetime; pruning stays with the caller.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { Worker } from "node:worker_threads";
import type { Dataset, Params, Progress, Task, TrainedModel } from "../../ml/estimator.js";
import { compiledWorkerUrl, newWorker, startReadyWorker } from "../../threads/worker-start.js";
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
  /** A warm start (`init`): every trial, in every lane, continues from this model. */
  init?: TrainedModel;
  /** Where the compiled worker is; null forces the main thread. Default: found next to this module. */
  workerUrl?: URL | null;
  /**
   * Fits a trial on the calling thread exactly as a worker does (one thread, the same scorer). Given
   * and without pruning, the calling thread is one of the lanes; with a pruner it is not, because a
   * worker waits for the answer to each progress report, which a busy main thread cannot give.
   */
  inline?: InlineFit;
}

export type InlineFit = (
  params: Params,
  seed: number,
  onProgress: (p: Progress) => void | "stop",
) => Promise<{ values: Record<string, number>; fitted: TrainedModel }>;

/**
 * A fitted trial: every objective's value, keyed as trials record them; from a worker the model's
 * bytes when asked for, from the calling thread (`inline`) the model itself.
 */
export interface TrialFit {
  values: Record<string, number>;
  model?: Uint8Array;
  fitted?: TrainedModel;
}

export interface TrialPool {
  /** Lanes fitting at once: the worker threads, plus the calling thread when it fits too. */
  readonly size: number;
  readonly workers: number;
  /** Trials it takes at once without making one wait (the study's inFlight): a lane each, plus one queued per worker when the calling thread fits too. */
  readonly capacity: number;
  /** Fits on a free lane; `onProgress` returning "stop" ends the fit early. */
  fit(params: Params, seed: number, onProgress: (p: Progress) => void | "stop"): Promise<TrialFit>;
  close(): Promise<void>;
}

/** The compiled worker next to this module, or (under vitest, running the .ts) in dist/. */
export function defaultTrialWorkerUrl(): URL | null {
  return compiledWorkerUrl(import.meta.url, "trial-worker.js");
}

interface Job {
  id: number;
  params: Params;
  seed: number;
  onProgress: (p: Progress) => void | "stop";
  resolve(v: TrialFit): void;
  reject(e: Error): void;
  /** The claim slot (0, 1) it was offered in, once sent to a worker. */
  claim?: number;
}

interface Slot {
  worker: Worker;
  ctl: Int32Array;
  /** Set when the thread exited or crashed: it takes no more trials. */
  dead?: string;
  /** Sent to this worker and not answered yet, in the order sent: the first is being fitted. */
  jobs: Job[];
  /** Started without waiting for its "ready" (a pool with the main thread as a lane). */
  starting?: boolean;
}

/** A started pool, or null when the worker cannot be found or started (the caller fits in-thread). */
export async function createTrialPool(o: TrialPoolOptions): Promise<TrialPool | null> {
  const url = o.workerUrl === undefined ? defaultTrialWorkerUrl() : o.workerUrl;
  const n = Math.min(o.parallel, availableParallelism());
  if (!url || n < 2) return null;
  const pruning = o.pruning ?? true;
  const inline = pruning ? undefined : o.inline;
  // a trial queued behind the running one only pays when the main thread's fits can hold up replies
  const depth = inline ? 2 : 1;
  // With the main thread as a lane, trials are sent to a worker before it is ready (its port holds
  // them): the main thread fits from the start, and the worker's start overlaps that fit instead of
  // waiting behind it. Only a worker file that is not there falls back to the caller's own fits.
  if (inline && url.protocol === "file:" && !existsSync(fileURLToPath(url))) return null;
  const train = toShared(o.train);
  const valid = toShared(o.valid);
  const init = o.init?.serialize();
  const started = await Promise.all(
    Array.from({ length: inline ? n - 1 : n }, () => {
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
        ...(init ? { init } : {}),
      };
      const early = inline ? newWorker(url, data) : undefined;
      if (early !== undefined) return early ? { worker: early, ctl, jobs: [], starting: true } : null;
      return startWorker(url, data).then((worker): Slot | null =>
        worker ? { worker, ctl, jobs: [] } : null,
      );
    }),
  );
  const slots = started.filter((s): s is Slot => s !== null);
  if (slots.length !== started.length) {
    await Promise.all(slots.map((s) => s.worker.terminate()));
    return null;
  }
  const pending: Job[] = [];
  let mainBusy = false;
  let nextId = 0;
  let closed = false;
  const failure = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

  /** Takes a trial still waiting in its worker; false when the worker has started it. */
  const takeBack = (s: Slot, job: Job): boolean => {
    const offered = job.id + 1;
    if (Atomics.compareExchange(s.ctl, PRUNE.claim + job.claim!, offered, 0) !== offered) return false;
    s.jobs.splice(s.jobs.indexOf(job), 1);
    return true;
  };
  const send = (s: Slot, job: Job): void => {
    const used = s.jobs[0]?.claim;
    job.claim = used === 0 ? 1 : 0;
    Atomics.store(s.ctl, PRUNE.claim + job.claim, job.id + 1);
    s.jobs.push(job);
    const req: FitRequest = { id: job.id, params: job.params, seed: job.seed, claim: job.claim };
    s.worker.postMessage(req);
  };
  const runInline = (job: Job): void => {
    mainBusy = true;
    // after the other lanes got their trials: the fit holds this thread until it ends
    setImmediate(() => {
      if (closed) {
        mainBusy = false;
        return job.reject(new Error("trial pool is closed"));
      }
      void Promise.resolve()
        .then(() => inline!(job.params, job.seed, job.onProgress))
        .then(
          (r) => job.resolve({ values: r.values, fitted: r.fitted }),
          (e: unknown) => job.reject(failure(e)),
        )
        .finally(() => {
          mainBusy = false;
          // once the study has proposed what this result lets it (and replies that waited are read)
          setImmediate(pump);
        });
    });
  };
  const pump = (): void => {
    if (closed) return;
    while (pending.length) {
      const live = slots.filter((s) => !s.dead);
      const idle = live.find((s) => s.jobs.length === 0);
      if (idle) send(idle, pending.shift()!);
      else if (inline && !mainBusy) runInline(pending.shift()!);
      else {
        const room = live.find((s) => s.jobs.length < depth);
        if (room) send(room, pending.shift()!);
        else break;
      }
    }
    if (inline && !mainBusy) {
      // nothing new: fit a trial a worker has not started (queued behind its running one, or sent
      // while the worker was still starting), the last sent first
      for (const s of slots)
        for (const job of [...s.jobs].reverse()) if (takeBack(s, job)) return runInline(job);
    }
    if (!inline && pending.length && slots.every((s) => s.dead)) {
      const why = slots[0]!.dead;
      for (const job of pending.splice(0)) job.reject(new Error(`trial worker stopped: ${why}`));
    }
  };
  const kill = (s: Slot, why: string) => {
    if (s.dead) return;
    s.dead = why;
    const jobs = [...s.jobs];
    // a trial the worker had not started goes back to the others; the one it was fitting fails
    const waiting = jobs.filter((j) => takeBack(s, j));
    for (const job of s.jobs.splice(0)) job.reject(new Error(`trial worker stopped: ${why}`));
    pending.unshift(...waiting);
    pump();
  };
  for (const s of slots) {
    if (s.starting) {
      // a worker that never gets ready gives its trials back; one that fails says why
      const timer = setTimeout(() => {
        kill(s, "not ready after 30 s");
        void s.worker.terminate();
      }, 30_000);
      timer.unref();
      s.worker.once("message", (m: WorkerReply) => {
        clearTimeout(timer);
        if (m.kind !== "ready") {
          kill(s, m.kind === "failed" ? m.message : "no ready message");
          void s.worker.terminate();
        }
      });
      s.worker.once("exit", () => clearTimeout(timer));
    }
    s.worker.on("message", (m: WorkerReply) => {
      const job = "id" in m ? s.jobs.find((j) => j.id === m.id) : undefined;
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
        s.jobs.splice(s.jobs.indexOf(job), 1);
        pump();
        // the reports of a fit without a pruner, replayed in order (the trial records them)
        try {
          for (const p of m.progress ?? []) job.onProgress(p);
        } catch (e) {
          return job.reject(failure(e));
        }
        if (m.kind === "done") job.resolve({ values: m.values, ...(m.model ? { model: m.model } : {}) });
        else job.reject(new Error(m.message));
      }
    });
    s.worker.on("error", (e) => kill(s, e instanceof Error ? e.message : String(e)));
    s.worker.on("exit", (code) => kill(s, `exit code ${code}`));
  }

  return {
    size: n,
    workers: slots.length,
    capacity: inline ? 1 + slots.length * depth : slots.length,
    fit(params, seed, onProgress) {
      if (closed) return Promise.reject(new Error("trial pool is closed"));
      return new Promise<TrialFit>((resolve, reject) => {
        pending.push({ id: nextId++, params, seed, onProgress, resolve, reject });
        pump();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const s of slots) kill(s, "the pool was closed");
      for (const job of pending.splice(0)) job.reject(new Error("trial pool is closed"));
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
