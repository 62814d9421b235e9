// A seeded hyperparameter study: proposes trials with a sampler, runs the async objective with a
// concurrency limit, prunes from intermediate values, records each finished trial, and resumes.
import type { Params } from "../estimator.js";
import { mixSeed } from "../random.js";
import { bestTrial, paretoFront } from "./pareto.js";
import type { Pruner } from "./pruner.js";
import type { PendingTrial, Sampler } from "./sampler.js";
import { assertSpace, TuneError, type SearchSpace } from "./space.js";
import type { ObjectiveSpec, TrialRecord, TrialStore } from "./trial.js";
import { MlcError, type MlcErrorOptions } from "../../ir/errors.js";

/** Thrown by an objective to stop its trial as pruned (reporting `report(...) === true` also works). */
export class TrialPruned extends MlcError {
  constructor(message = "", opts?: MlcErrorOptions) {
    super("MLC2203", message, opts);
  }
}

export interface TrialContext {
  index: number;
  params: Params;
  /** Seed for the objective's own randomness (model fit): derived from the study seed and index. */
  seed: number;
  /**
   * Reports an intermediate value of the first objective target at `step` (boosting round, epoch).
   * Returns true when the pruner says stop: the objective should end early (its trial is then
   * recorded as pruned whatever it returns).
   */
  report(step: number, value: number): boolean;
  /** The finished trials the pruner sees for this trial (index ≤ k − studyLag(parallel)): a remote fit prunes from the same. */
  readonly history: readonly TrialRecord[];
}

/** The objective: one number for a single target, or a value per target metric name. */
export type ObjectiveFn = (trial: TrialContext) => Promise<number | Record<string, number>>;

export interface StudyOptions {
  space: SearchSpace;
  objective: ObjectiveSpec;
  sampler: Sampler;
  pruner?: Pruner;
  /** Total trials the study should have when done (recorded ones included). */
  trials: number;
  /** Trials running at once (default 1). */
  parallel?: number;
  /**
   * Trials handed out at once (default `parallel`; at most studyLag(parallel)): a pool that queues a
   * trial ahead per worker takes more than it runs. Proposals do not depend on it, only on `parallel`.
   */
  inFlight?: number;
  /**
   * A trial's expected fit cost (any unit) from its parameters. Given, and when the order trials
   * start in cannot change them (a sampler that reads no history, and no pruner), the study proposes
   * every missing trial first and starts the costliest first (ties in index order), so a search on
   * several lanes ends on short trials instead of one lane fitting a long one while the others idle.
   * Only the start order changes: each trial's index, parameters, seed and values are the same.
   */
  expectedCost?: (params: Params) => number;
  seed?: number;
  /** Where finished trials are recorded; its `load()` is the resume point. */
  store?: TrialStore;
  /** Previously recorded trials to resume from (merged with the store's, the store winning). */
  history?: readonly TrialRecord[];
  /**
   * Stops the study: no trial starts after it fires, and a trial that fails once it has fired was
   * interrupted, not failed, so it is not recorded and a resumed study runs it again. `run` then
   * throws StudyInterrupted after the trials running at that moment have ended.
   */
  signal?: AbortSignal;
}

/** The study was stopped by its signal; the trials it finished are recorded, the interrupted ones are not. */
export class StudyInterrupted extends Error {
  override name = "StudyInterrupted";
  constructor(
    readonly finished: number,
    readonly interrupted: number,
  ) {
    super(
      `tuning was interrupted: ${finished} trial${finished === 1 ? "" : "s"} recorded, ${interrupted} interrupted trial${interrupted === 1 ? "" : "s"} will run again on resume`,
    );
  }
}

export interface StudyResult {
  /** Every finished trial, in index order. */
  trials: TrialRecord[];
  /** The trial the study picks (one target: best value; several: the pick rule over the Pareto front). */
  best?: TrialRecord;
  /** The first Pareto front of complete trials (one target: the best trial(s) with equal value). */
  pareto: TrialRecord[];
  /** Trials run by this call (not loaded from the store). */
  ran: number;
}

/**
 * How many trials back a trial's proposal and pruning look with `parallel` = P trials at once: 1
 * when sequential (trial k sees trials 0..k−1), 2·P otherwise. Trial k waits only for the trials
 * with index ≤ k − lag; the lag of 2·P (not P) lets a worker start trial k while up to 2·P − 1
 * earlier trials are still running, so trials of uneven length (deep trees, pruned trials) do not
 * leave a core idle (simulated: 1.46× → 1.84× for 40 trials on 2 cores when half are pruned early).
 */
