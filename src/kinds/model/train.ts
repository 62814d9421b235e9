// Fits a model branch: one fit with the fixed params, or a seeded, resumable search over the
// params' distributions (TPE, random or grid, optional pruning) followed by a refit of the best
// trial. Works through the Estimator interface only: no switch on the algorithm's name.
import type { Dataset, Estimator, Params, Progress, Task, TrainedModel } from "../../ml/estimator.js";
import { paramValueProblem } from "../../ir/params/index.js";
import {
  bestTrial,
  lossOf,
  prunerFor,
  samplerFor,
  Study,
  type StudyResult,
  type TrialRecord,
  type PrunerConfig,
  type TrialStore,
} from "../../ml/tune/index.js";
import { closest as closestName } from "../../ir/did-you-mean.js";
import { NodeFailure, type ArtifactAccess, type TrialQueue } from "../../ir/executor.js";
import { decisionOf, type ModelSpec } from "./model-spec.js";
import {
  formatObjectiveValues,
  objectiveKey,
  objectiveScorer,
  rankingCut,
  studyObjective,
  type ObjectiveScorer,
} from "./objective-values.js";
import { createTrialPool, type TrialPool } from "./trial-pool.js";
import { expectedTrialCost } from "./trial-cost.js";
import {
  cvMetricNames,
  cvObjectiveValues,
  openRemoteStudy,
  prunedValue,
  type RemoteStudy,
} from "./remote-trials.js";
import { crossValidate, type FoldData } from "./cross-validate.js";
import type { TrainingCheckpoints } from "../../ml/warm-start.js";

export interface TrainInputs {
  train: Dataset;
  valid?: Dataset;
  task: Task;
  /** A kfold split's folds of the training rows: `cv.*` objectives are measured on them. */
  folds?: FoldData[];
}

export interface TrainOutcome {
  model: TrainedModel;
  params: Params;
  /** The seed the final fit used. */
  seed: number;
  /** `pareto`: the complete trials on the first Pareto front (several objectives; with one, the best value's trials). */
  study?: { trials: TrialRecord[]; best?: TrialRecord; pareto: TrialRecord[]; ran: number };
}

/** "did you mean …?" for a parameter name the algorithm does not have. */
function paramHint(name: string, known: Iterable<string>): { hint?: string } {
  const near = closestName(name, known);
  return near ? { hint: `did you mean \`${near}\`?` } : {};
}

function checkParams(estimator: Estimator, params: Params, model: string): void {
  const known = new Map(estimator.params.map((p) => [p.name, p]));
  for (const [k, v] of Object.entries(params)) {
    const spec = known.get(k);
    if (!spec) {
      throw new NodeFailure(
        `model ${model}: ${estimator.algorithm} has no parameter '${k}' (parameters: ${[...known.keys()].join(", ")})`,
        { code: "MLC2200", ...paramHint(k, known.keys()), details: { parameter: k } },
      );
    }
    const problem = paramValueProblem(spec, v);
    if (problem)
      throw new NodeFailure(`model ${model}: parameter '${k}' of ${estimator.algorithm} ${problem}`, {
        code: "MLC2200",
      });
  }
}

