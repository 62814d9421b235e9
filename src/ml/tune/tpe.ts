// Tree-structured Parzen Estimator: random startup trials, then per parameter a density l(x)
// over the best γ fraction of trials and g(x) over the rest (and over pending trials: the constant
// liar of parallel studies); the candidate maximising l/g wins.
import type { ParamValue, Params } from "../estimator.js";
import { mixSeed, Rng } from "../random.js";
import { rankForSampling } from "./pareto.js";
import { CategoricalParzen, JointParzen, NumericParzen } from "./parzen.js";
import { priorStream, sampleFromPrior } from "./random.js";
import type { ProposalContext, Sampler } from "./sampler.js";
import { fromInternal, internalBounds, isActive, toInternal, type ParamDef } from "./space.js";
import type { TrialRecord } from "./trial.js";

export interface TpeOptions {
  /** Trials drawn from the prior before modelling starts (default 10). */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per parameter (default 24). */
  nEiCandidates?: number;
  /**
   * Fraction of ranked trials forming the "good" set: ⌈γ·n⌉, at least 1 and at most `maxGood`
   * (defaults 0.25 and 25). Measured over 20 seeds on Branin and Hartmann-6: with the joint
   * (multivariate) model 0.25 beat 0.1; the univariate model preferred 0.1. On bench tune's churn
   * GBDT (seeds 0–19) 0.25 is level with random search (best valid AUC +0.0001 ± 0.0011 at 20
   * trials, +0.0015 ± 0.0015 at 40) where 0.1 leads (+0.0033 ± 0.0012, +0.0029 ± 0.0012), yet
   * the picked configurations re-fitted with other seeds differ by ≤ 0.002 whichever the γ: that
   * space's top is flatter than its fit noise (Optuna's default is min(⌈0.1·n⌉, 25)).
   */
  gamma?: number;
  maxGood?: number;
  /** Weight of the prior component in each estimator (default 1). */
  priorWeight?: number;
  /**
   * Model the unconditional numeric parameters jointly (one product kernel per good/bad trial,
   * Scott-style bandwidths, as Optuna's multivariate TPE) instead of one density per parameter.
   * Choices and conditional parameters stay univariate. Default true.
   */
  multivariate?: boolean;
}

/**
 * Each parameter is modelled independently from the trials in which it was active, which is what
 * makes conditional ("tree-structured") spaces work: a child parameter learns only from trials
 * whose parent took the branch it lives under.
 */
export class TpeSampler implements Sampler {
  readonly name = "tpe";
  private readonly o: Required<TpeOptions>;

  constructor(opts: TpeOptions = {}) {
    this.o = {
      nStartupTrials: opts.nStartupTrials ?? 10,
      nEiCandidates: opts.nEiCandidates ?? 24,
      gamma: opts.gamma ?? 0.25,
      maxGood: opts.maxGood ?? 25,
      priorWeight: opts.priorWeight ?? 1,
      multivariate: opts.multivariate ?? true,
    };
    if (!(this.o.gamma > 0 && this.o.gamma < 1))
      throw new Error(`tpe: gamma must be in (0, 1), got ${this.o.gamma}`);
    if (!(this.o.nEiCandidates >= 1)) throw new Error(`tpe: nEiCandidates must be >= 1`);
  }

  propose(ctx: ProposalContext): Params {
    const ranked = rankForSampling(ctx.history, ctx.objective);
    if (ranked.filter((t) => t.status === "complete").length < this.o.nStartupTrials)
      return sampleFromPrior(ctx.space, priorStream(ctx.seed, ctx.index));
    const rng = new Rng(mixSeed(ctx.seed, ctx.index, 0x7e));
    const nGood = Math.min(this.o.maxGood, Math.max(1, Math.ceil(this.o.gamma * ranked.length)));
    const good = ranked.slice(0, nGood);
    // Constant liar: trials still pending (proposed, result not readable yet) count as bad, so a
    // parallel study does not propose next to them. Sequential studies have none.
    const bad: readonly Observed[] = [...ranked.slice(nGood), ...(ctx.pending ?? [])];
    const joint = this.o.multivariate ? ctx.space.filter((d) => !d.when && d.dist.kind !== "choice") : [];
    const jointValues = joint.length > 1 ? sampleJoint(joint, good, bad, rng, this.o) : undefined;
    const out: Params = {};
    for (const def of ctx.space) {
      if (!isActive(def, out)) continue;
      const j = jointValues ? joint.indexOf(def) : -1;
      out[def.name] = j >= 0 ? jointValues![j]! : this.sampleParam(def, good, bad, rng);
    }
    return out;
  }

