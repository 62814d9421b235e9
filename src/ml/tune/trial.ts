// The records a study produces and consumes: one per finished trial, plain JSON so the
// runtime's state store can persist them; and the store interface with an in-memory store.
import type { Params } from "../estimator.js";
import type { Direction } from "../metrics/types.js";

export type TrialStatus = "complete" | "pruned" | "failed";

export interface TrialRecord {
  /** 0-based position in the study; parameters are a function of the seed and earlier trials. */
  index: number;
  params: Params;
  status: TrialStatus;
  /**
   * Objective values by metric name. A pruned trial holds the values of its model as stopped at the
   * pruning step (none when its objective threw TrialPruned); intermediate values are never copied here.
   */
  values: Record<string, number>;
  /** The step (boosting round, epoch) whose report pruned the trial. */
  prunedAt?: number;
  /** Intermediate values reported as [step, value] (boosting round, epoch), in report order. */
  intermediate: Array<[number, number]>;
  durationMs?: number;
  /** Why a failed trial failed. */
  error?: string;
}

/** `pruned at step 37` for a pruned trial (its values are its model's at that step, or none). */
export const trialStatusText = (t: Pick<TrialRecord, "status" | "prunedAt">): string =>
  t.status === "pruned" && t.prunedAt !== undefined ? `pruned at step ${t.prunedAt}` : t.status;

export interface ObjectiveTarget {
  metric: string;
  direction: Direction;
}

/**
 * How to pick one trial from a Pareto front of several objectives:
 * - "first": the front member best on the first target (ties: lower index); the default.
 * - "weighted": the largest Σ wᵢ·sᵢ where sᵢ is target i oriented so larger is better.
 * - "closest_to_ideal": after min–max scaling each target over the front, the smallest Euclidean
 *   distance to the ideal point (best on every target).
 */
export type PickRule =
  { kind: "first" } | { kind: "weighted"; weights: readonly number[] } | { kind: "closest_to_ideal" };

export interface ObjectiveSpec {
  targets: readonly ObjectiveTarget[];
  pick?: PickRule;
}

/** Records trials as they finish; the runtime's state store implements it. */
export interface TrialStore {
  /** Trials recorded so far, any order. */
  load(): Promise<TrialRecord[]>;
  /** Called once per finished trial, in finishing order. */
  record(trial: TrialRecord): Promise<void>;
}

export class MemoryTrialStore implements TrialStore {
  private readonly trials = new Map<number, TrialRecord>();

  constructor(initial: readonly TrialRecord[] = []) {
    for (const t of initial) this.trials.set(t.index, structuredClone(t));
  }

  async load(): Promise<TrialRecord[]> {
    return [...this.trials.values()].sort((a, b) => a.index - b.index).map((t) => structuredClone(t));
  }

  async record(trial: TrialRecord): Promise<void> {
    this.trials.set(trial.index, structuredClone(trial));
  }
}

/** Loss (smaller is better) of target `i` for a trial: the value, negated when maximising. */
export function lossOf(t: Pick<TrialRecord, "values">, target: ObjectiveTarget): number {
  const v = t.values[target.metric];
  if (v === undefined) return Infinity;
  return target.direction === "maximize" ? -v : v;
}