export async function trainBranch(
  spec: ModelSpec,
  estimator: Estimator,
  data: TrainInputs,
  seed: number,
  opts: {
    trialStore?: TrialStore;
    log(msg: string): void;
    signal?: AbortSignal;
    threads?: number;
    progress?(p: Progress): void;
    /** The compiled trial worker; null fits every trial on the main thread. Default: found next to train.js. */
    trialWorkerUrl?: URL | null;
    /** Trials fit on `mlc worker` processes through this queue (the rows go to `artifacts`, the shared store). */
    remote?: { queue: TrialQueue; artifacts: ArtifactAccess };
    /** `init = champion`: the model every fit continues from (warm-start.ts). */
    init?: TrainedModel;
    /** `checkpoint { every = N }`: the final fit's checkpoints for its params (trials write none). */
    checkpoint?: (params: Params) => TrainingCheckpoints | undefined;
  },
): Promise<TrainOutcome> {
  checkParams(estimator, spec.fixed, spec.name);
  const known = new Set(estimator.params.map((p) => p.name));
  for (const def of spec.space) {
    if (!known.has(def.name))
      throw new NodeFailure(
        `model ${spec.name}: ${estimator.algorithm} has no parameter '${def.name}' (parameters: ${[...known].join(", ")})`,
        { code: "MLC2200", ...paramHint(def.name, known), details: { parameter: def.name } },
      );
  }
  // The final fit reports each iteration (round, epoch) to the CLI's progress line.
  const report = (p: Progress): undefined => void opts.progress?.(p);
  const fit = (params: Params, fitSeed: number, onProgress: (p: Progress) => void | "stop" = report) =>
    estimator.fit(data.train, data.valid, params, data.task, {
      seed: fitSeed,
      ...(opts.threads ? { threads: opts.threads } : {}),
      onProgress,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.init ? { init: opts.init } : {}),
      // the final fit reports to `report`; a trial's fit to its pruner, and it keeps no checkpoints
      ...checkpointOf(params, onProgress === report),
    });
  const checkpointOf = (params: Params, final: boolean): { checkpoint?: TrainingCheckpoints } => {
    const c = final ? opts.checkpoint?.(params) : undefined;
    return c ? { checkpoint: c } : {};
  };

  if (!spec.tune) {
    if (spec.space.length)
      throw new NodeFailure(`model ${spec.name}: params hold distributions but there is no tune block`, {
        code: "MLC2202",
      });
    return { model: await fit(spec.fixed, seed), params: spec.fixed, seed };
  }
  const tune = spec.tune;
  for (const o of tune.objectives) {
    if (o.split !== "valid" && o.split !== "model" && o.split !== "cv") {
      throw new NodeFailure(
        `model ${spec.name}: the tune objective must be measured on valid rows (got ${o.split}.${o.metric}); test rows are kept for the final evaluation`,
        { code: "MLC2202" },
      );
    }
  }
  // Pruning compares the learner's per-round validation metric across trials, oriented like the
  // first objective: that objective must then be a validation metric, not a model measure.
  const primary = tune.objectives[0]!;
  const crossValidated = tune.objectives.some((o) => o.split === "cv");
  if (crossValidated && tune.objectives.some((o) => o.split === "valid"))
    throw new NodeFailure(
      `model ${spec.name}: a search measures its objectives either on the folds (cv.*) or on the valid rows, not both`,
    );
  if (crossValidated && !data.folds)
    throw new NodeFailure(
      `model ${spec.name}: ${objectiveKey(tune.objectives.find((o) => o.split === "cv")!)} is measured on the folds of a kfold split, and this model's split has none`,
    );
  if (tune.pruner !== "none" && primary.split !== "valid") {
    throw new NodeFailure(
      `model ${spec.name}: tune.pruner follows the first objective, which is ${objectiveKey(primary)}; list a validation metric first (e.g. [maximize(valid.auc), minimize(model.bytes)])`,
      { code: "MLC2202" },
    );
  }
  const valid = data.valid;
  if (!crossValidated && (!valid || !valid.y || valid.X.nRows === 0))
    throw new NodeFailure(
      `model ${spec.name}: tuning needs validation rows: give the split a valid share, or use a kfold split and a cv objective such as maximize(cv.auc)`,
      { code: "MLC2202" },
    );
  if (spec.space.length === 0)
    throw new NodeFailure(
      `model ${spec.name}: tune needs at least one distribution in params (e.g. learning_rate = loguniform(0.01, 0.3))`,
      { code: "MLC2202" },
    );
  const prunerConfig: PrunerConfig =
    tune.pruner === "hyperband"
      ? { method: "hyperband", maxResource: typeof spec.fixed.trees === "number" ? spec.fixed.trees : 100 }
      : tune.pruner === "median"
        ? { method: "median" }
        : tune.pruner === "successive_halving"
          ? { method: "successive_halving" }
          : { method: "none" };
  const pruner = prunerFor(prunerConfig);
  const topK = spec.task.kind === "detect_anomalies" ? spec.task.k : undefined;
  let score: ObjectiveScorer = () => ({});
  try {
    if (!crossValidated)
      score = objectiveScorer(tune.objectives, valid!, rankingCut(spec.task), topK, decisionOf(spec));
  } catch (e) {
    throw new NodeFailure(`model ${spec.name}: ${(e as Error).message}`, { code: "MLC2202" });
  }
  // A cross-validated trial is k fits on the folds, one after another on the main thread.
  const cvScore = async (params: Params): Promise<Record<string, number>> => {
    const cv = await crossValidate(
      estimator,
      data.folds!,
      params,
      data.task,
      { seed, ...(opts.signal ? { signal: opts.signal } : {}) },
      cvMetricNames(tune.objectives),
      topK,
    );
    return cvObjectiveValues(tune.objectives, cv);
  };
  // The best trial's model so far, so the refit of the best trial (same params, same seed: the same
  // bytes) is skipped when its model is at hand. One objective only (a Pareto pick is not known
  // until the end), no checkpoints (the final fit writes them), trials fitted here or in threads.
  const keepsBest = tune.objectives.length === 1 && !opts.checkpoint && !crossValidated && !opts.remote;
  const objective = studyObjective(tune);
  let kept: { record: TrialRecord; model: () => TrainedModel } | undefined;
  const keepIfBest = (index: number, values: Record<string, number>, model: () => TrainedModel): void => {
    // a complete trial, as the study records it (a missing or NaN value is a failed one)
    const m = values[objective.targets[0]!.metric];
    if (!keepsBest || typeof m !== "number" || Number.isNaN(m)) return;
    const record: TrialRecord = { index, params: {}, status: "complete", values, intermediate: [] };
    if (!kept || bestTrial([kept.record, record], objective) === record) kept = { record, model };
  };
  // parallel > 1: trials fit in worker threads (each fit is synchronous CPU work, so on the main
  // thread they would never overlap). Same params and seed give the same value in either place.
  let pool: TrialPool | null = null;
  // a trial's expected fit cost (trial-cost.ts), with which the lanes of a pool take the costliest first
  const trialCost = (params: Params): number => expectedTrialCost(params, data.train.X.nRows);
  let remote: RemoteStudy | undefined;
  if (opts.remote) {
    remote = await openRemoteStudy(
      opts.remote.queue,
      opts.remote.artifacts,
      spec.name,
      {
        algorithm: estimator.algorithm,
        task: data.task,
        objectives: tune.objectives,
        ...(rankingCut(spec.task) ? { ranking: rankingCut(spec.task)! } : {}),
        ...(topK !== undefined ? { k: topK } : {}),
        pruner: prunerConfig,
        ...(crossValidated ? { cv: true } : {}),
      },
      crossValidated ? { folds: data.folds! } : { train: data.train, valid: valid! },
      opts.signal,
    );
    opts.log(`tune: trials are queued in the shared state for \`mlc worker\` processes`);
  } else if (tune.parallel > 1 && crossValidated)
    opts.log(`tune: cross-validated trials fit on the main thread (parallel = ${tune.parallel} is not used)`);
  else if (tune.parallel > 1) {
    pool = await createTrialPool({
      algorithm: estimator.algorithm,
      task: data.task,
      objectives: tune.objectives,
      ...(rankingCut(spec.task) ? { ranking: rankingCut(spec.task)! } : {}),
      ...(topK !== undefined ? { k: topK } : {}),
      ...(decisionOf(spec) ? { decision: decisionOf(spec)! } : {}),
      train: data.train,
      valid: valid!,
      parallel: tune.parallel,
      pruning: pruner !== undefined,
      ...(keepsBest ? { returnModels: true } : {}),
      ...(opts.trialWorkerUrl !== undefined ? { workerUrl: opts.trialWorkerUrl } : {}),
      ...(opts.init ? { init: opts.init } : {}),
      expectedCost: trialCost,
      // the main thread's lane fits as a worker does: one thread, the warm start, no checkpoints
      inline: async (params, fitSeed, onProgress) => {
        const fitted = await estimator.fit(data.train, valid, params, data.task, {
          seed: fitSeed,
          threads: 1,
          onProgress,
          ...(opts.signal ? { signal: opts.signal } : {}),
          ...(opts.init ? { init: opts.init } : {}),
        });
        return { values: score(fitted), fitted };
      },
    });
    if (pool)
      opts.log(
        pool.workers < pool.size
          ? `tune: the main thread and ${pool.workers} worker thread${pool.workers === 1 ? "" : "s"} fit trials at once`
          : `tune: ${pool.size} worker threads fit trials at once`,
      );
    else if (opts.trialWorkerUrl !== null)
      opts.log(`tune: the compiled trial worker is unavailable; trials fit on the main thread`);
  }
  const closePool = (): void => void pool?.close();
  opts.signal?.addEventListener("abort", closePool, { once: true });
  let result: StudyResult;
  try {
    const study = new Study({
      space: spec.space,
      objective: studyObjective(tune),
      sampler: samplerFor(
        tune.method === "tpe"
          ? { method: "tpe", nStartupTrials: Math.min(10, Math.max(3, Math.floor(tune.trials / 3))) }
          : tune.method === "grid"
            ? { method: "grid" }
            : { method: "random" },
      ),
      ...(pruner ? { pruner } : {}),
      trials: tune.trials,
      parallel: tune.parallel,
      // a pool takes a trial queued per worker besides the ones it fits (proposals do not change)
      ...(pool ? { inFlight: pool.capacity } : {}),
      // on several lanes a random or grid search starts its costliest trials first (the same trials)
      ...(pool ? { expectedCost: (p: Params) => trialCost({ ...spec.fixed, ...p }) } : {}),
      seed,
      ...(opts.trialStore ? { store: opts.trialStore } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    result = await study.run(async (trial) => {
      const params = { ...spec.fixed, ...trial.params };
      checkParams(estimator, params, spec.name);
      // Every trial fits with the model's seed, so the objective is a fixed function of the
      // parameters (what TPE models) and the best trial can be refitted exactly.
      let prunedAt: number | undefined;
      const prune = (p: Progress): "stop" | undefined => {
        // The learner reports its own validation metric per round (logloss for a GBDT, say). Pruning
        // compares trials at the same step, so any metric works once it is oriented like the
        // objective: a metric of the opposite direction is negated. Unknown metrics are not reported.
        const value = prunedValue(p, primary);
        if (value === undefined) return undefined;
        if (!trial.report(p.iteration, value)) return undefined;
        prunedAt ??= p.iteration;
        return "stop";
      };
      let values: Record<string, number>;
      let where = "";
      if (remote) values = await remote.fit(trial.index, params, seed, trial.history, prune);
      else if (crossValidated) values = await cvScore(params);
      else if (pool) {
        const r = await pool.fit(
          params,
          seed,
          prune,
          kept ? lossOf(kept.record, objective.targets[0]!) : undefined,
        );
        values = r.values;
        const { model: bytes, fitted } = r;
        if (fitted && prunedAt === undefined) keepIfBest(trial.index, values, () => fitted);
        else if (bytes && prunedAt === undefined)
          keepIfBest(trial.index, values, () => estimator.deserialize(bytes));
        where = fitted ? " (main thread)" : " (worker thread)";
      } else {
        const m = await fit(params, seed, prune);
        values = score(m);
        if (prunedAt === undefined) keepIfBest(trial.index, values, () => m);
      }
      opts.log(
        `trial ${trial.index}: ${prunedAt !== undefined ? `pruned at step ${prunedAt}, ` : ""}${formatObjectiveValues(tune.objectives, values)} ${JSON.stringify(trial.params)}${pool ? where : remote ? " (mlc worker)" : ""}`,
      );
      return values;
    });
  } finally {
    opts.signal?.removeEventListener("abort", closePool);
    await pool?.close();
  }
  const best = result.best;
  if (!best) {
    const errors = [...new Set(result.trials.map((t) => t.error).filter(Boolean))];
    throw new NodeFailure(
      `model ${spec.name}: no trial completed${errors.length ? `: ${errors.join("; ")}` : ""}`,
      { code: "MLC2205" },
    );
  }
  // Refit the best trial: the same params and seed give the trial's model (also after a resume);
  // when this run fitted it and kept its model, that model is the refit's.
  const params = { ...spec.fixed, ...best.params };
  const model = kept?.record.index === best.index ? kept.model() : await fit(params, seed);
  if (tune.objectives.length > 1)
    opts.log(
      `tune: Pareto front of ${result.pareto.length} trial${result.pareto.length === 1 ? "" : "s"} (${result.pareto.map((t) => t.index).join(", ")}); picked trial ${best.index} by ${tune.pick?.kind ?? "first"}`,
    );
  return {
    model,
    params,
    seed,
    study: { trials: result.trials, best, pareto: result.pareto, ran: result.ran },
  };
}
