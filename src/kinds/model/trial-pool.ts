// A pool that fits tuning trials at once on `parallel` lanes (at most one per core): worker threads
// (trial-worker.ts) and, without a pruner, the calling thread itself (parallel = 2: the main thread
// and one worker). Each worker then holds one trial queued behind the one it fits, so it does not idle
// while the main thread's synchronous fit keeps its reply waiting, and the main thread takes back a
// trial a worker has not started when it has nothing else to do, or when that trial is expected to
// cost more than the next new one (which then waits in the worker instead). Which lane fits a trial never changes its values.
// Owns the shared data copies; the threads are taken from trial-threads.ts and given back at close,
// kept for the process's next search. Pruning stays with the caller. A worker's crash is not a
// trial's failure: its trials go to the other lanes, and to the calling thread once no worker is left.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { Worker } from "node:worker_threads";
import type { Dataset, Params, Progress, Task, TrainedModel } from "../../ml/estimator.js";
import { compiledWorkerUrl } from "../../threads/worker-start.js";
import type { RankingCut, TuneObjective } from "./objective-values.js";
import type { DecisionSpec } from "../../ml/decision-threshold.js";
import {
  PRUNE,
  toShared,
  type FitRequest,
  type TrialStudy,
  type WorkerReply,
  type WorkerRequest,
} from "./trial-shared.js";
import {
  giveBackTrialThread,
  prestartTrialThreads,
  takeTrialThread,
  type TrialThread,
} from "./trial-threads.js";

/** A worker that is not ready by then gives its trials back (and is ended). */
const READY_MS = 30_000;
/** Trial and search ids, unique in the process: a thread serves one search after another (trial-shared.ts). */
let nextId = 0;
let nextSearch = 0;

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
  /**
   * A trial's expected fit cost (trial-cost.ts): the calling thread, free while a worker holds a
   * trial it has not started that is costlier than the next new one, fits that trial and the new one
   * is queued in the worker instead, so the lanes end closer together. Without it, lanes take trials
   * as they come.
   */
  expectedCost?: (params: Params) => number;
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
  /**
   * Fits on a free lane; `onProgress` returning "stop" ends the fit early. `keptLoss`: the loss of
   * the model the caller keeps now (FitRequest.keptLoss): a worker's trial with a higher one comes
   * back without its model.
   */
  fit(
    params: Params,
    seed: number,
    onProgress: (p: Progress) => void | "stop",
    keptLoss?: number,
  ): Promise<TrialFit>;
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
  keptLoss?: number;
  resolve(v: TrialFit): void;
  reject(e: Error): void;
  /** The claim slot (0, 1) it was offered in, once sent to a worker. */
  claim?: number;
  /** Its worker crashed while fitting it, and it was queued again (once: a second crash fails it). */
  retried?: boolean;
  /** The expected cost of its fit (TrialPoolOptions.expectedCost; 0 without one). */
  cost: number;
}

interface Slot {
  thread: TrialThread;
  worker: Worker;
  ctl: Int32Array;
  /** Set when the thread exited or crashed, or cannot fit this search: it takes no more of its trials. */
  dead?: string;
  /** Stopped while a trial was being fitted there (the thread is then ended, not kept). */
  busy?: boolean;
  /** Sent to this worker and not answered yet, in the order sent: the first is being fitted. */
  jobs: Job[];
  /** This pool's listeners on the thread, removed when it is given back. */
  listeners: Array<["message" | "error" | "exit", Listener]>;
}

/** A thread's event listener (the last overload of Worker.off). */
type Listener = Parameters<Worker["off"]>[1];

/** The worker threads a pool of `parallel` lanes takes: none below two lanes, one fewer when the calling thread is one. */
function workerThreads(parallel: number, callerFits: boolean): number {
  const n = Math.min(parallel, availableParallelism());
  return n < 2 ? 0 : callerFits ? n - 1 : n;
}

/**
 * Starts the worker threads a pool with these `parallel` and `pruning` (and an `inline` fit, as
 * trainBranch gives) will take, ahead of createTrialPool: their start then overlaps what the caller
 * does before the search (the model executor reading its rows) instead of the first trials.
 */
