// Fits a model branch: one fit with the fixed params, or a seeded, resumable search over the
// params' distributions (TPE, random or grid, optional pruning) followed by a refit of the best
// trial. Works through the Estimator interface only: no switch on the algorithm's name.
import type { Dataset, Estimator, Params, Progress, Task, TrainedModel } from "../../ml/estimator.js";
import { metricFor } from "../../ml/metrics/index.js";
import {
  prunerFor,
  samplerFor,
  Study,
  type StudyResult,
  type TrialRecord,
  type TrialStore,
} from "../../ml/tune/index.js";
import { NodeFailure } from "../../ir/executor.js";
import type { ModelSpec } from "./model-spec.js";
import {
  formatObjectiveValues,
  objectiveKey,
  objectiveScorer,
  studyObjective,
  type ObjectiveScorer,
} from "./objective-values.js";
import { createTrialPool, type TrialPool } from "./trial-pool.js";

export interface TrainInputs {
  train: Dataset;
  valid?: Dataset;
  task: Task;
}

export interface TrainOutcome {
  model: TrainedModel;
  params: Params;
  /** The seed the final fit used. */
  seed: number;
  /** `pareto`: the complete trials on the first Pareto front (several objectives; with one, the best value's trials). */
  study?: { trials: TrialRecord[]; best?: TrialRecord; pareto: TrialRecord[]; ran: number };
}

function checkParams(estimator: Estimator, params: Params, model: string): void {
  const known = new Map(estimator.params.map((p) => [p.name, p]));
  for (const [k, v] of Object.entries(params)) {
    const spec = known.get(k);
    if (!spec) {
      throw new NodeFailure(
        `model ${model}: ${estimator.algorithm} has no parameter '${k}' (parameters: ${[...known.keys()].join(", ")})`,
      );
    }
    const ok =
      spec.type === "int"
        ? typeof v === "number" && Number.isInteger(v)
        : spec.type === "float"
          ? typeof v === "number"
          : spec.type === "bool"
            ? typeof v === "boolean"
            : typeof v === "string";
    if (!ok)
      throw new NodeFailure(
        `model ${model}: parameter '${k}' of ${estimator.algorithm} must be ${spec.type === "float" ? "a number" : `a ${spec.type}`}, got ${JSON.stringify(v)}`,
      );
    if (typeof v === "string" && spec.values && !spec.values.includes(v)) {
      throw new NodeFailure(
        `model ${model}: parameter '${k}' must be one of ${spec.values.join(", ")}, got '${v}'`,
      );
    }
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
  },
): Promise<TrainOutcome> {
  checkParams(estimator, spec.fixed, spec.name);
  const known = new Set(estimator.params.map((p) => p.name));
  for (const def of spec.space) {
    if (!known.has(def.name))
      throw new NodeFailure(
        `model ${spec.name}: ${estimator.algorithm} has no parameter '${def.name}' (parameters: ${[...known].join(", ")})`,
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
    });

  if (!spec.tune) {
    if (spec.space.length)
      throw new NodeFailure(`model ${spec.name}: params hold distributions but there is no tune block`);
    return { model: await fit(spec.fixed, seed), params: spec.fixed, seed };
  }
  const tune = spec.tune;
  for (const o of tune.objectives) {
    if (o.split !== "valid" && o.split !== "model") {
      throw new NodeFailure(
        `model ${spec.name}: the tune objective must be measured on valid rows (got ${o.split}.${o.metric}); test rows are kept for the final evaluation`,
      );
    }
  }
  // Pruning compares the learner's per-round validation metric across trials, oriented like the
  // first objective: that objective must then be a validation metric, not a model measure.
  const primary = tune.objectives[0]!;
  if (tune.pruner !== "none" && primary.split !== "valid") {
    throw new NodeFailure(
      `model ${spec.name}: tune.pruner follows the first objective, which is ${objectiveKey(primary)}; list a validation metric first (e.g. [maximize(valid.auc), minimize(model.bytes)])`,
    );
  }
  const valid = data.valid;
  if (!valid || !valid.y || valid.X.nRows === 0)
    throw new NodeFailure(`model ${spec.name}: tuning needs validation rows: give the split a valid share`);
  if (spec.space.length === 0)
    throw new NodeFailure(
      `model ${spec.name}: tune needs at least one distribution in params (e.g. learning_rate = loguniform(0.01, 0.3))`,
    );
  const pruner = prunerFor(
    tune.pruner === "hyperband"
      ? { method: "hyperband", maxResource: typeof spec.fixed.trees === "number" ? spec.fixed.trees : 100 }
      : tune.pruner === "median"
        ? { method: "median" }
        : tune.pruner === "successive_halving"
          ? { method: "successive_halving" }
          : { method: "none" },
  );
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
    seed,
    ...(opts.trialStore ? { store: opts.trialStore } : {}),
  });
  let score: ObjectiveScorer;
  try {
    score = objectiveScorer(tune.objectives, valid);
  } catch (e) {
    throw new NodeFailure(`model ${spec.name}: ${(e as Error).message}`);
  }
  // parallel > 1: trials fit in worker threads (each fit is synchronous CPU work, so on the main
  // thread they would never overlap). Same params and seed give the same value in either place.
  let pool: TrialPool | null = null;
  if (tune.parallel > 1) {
    pool = await createTrialPool({
      algorithm: estimator.algorithm,
      task: data.task,
      objectives: tune.objectives,
      train: data.train,
      valid,
      parallel: tune.parallel,
      pruning: pruner !== undefined,
      ...(opts.trialWorkerUrl !== undefined ? { workerUrl: opts.trialWorkerUrl } : {}),
    });
    if (pool) opts.log(`tune: ${pool.size} worker threads fit trials at once`);
    else if (opts.trialWorkerUrl !== null)
      opts.log(`tune: the compiled trial worker is unavailable; trials fit on the main thread`);
  }
  const closePool = (): void => void pool?.close();
  opts.signal?.addEventListener("abort", closePool, { once: true });
  let result: StudyResult;
  try {
    result = await study.run(async (trial) => {
      const params = { ...spec.fixed, ...trial.params };
      checkParams(estimator, params, spec.name);
      // Every trial fits with the model's seed, so the objective is a fixed function of the
      // parameters (what TPE models) and the best trial can be refitted exactly.
      const prune = (p: Progress): "stop" | undefined => {
        // The learner reports its own validation metric per round (logloss for a GBDT, say). Pruning
        // compares trials at the same step, so any metric works once it is oriented like the
        // objective: a metric of the opposite direction is negated. Unknown metrics are not reported.
        const direction = p.metric
          ? p.metric.name === primary.metric
            ? primary.direction
            : metricFor(p.metric.name.replace(/^m(?=logloss$)/, ""))?.direction
          : undefined;
        if (!p.metric || !direction) return undefined;
        const value = direction === primary.direction ? p.metric.value : -p.metric.value;
        return trial.report(p.iteration, value) ? "stop" : undefined;
      };
      const values = pool ? await pool.fit(params, seed, prune) : score(await fit(params, seed, prune));
      opts.log(
        `trial ${trial.index}: ${formatObjectiveValues(tune.objectives, values)} ${JSON.stringify(trial.params)}${pool ? " (worker thread)" : ""}`,
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
    );
  }
  // Refit the best trial: the same params and seed give the trial's model (also after a resume).
  const params = { ...spec.fixed, ...best.params };
  const model = await fit(params, seed);
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