  private sampleParam(
    def: ParamDef,
    good: readonly Observed[],
    bad: readonly Observed[],
    rng: Rng,
  ): ParamValue {
    const d = def.dist;
    const obs = (ts: readonly Observed[]): ParamValue[] =>
      ts.map((t) => t.params[def.name]).filter((v): v is ParamValue => v !== undefined);
    if (d.kind === "choice") {
      const idx = (vs: ParamValue[]): number[] => vs.map((v) => d.values.indexOf(v)).filter((i) => i >= 0);
      const l = new CategoricalParzen(idx(obs(good)), d.values.length, this.o.priorWeight);
      const g = new CategoricalParzen(idx(obs(bad)), d.values.length, this.o.priorWeight);
      let best = -1;
      let bestScore = -Infinity;
      for (let c = 0; c < this.o.nEiCandidates; c++) {
        const cand = l.sample(rng);
        const score = l.logPdf(cand) - g.logPdf(cand);
        if (score > bestScore) {
          bestScore = score;
          best = cand;
        }
      }
      return d.values[best]!;
    }
    const { lo, hi } = internalBounds(d);
    const inside = (vs: ParamValue[]): number[] =>
      vs
        .filter((v): v is number => typeof v === "number")
        .map((v) => Math.min(hi, Math.max(lo, toInternal(d, v))));
    const l = new NumericParzen(inside(obs(good)), lo, hi, this.o.priorWeight);
    const g = new NumericParzen(inside(obs(bad)), lo, hi, this.o.priorWeight);
    let best = lo;
    let bestScore = -Infinity;
    for (let c = 0; c < this.o.nEiCandidates; c++) {
      const cand = l.sample(rng);
      const score = l.logPdf(cand) - g.logPdf(cand);
      if (score > bestScore) {
        bestScore = score;
        best = cand;
      }
    }
    return fromInternal(d, best);
  }
}

/** What the estimators read of a trial: its parameters (finished trials and pending ones alike). */
type Observed = Pick<TrialRecord, "params">;

type NumericDef = ParamDef & { dist: Exclude<ParamDef["dist"], { kind: "choice" }> };

function sampleJoint(
  defs: readonly ParamDef[],
  good: readonly Observed[],
  bad: readonly Observed[],
  rng: Rng,
  o: Required<TpeOptions>,
): number[] {
  const nd = defs as readonly NumericDef[];
  const bounds = nd.map((d) => internalBounds(d.dist));
  const lo = bounds.map((b) => b.lo);
  const hi = bounds.map((b) => b.hi);
  const pointsOf = (ts: readonly Observed[]): number[][] =>
    ts
      .filter((t) => nd.every((d) => typeof t.params[d.name] === "number"))
      .map((t) =>
        nd.map((d, k) => Math.min(hi[k]!, Math.max(lo[k]!, toInternal(d.dist, t.params[d.name] as number)))),
      );
  const l = new JointParzen(pointsOf(good), lo, hi, o.priorWeight);
  const g = new JointParzen(pointsOf(bad), lo, hi, o.priorWeight);
  let best: number[] = [];
  let bestScore = -Infinity;
  for (let c = 0; c < o.nEiCandidates; c++) {
    const cand = l.sample(rng);
    const score = l.logPdf(cand) - g.logPdf(cand);
    if (score > bestScore) {
      bestScore = score;
      best = cand;
    }
  }
  return best.map((x, k) => fromInternal(nd[k]!.dist, x));
}
