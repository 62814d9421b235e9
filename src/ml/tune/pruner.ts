// The pruner contract and the median pruner: after each intermediate report, decide from the
// trial's values so far and the finished trials the study shows it whether to stop early.
import type { Direction } from "../metrics/types.js";
import { median } from "../stats/quantile.js";
import type { TrialRecord } from "./trial.js";

export interface RunningTrial {
  index: number;
  /** [step, value] reports so far; the last is the one just made. */
  intermediate: ReadonlyArray<readonly [number, number]>;
}

export interface Pruner {
  readonly name: string;
  /** `history`: finished trials visible to this trial (the study picks them deterministically). */
  shouldPrune(trial: RunningTrial, history: readonly TrialRecord[], direction: Direction): boolean;
}

/** Value a trial reported at exactly `step`, if it did. */
function valueAt(intermediate: ReadonlyArray<readonly [number, number]>, step: number): number | undefined {
  for (let i = intermediate.length - 1; i >= 0; i--)
    if (intermediate[i]![0] === step) return intermediate[i]![1];
  return undefined;
}

export interface MedianOptions {
  /** No pruning until this many trials have completed (default 5). */
  nStartupTrials?: number;
  /** No pruning before this step (default 0). */
  nWarmupSteps?: number;
  /** Check only every this many steps after the warm-up (default 1). */
  intervalSteps?: number;
}

/**
 * Prunes when the trial's best value so far is worse than the median of the completed trials'
 * values at the same step (Optuna's MedianPruner rule).
 */
export class MedianPruner implements Pruner {
  readonly name = "median";
  private readonly o: Required<MedianOptions>;

  constructor(opts: MedianOptions = {}) {
    this.o = {
      nStartupTrials: opts.nStartupTrials ?? 5,
      nWarmupSteps: opts.nWarmupSteps ?? 0,
      intervalSteps: opts.intervalSteps ?? 1,
    };
  }

  shouldPrune(trial: RunningTrial, history: readonly TrialRecord[], direction: Direction): boolean {
    const last = trial.intermediate[trial.intermediate.length - 1];
    if (!last) return false;
    const step = last[0];
    if (step < this.o.nWarmupSteps || (step - this.o.nWarmupSteps) % this.o.intervalSteps !== 0) return false;
    const complete = history.filter((t) => t.status === "complete");
    if (complete.length < this.o.nStartupTrials) return false;
    const others = complete
      .map((t) => valueAt(t.intermediate, step))
      .filter((v): v is number => v !== undefined && !Number.isNaN(v));
    if (others.length === 0) return false;
    const m = median(others);
    let best = direction === "maximize" ? -Infinity : Infinity;
    for (const [, v] of trial.intermediate)
      best = direction === "maximize" ? Math.max(best, v) : Math.min(best, v);
    return direction === "maximize" ? best < m : best > m;
  }
}