export const studyLag = (parallel: number): number => (parallel <= 1 ? 1 : 2 * parallel);

/**
 * Determinism guarantee: with L = studyLag(`parallel`), trial k is proposed, and pruned, from
 * exactly the trials with index ≤ k − L, in index order, plus (for the proposal) the parameters of
 * trials k − L + 1 .. k − 1 as pending ("constant liar": a sampler that reads history treats them
 * as bad, so it does not propose the same region twice), whether or not they have finished by
 * then. The study does not start trial k before trials ≤ k − L have finished. So trial k's
 * parameters depend only on the seed, the configuration and the results of trials 0..k−L, never on
 * timing — a run with parallel = P gives the same trials as any other run with parallel = P. P = 1
 * is the sequential "trials 0..k−1" rule with nothing pending; P ≥ 2 gives other trials once the
 * sampler models the history (TPE after its startup trials; see specs/tuning.md). Resuming keeps
 * this: recorded trials are reused as they are and only missing indices run, so raising `trials`
 * from 40 to 60 runs 20 more and gives what an uninterrupted 60-trial run gives (same P).
 * A sampler that reads no history (random, grid) and no pruner lift the waiting: each trial is then
 * a function of (seed, k) alone, so workers never idle and the results are those of any P.
 */
export class Study {
  private readonly parallel: number;
  private readonly lag: number;
  private readonly inFlight: number;
  private readonly seed: number;
  private readonly finished = new Map<number, TrialRecord>();
  /** Parameters proposed by this run, by trial index (the pending trials of later proposals). */
  private readonly proposed = new Map<number, Params>();

  constructor(private readonly opts: StudyOptions) {
    assertSpace(opts.space);
    if (opts.objective.targets.length === 0) throw new TuneError("the objective names no metric");
    if (!(Number.isInteger(opts.trials) && opts.trials >= 0))
      throw new TuneError(`trials must be a non-negative integer, got ${opts.trials}`);
    this.parallel = opts.parallel ?? 1;
    if (!(Number.isInteger(this.parallel) && this.parallel >= 1))
      throw new TuneError(`parallel must be a positive integer, got ${opts.parallel}`);
    this.seed = opts.seed ?? 0;
    this.lag = studyLag(this.parallel);
    this.inFlight = opts.inFlight ?? this.parallel;
    if (!(Number.isInteger(this.inFlight) && this.inFlight >= 1 && this.inFlight <= this.lag))
      throw new TuneError(`inFlight must be an integer from 1 to ${this.lag}, got ${opts.inFlight}`);
  }

  /** Trials visible to trial k: finished ones with index ≤ k − lag, in index order. */
  private visibleTo(k: number): TrialRecord[] {
    const out: TrialRecord[] = [];
    for (let i = 0; i <= k - this.lag; i++) {
      const t = this.finished.get(i);
      if (t) out.push(t);
    }
    return out;
  }

  private canStart(k: number): boolean {
    // Nothing trial k depends on is read: its parameters come from (seed, k) alone, and without a
    // pruner no other trial's values are consulted while it runs.
    if (this.opts.sampler.readsHistory === false && !this.opts.pruner) return true;
    for (let i = 0; i <= k - this.lag; i++) if (!this.finished.has(i)) return false;
    return true;
  }

  /** Trials k − lag + 1 .. k − 1 with their parameters, finished or not: pending for trial k's proposal. */
  private pendingFor(k: number): PendingTrial[] {
    const out: PendingTrial[] = [];
    for (let i = Math.max(0, k - this.lag + 1); i < k; i++) {
      const params = this.finished.get(i)?.params ?? this.proposed.get(i);
      if (params) out.push({ index: i, params });
    }
    return out;
  }

  /**
   * With `expectedCost`, and trials that are functions of (seed, k) alone (a sampler that reads no
   * history, no pruner): every missing trial's parameters, proposed in index order up to the first
   * null (a grid used up), in the order to start them, the costliest first. Otherwise undefined.
   */
  private plan(missing: number[]): Map<number, Params> | undefined {
    const cost = this.opts.expectedCost;
    if (!cost || this.opts.sampler.readsHistory !== false || this.opts.pruner) return undefined;
    const out: Array<{ k: number; params: Params; cost: number }> = [];
    for (const k of missing) {
      const params = this.opts.sampler.propose({
        space: this.opts.space,
        objective: this.opts.objective,
        history: [],
        pending: [],
        index: k,
        seed: this.seed,
      });
      if (params === null) break;
      const c = cost(params);
      out.push({ k, params, cost: Number.isFinite(c) ? c : 0 });
    }
    out.sort((a, b) => b.cost - a.cost || a.k - b.k);
    return new Map(out.map((t) => [t.k, t.params]));
  }

