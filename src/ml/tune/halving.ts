// Successive halving (asynchronous, as ASHA) and Hyperband over intermediate values: a trial
// reaching a rung continues only when it ranks in the top 1/η of the trials seen at that rung.
import type { Direction } from "../metrics/types.js";
import { mixSeed } from "../random.js";
import type { Pruner, RunningTrial } from "./pruner.js";
import type { TrialRecord } from "./trial.js";

export interface HalvingOptions {
  /** Steps before the first rung (default 1). */
  minResource?: number;
  /** η: keep the best 1/η at each rung (default 3). */
  reductionFactor?: number;
  /** Skips the first s rungs: rung r sits at minResource · η^(s + r) (default 0). */
  minEarlyStoppingRate?: number;
}

/** A trial's value at a rung: its first report at or after the rung's step. */
function rungValue(
  intermediate: ReadonlyArray<readonly [number, number]>,
  rungStep: number,
): number | undefined {
  for (const [s, v] of intermediate) if (s >= rungStep) return v;
  return undefined;
}

export class SuccessiveHalvingPruner implements Pruner {
  readonly name: string = "successive_halving";
  protected readonly o: Required<HalvingOptions>;

  constructor(opts: HalvingOptions = {}) {
    this.o = {
      minResource: opts.minResource ?? 1,
      reductionFactor: opts.reductionFactor ?? 3,
      minEarlyStoppingRate: opts.minEarlyStoppingRate ?? 0,
    };
    if (!(this.o.reductionFactor >= 2))
      throw new Error(`successive halving: reduction factor must be >= 2, got ${this.o.reductionFactor}`);
    if (!(this.o.minResource >= 1))
      throw new Error(`successive halving: min resource must be >= 1, got ${this.o.minResource}`);
  }

  shouldPrune(trial: RunningTrial, history: readonly TrialRecord[], direction: Direction): boolean {
    return this.pruneAmong(trial, history, direction);
  }

  protected pruneAmong(trial: RunningTrial, peers: readonly TrialRecord[], direction: Direction): boolean {
    const last = trial.intermediate[trial.intermediate.length - 1];
    if (!last) return false;
    const step = last[0];
    const { minResource, reductionFactor: eta, minEarlyStoppingRate: s } = this.o;
    // Only the report that first crosses a rung is judged there.
    const prevStep =
      trial.intermediate.length > 1 ? trial.intermediate[trial.intermediate.length - 2]![0] : -Infinity;
    for (let r = 0; ; r++) {
      const rungStep = minResource * eta ** (s + r);
      if (rungStep > step) return false;
      if (rungStep <= prevStep) continue;
      const value = last[1];
      const competing = [value];
      for (const t of peers) {
        const v = rungValue(t.intermediate, rungStep);
        if (v !== undefined && !Number.isNaN(v)) competing.push(v);
      }
      competing.sort((a, b) => (direction === "maximize" ? b - a : a - b));
      const keep = Math.max(1, Math.floor(competing.length / eta));
      const threshold = competing[keep - 1]!;
      const promotable = direction === "maximize" ? value >= threshold : value <= threshold;
      if (!promotable) return true;
    }
  }
}

export interface HyperbandOptions extends Omit<HalvingOptions, "minEarlyStoppingRate"> {
  /** Steps of a full trial (rounds, epochs): sets the number of brackets. */
  maxResource: number;
}

/**
 * Hyperband: brackets of successive halving with min-early-stopping rates 0..s_max. A trial joins
 * bracket b by a hash of its index, weighted by the trials Hyperband starts per bracket
 * (n_s = ⌈(s_max+1)/(s+1) · η^s⌉ for s = s_max − b), and competes only inside its bracket.
 */
export class HyperbandPruner implements Pruner {
  readonly name = "hyperband";
  private readonly brackets: SuccessiveHalvingPruner[];
  private readonly cumWeights: number[];

  constructor(private readonly opts: HyperbandOptions) {
    const eta = opts.reductionFactor ?? 3;
    const minR = opts.minResource ?? 1;
    if (!(opts.maxResource >= minR))
      throw new Error(`hyperband: max resource ${opts.maxResource} must be >= min resource ${minR}`);
    const sMax = Math.floor(Math.log(opts.maxResource / minR) / Math.log(eta) + 1e-9);
    this.brackets = [];
    this.cumWeights = [];
    let c = 0;
    for (let b = 0; b <= sMax; b++) {
      this.brackets.push(
        new SuccessiveHalvingPruner({ minResource: minR, reductionFactor: eta, minEarlyStoppingRate: b }),
      );
      const s = sMax - b;
      c += Math.ceil(((sMax + 1) / (s + 1)) * eta ** s);
      this.cumWeights.push(c);
    }
  }

  bracketOf(index: number): number {
    const total = this.cumWeights[this.cumWeights.length - 1]!;
    const h = mixSeed(index, 0x4b) % total;
    return this.cumWeights.findIndex((w) => h < w);
  }

  shouldPrune(trial: RunningTrial, history: readonly TrialRecord[], direction: Direction): boolean {
    const b = this.bracketOf(trial.index);
    const peers = history.filter((t) => this.bracketOf(t.index) === b);
    return this.brackets[b]!.shouldPrune(trial, peers, direction);
  }
}
