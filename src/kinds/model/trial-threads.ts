// The process's trial worker threads (trial-worker.ts), kept between searches: a search takes idle
// ones and gives them back when it ends, so a later search of the same process (another tuned model
// of an apply) finds a thread whose isolate has already compiled the learner's code (~0.6 s of CPU a
// fresh one spends on its first trials). An idle thread never keeps the process alive and ends itself
// after IDLE_MS; a thread that crashed, or was stopped in the middle of a fit, is not given back.
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { newWorker } from "../../threads/worker-start.js";
import { PRUNE, type TrialWorkerData, type WorkerReply } from "./trial-shared.js";

const IDLE_MS = 30_000;
// Measured and rejected: starting a thread's isolate with a 16 MB semi-space (V8's
// --min-semi-space-size, set before the first thread; resourceLimits.maxYoungGenerationSizeMb
// raises only the maximum, which a fit never reaches). A new isolate's young generation starts at 4
// MB and stays there through the fits, so a worker scavenges ~4x as often (12 churn trials of 200
// trees on two workers: 117-128 scavenges against 29-30), but the scavenges are cheap: the workers'
// GC pauses fell only from 0.28-0.31 s to 0.18-0.23 s (load 2), and neither worker-thread CPU,
// process CPU nor the tune bench's parallel-2 wall time moved outside their noise (parallel-2 runs
// 4.54, 4.62 s with main's build, 4.81, 4.64 s with it, load 2.0-2.3), while each thread committed
// 24 MB more.

export interface TrialThread {
  readonly worker: Worker;
  /** The thread's control words (PRUNE): claims and the answers to progress reports. */
  readonly ctl: Int32Array;
  /** True once it said it is ready (at once for a thread taken idle); false when it failed to start. */
  readonly ready: Promise<boolean>;
  /** Set when the thread exited or crashed. */
  ended?: string;
  /** The searches it served before this one (0: a new thread). */
  readonly searches: number;
}

interface Kept extends TrialThread {
  url: string;
  searches: number;
  idle?: NodeJS.Timeout;
  /** Started ahead of a search (prestartTrialThreads) and not taken yet: taking it starts its first search. */
  ahead?: boolean;
}

const idle = new Map<string, Kept[]>();

/** An idle thread of the worker at `url`, or a new one (not waited for: see `ready`); null when it cannot be constructed. */
export function takeTrialThread(url: URL): TrialThread | null {
  const kept = idle.get(url.href);
  while (kept?.length) {
    const t = kept.pop()!;
    clearTimeout(t.idle);
    if (t.ended) continue;
    if (t.ahead) t.ahead = false;
    else t.searches++;
    t.worker.ref();
    return t;
  }
  return startTrialThread(url);
}

/**
 * Starts the threads of the worker at `url` a search about to begin will take, up to `count` idle
 * ones (kept or starting), so that their start (~130 ms, most of it loading the worker's modules)
 * overlaps what the caller does before the search, such as reading its rows, instead of the
 * search's first trials. A thread no search takes ends after IDLE_MS, as any idle one.
 */
export function prestartTrialThreads(url: URL, count: number): void {
  const have = idle.get(url.href)?.filter((t) => !t.ended).length ?? 0;
  for (let i = have; i < count; i++) {
    const t = startTrialThread(url);
    if (!t) return;
    t.ahead = true;
    void giveBackTrialThread(t, false);
  }
}

function startTrialThread(url: URL): Kept | null {
  const ctl = new Int32Array(new SharedArrayBuffer(4 * PRUNE.size));
  const data: TrialWorkerData = { ctl };
  const worker = newWorker(url, data);
  if (!worker) return null;
  const t: Kept = {
    url: url.href,
    worker,
    ctl,
    searches: 0,
    ready: new Promise<boolean>((resolve) => {
      worker.once("message", (m: WorkerReply) => resolve(m.kind === "ready"));
      worker.once("exit", () => resolve(false));
    }),
  };
  worker.on("error", (e) => (t.ended ??= e instanceof Error ? e.message : String(e)));
  worker.on("exit", (code) => {
    t.ended ??= `exit code ${code}`;
    clearTimeout(t.idle);
    const list = idle.get(t.url);
    if (list?.includes(t)) list.splice(list.indexOf(t), 1);
  });
  return t;
}

/**
 * Gives a thread back for a later search (one still starting too); `busy` (a fit may still run in
 * it: the search was interrupted) ends it instead, as does a thread that has ended. The caller has
 * removed its own listeners.
 */
export function giveBackTrialThread(thread: TrialThread, busy: boolean): Promise<void> {
  const t = thread as Kept;
  const list = idle.get(t.url) ?? [];
  if (busy || t.ended || list.length >= availableParallelism()) return t.worker.terminate().then(() => {});
  t.worker.unref();
  t.idle = setTimeout(() => {
    list.splice(list.indexOf(t), 1);
    void t.worker.terminate();
  }, IDLE_MS).unref();
  list.push(t);
  idle.set(t.url, list);
  return Promise.resolve();
}