  async run(fn: ObjectiveFn): Promise<StudyResult> {
    const { store } = this.opts;
    for (const t of this.opts.history ?? []) this.finished.set(t.index, t);
    if (store) for (const t of await store.load()) this.finished.set(t.index, t);
    let missing: number[] = [];
    for (let k = 0; k < this.opts.trials; k++) if (!this.finished.has(k)) missing.push(k);
    const planned = this.plan(missing);
    if (planned) missing = [...planned.keys()];
    const running = new Map<number, Promise<TrialRecord>>();
    let next = 0;
    let ran = 0;
    let exhausted = false;
    let interrupted = 0;
    const signal = this.opts.signal;
    while (next < missing.length || running.size > 0) {
      while (
        !signal?.aborted &&
        !exhausted &&
        next < missing.length &&
        running.size < this.inFlight &&
        this.canStart(missing[next]!)
      ) {
        const k = missing[next]!;
        const params = planned
          ? planned.get(k)!
          : this.opts.sampler.propose({
              space: this.opts.space,
              objective: this.opts.objective,
              history: this.visibleTo(k),
              pending: this.pendingFor(k),
              index: k,
              seed: this.seed,
            });
        if (params === null) {
          exhausted = true;
          break;
        }
        this.proposed.set(k, params);
        running.set(k, this.runTrial(k, params, fn));
        next++;
      }
      if (running.size === 0) break;
      const done = await Promise.race(running.values());
      running.delete(done.index);
      if (signal?.aborted && done.status === "failed") {
        interrupted++;
        continue;
      }
      this.finished.set(done.index, done);
      ran++;
      if (store) await store.record(done);
    }
    if (signal?.aborted) throw new StudyInterrupted(ran, interrupted);
    const trials = [...this.finished.values()].sort((a, b) => a.index - b.index);
    const best = bestTrial(trials, this.opts.objective);
    return { trials, ...(best ? { best } : {}), pareto: paretoFront(trials, this.opts.objective), ran };
  }

  private async runTrial(k: number, params: Params, fn: ObjectiveFn): Promise<TrialRecord> {
    const intermediate: Array<[number, number]> = [];
    const target = this.opts.objective.targets[0]!;
    let pruned = false;
    let prunedAt: number | undefined;
    const ctx: TrialContext = {
      index: k,
      params: { ...params },
      history: this.opts.pruner ? this.visibleTo(k) : [],
      seed: mixSeed(this.seed, k, 0x0b),
      report: (step, value) => {
        intermediate.push([step, value]);
        if (pruned) return true;
        if (this.opts.pruner && !Number.isNaN(value)) {
          pruned = this.opts.pruner.shouldPrune(
            { index: k, intermediate },
            this.visibleTo(k),
            target.direction,
          );
          if (pruned) prunedAt = step;
        }
        return pruned;
      },
    };
    const started = performance.now();
    const base = { index: k, params, intermediate };
    try {
      const result = await fn(ctx);
      const durationMs = performance.now() - started;
      const values = typeof result === "number" ? { [target.metric]: result } : { ...result };
      // The objective's values of the model stopped at the pruning step, never an intermediate
      // value (which may be another metric, e.g. a negated validation logloss).
      if (pruned) return { ...base, status: "pruned", ...at(prunedAt), values: finite(values), durationMs };
      const missing = this.opts.objective.targets.filter(
        (t) => typeof values[t.metric] !== "number" || Number.isNaN(values[t.metric]),
      );
      if (missing.length)
        return {
          ...base,
          status: "failed",
          values,
          durationMs,
          error: `objective returned no value for ${missing.map((t) => t.metric).join(", ")}`,
        };
      return { ...base, status: "complete", values, durationMs };
    } catch (e) {
      const durationMs = performance.now() - started;
      if (e instanceof TrialPruned || pruned)
        return {
          ...base,
          status: "pruned",
          ...at(prunedAt ?? intermediate.at(-1)?.[0]),
          values: {},
          durationMs,
        };
      return {
        ...base,
        status: "failed",
        values: {},
        durationMs,
        error: e instanceof Error ? e.message : String(e),
      };
    }
  }
}

const at = (step: number | undefined): { prunedAt?: number } =>
  step === undefined ? {} : { prunedAt: step };

const finite = (values: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(values).filter(([, v]) => Number.isFinite(v)));