export function prestartTrialPool(o: { parallel: number; pruning: boolean; workerUrl?: URL | null }): void {
  const url = o.workerUrl === undefined ? defaultTrialWorkerUrl() : o.workerUrl;
  const count = workerThreads(o.parallel, !o.pruning);
  if (url && count > 0) prestartTrialThreads(url, count);
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
  const study: TrialStudy = {
    search: nextSearch++,
    algorithm: o.algorithm,
    task: o.task,
    objectives: o.objectives,
    ...(o.ranking ? { ranking: o.ranking } : {}),
    ...(o.k !== undefined ? { k: o.k } : {}),
    ...(o.decision ? { decision: o.decision } : {}),
    train: toShared(o.train),
    valid: toShared(o.valid),
    pruning,
    ...(o.returnModels ? { returnModels: true } : {}),
    ...(o.init ? { init: o.init.serialize() } : {}),
  };
  const wanted = workerThreads(o.parallel, inline !== undefined);
  const taken: Slot[] = [];
  for (let i = 0; i < wanted; i++) {
    const thread = takeTrialThread(url);
    if (!thread) break;
    taken.push({ thread, worker: thread.worker, ctl: thread.ctl, jobs: [], listeners: [] });
  }
  // Without the main thread as a lane every worker must be ready before the first trial is sent;
  // a pool short of one gives its threads back and the caller fits on its own thread.
  const ready = inline ? [] : await Promise.all(taken.map((s) => readyWithin(s.thread, READY_MS)));
  if (taken.length < wanted || ready.includes(false)) {
    await Promise.all(taken.map((s) => giveBackTrialThread(s.thread, false)));
    return null;
  }
  const slots = taken;
  for (const s of slots) s.worker.postMessage({ kind: "study", study } satisfies WorkerRequest);
  const pending: Job[] = [];
  let mainBusy = false;
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
    const req: FitRequest = {
      kind: "fit",
      id: job.id,
      params: job.params,
      seed: job.seed,
      claim: job.claim,
      ...(job.keptLoss !== undefined ? { keptLoss: job.keptLoss } : {}),
    };
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
        .then(() => o.inline!(job.params, job.seed, job.onProgress))
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
  /**
   * A trial a worker has not started that costs more than `than`, taken back for the calling thread
   * (the costliest such); undefined when there is none. Given the worker's running trial and the
   * next one, the calling thread fitting the costlier of the two waiting ends both no later.
   */
  const takeCostlier = (than: number): Job | undefined => {
    const waiting = slots
      .filter((s) => !s.dead)
      .flatMap((s) => s.jobs.map((job) => ({ s, job })))
      .filter((w) => w.job.cost > than)
      .sort((a, b) => b.job.cost - a.job.cost || a.job.id - b.job.id);
    return waiting.find((w) => takeBack(w.s, w.job))?.job;
  };
  const pump = (): void => {
    if (closed) return;
    while (pending.length) {
      const live = slots.filter((s) => !s.dead);
      const idle = live.find((s) => s.jobs.length === 0);
      // the calling thread is a lane without a pruner, and the only one once every worker has stopped
      const mainLane = inline ?? (live.length ? undefined : o.inline);
      if (idle) send(idle, pending.shift()!);
      else if (mainLane && !mainBusy)
        runInline((inline ? takeCostlier(pending[0]!.cost) : undefined) ?? pending.shift()!);
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
    if (!o.inline && pending.length && slots.every((s) => s.dead)) {
      const why = slots[0]!.dead;
      for (const job of pending.splice(0)) job.reject(new Error(`trial worker stopped: ${why}`));
    }
  };
  /**
   * Takes a thread out of this search. A trial it had not started goes back to the other lanes; the
   * one it was fitting when it crashed (`crashed`) is fitted again there, once, as the trial's values
   * do not depend on the lane: a thread's crash is not the trial's failure, which a store would keep.
   * A thread out of memory is not: the trial's own size is likely why, and it fails.
   */
  const kill = (s: Slot, why: string, crashed?: unknown) => {
    if (s.dead) return;
    s.dead = why;
    const jobs = [...s.jobs];
    const waiting = jobs.filter((j) => takeBack(s, j));
    if (s.jobs.length) s.busy = true;
    const again = crashed !== undefined && !closed && !outOfMemory(crashed);
    // the trial it was fitting was sent before the ones waiting behind it: it goes first
    for (const job of s.jobs.splice(0)) {
      if (again && !job.retried) waiting.unshift(Object.assign(job, { retried: true }));
      else job.reject(new Error(`trial worker stopped: ${why}`));
    }
    pending.unshift(...waiting);
    pump();
  };
  const listen = (s: Slot, event: "message" | "error" | "exit", f: Listener): void => {
    s.worker.on(event, f);
    s.listeners.push([event, f]);
  };
  for (const s of slots) {
    // a new worker was sent its trials before it was ready: one that never gets ready gives them back
    if (inline)
      void readyWithin(s.thread, READY_MS).then((ok) => ok || kill(s, s.thread.ended ?? "not ready"));
    listen(s, "message", (m: WorkerReply) => {
      const job = "id" in m ? s.jobs.find((j) => j.id === m.id) : undefined;
      if (m.kind === "failed") {
        // this search cannot be fitted there: its trials go to the other lanes, the thread stays well
        // (a kept thread's answer about an earlier search may come in after this search took it)
        if (m.search === study.search) kill(s, m.message);
      } else if (m.kind === "progress" && !pruning) {
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
    listen(s, "error", (e: unknown) => kill(s, e instanceof Error ? e.message : String(e), e));
    listen(s, "exit", (code: number) => kill(s, `exit code ${code}`, code));
  }

  return {
    size: n,
    workers: slots.length,
    capacity: inline ? 1 + slots.length * depth : slots.length,
    fit(params, seed, onProgress, keptLoss) {
      if (closed) return Promise.reject(new Error("trial pool is closed"));
      return new Promise<TrialFit>((resolve, reject) => {
        const kept = keptLoss !== undefined ? { keptLoss } : {};
        const cost = o.expectedCost?.(params) ?? 0;
        pending.push({ id: nextId++, params, seed, onProgress, ...kept, resolve, reject, cost });
        pump();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const s of slots) kill(s, "the pool was closed");
      for (const job of pending.splice(0)) job.reject(new Error("trial pool is closed"));
      // the threads go back for a later search, but one still fitting (an interrupted search) ends
      await Promise.all(
        slots.map((s) => {
          for (const [event, f] of s.listeners) s.worker.off(event, f);
          if (!s.busy && !s.thread.ended) s.worker.postMessage({ kind: "idle" } satisfies WorkerRequest);
          return giveBackTrialThread(s.thread, s.busy === true);
        }),
      );
    },
  };
}

/** A worker thread's error for hitting its heap limit (Node's ERR_WORKER_OUT_OF_MEMORY). */
function outOfMemory(e: unknown): boolean {
  return e instanceof Error && (e as NodeJS.ErrnoException).code === "ERR_WORKER_OUT_OF_MEMORY";
}

/** Whether a thread gets ready within `ms`; one that does not is ended. */
function readyWithin(thread: TrialThread, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      void thread.worker.terminate();
      resolve(false);
    }, ms).unref();
  });
  return Promise.race([thread.ready, late]).finally(() => clearTimeout(timer));
}
