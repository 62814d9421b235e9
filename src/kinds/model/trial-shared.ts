// Messages and shared-memory layout between trial-pool.ts (main thread) and trial-worker.ts.
// Datasets are copied once into SharedArrayBuffers so every worker reads the same rows without copies.
import type { Dataset, Params, Progress, Task } from "../../ml/estimator.js";
import type { RankingCut, TuneObjective } from "./objective-values.js";
import type { DecisionSpec } from "../../ml/decision-threshold.js";

/**
 * Slots of the per-worker Int32Array: `seq`/`answer`, through which the main thread answers progress
 * reports; `claim` + (a request's `claim`, 0 or 1), one per trial sent to the worker, holding the
 * trial's id + 1 while it is offered. The worker swaps it to 0 when it starts the trial, the main
 * thread when it takes a trial still waiting there to fit it itself: whichever swaps first fits it,
 * so a trial is fitted once (a stale request finds another id there, or 0, and is skipped).
 */
export const PRUNE = { seq: 0, answer: 1, claim: 2, size: 4 } as const;

export interface SharedDataset {
  nRows: number;
  names: string[];
  columns: Float32Array[];
  y?: Float64Array;
  weight?: Float64Array;
  group?: Int32Array;
}

/** What a trial thread is started with (trial-threads.ts): it serves one search after another. */
export interface TrialWorkerData {
  /** The thread's control words (PRUNE). */
  ctl: Int32Array;
}

/** A search, sent to a thread before its trials: the rows and how to fit and score a trial. */
export interface TrialStudy {
  /** Unique in the process: a thread serves one search after another, and says which one it could not set up. */
  search: number;
  algorithm: string;
  task: Task;
  /** Every objective is scored in the worker (validation metrics and model measures alike). */
  objectives: TuneObjective[];
  /** A rank task's cut-off and relevance threshold for its metrics. */
  ranking?: RankingCut;
  train: SharedDataset;
  valid: SharedDataset;
  /** A pruner answers each progress report: the worker waits for it (otherwise it reports and goes on). */
  pruning: boolean;
  /** Send a fitted model's bytes back with its values (the caller may keep the best instead of refitting it); see FitRequest.keptLoss. */
  returnModels?: boolean;
  /** An anomaly task's `k` (the cut-off of precision_at_k). */
  k?: number;
  /** A classifier's decision, which its threshold metrics are taken at. */
  decision?: DecisionSpec;
  /** A warm start's model bytes (`init`): every trial continues from it, as on the main thread. */
  init?: Uint8Array;
}

export interface FitRequest {
  kind: "fit";
  /** Unique in the process (trial ids of every search), so a stale request never matches a claim. */
  id: number;
  params: Params;
  seed: number;
  /** Which claim slot (0 or 1) the trial is offered in: the worker fits it only if it takes the claim (PRUNE). */
  claim: number;
  /**
   * With `returnModels`, the loss (lossOf) on the first objective of the model the caller keeps now:
   * a trial with a higher loss cannot replace it, so its model's bytes are not sent.
   */
  keptLoss?: number;
}

/**
 * To a thread, handled in the order sent: `study` starts a search (its fits follow), `idle` ends it
 * (the thread lets go of its rows).
 */
export type WorkerRequest = { kind: "study"; study: TrialStudy } | FitRequest | { kind: "idle" };

export type WorkerReply =
  | { kind: "ready" }
  /** The search sent cannot be fitted here (an unknown algorithm, a metric it cannot score): none of its trials are. */
  | { kind: "failed"; search: number; message: string }
  | { kind: "progress"; id: number; progress: Progress }
  /** `progress`: without a pruner, the fit's reports in order, sent once with its end (not one message a round). */
  | { kind: "done"; id: number; values: Record<string, number>; progress?: Progress[]; model?: Uint8Array }
  | { kind: "error"; id: number; message: string; progress?: Progress[] };

function sharedCopy<T extends Float32Array | Float64Array | Int32Array>(
  a: T,
  make: (b: SharedArrayBuffer) => T,
): T {
  const out = make(new SharedArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}

/** One copy of a dataset in shared memory (all feature columns in a single buffer). */
export function toShared(ds: Dataset): SharedDataset {
  const { nRows, columns, names } = ds.X;
  const all = new Float32Array(new SharedArrayBuffer(4 * nRows * Math.max(1, columns.length)));
  const cols = columns.map((c, j) => {
    const view = all.subarray(j * nRows, (j + 1) * nRows);
    view.set(c);
    return view;
  });
  return {
    nRows,
    names: [...names],
    columns: cols,
    ...(ds.y ? { y: sharedCopy(ds.y, (b) => new Float64Array(b)) } : {}),
    ...(ds.weight ? { weight: sharedCopy(ds.weight, (b) => new Float64Array(b)) } : {}),
    ...(ds.group ? { group: sharedCopy(ds.group, (b) => new Int32Array(b)) } : {}),
  };
}

export function fromShared(s: SharedDataset): Dataset {
  return {
    X: { nRows: s.nRows, columns: s.columns, names: s.names },
    ...(s.y ? { y: s.y } : {}),
    ...(s.weight ? { weight: s.weight } : {}),
    ...(s.group ? { group: s.group } : {}),
  };
}
