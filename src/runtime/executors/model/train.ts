// Fits a model branch: one fit with the fixed params, or a seeded, resumable search over the
// params' distributions (TPE, random or grid, optional pruning) followed by a refit of the best
// trial. Works through the Estimator interface only: no switch on the algorithm's name.
import type { Dataset, Estimator, Params, Progress, Task, TrainedModel } from "../../../ml/estimator.js";
import { metricFor } from "../../../ml/metrics/index.js";
import { prunerFor, samplerFor, Study, type StudyResult, type TrialRecord, type TrialStore } from "../../../ml/tune/index.js";
import { NodeFailure } from "../../executor.js";
import type { ModelSpec, TuneSpec } from "./model-spec.js";
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
  study?: { trials: TrialRecord[]; best?: TrialRecord; ran: number };
}

function checkParams(estimator: Estimator, params: Params, model: string): void {
  const known = new Map(estimator.params.map((p) => [p.name, p]));
  for (const [k, v] of Object.entries(params)) {
    const spec = known.get(k);
    if (!spec) {
      throw new NodeFailure(`model ${model}: ${estimator.algorithm} has no parameter '${k}' (parameters: ${[...known.keys()].join(", ")})`);
    }
    const ok = spec.type === "int" ? typeof v === "number" && Number.isInteger(v) : spec.type === "float" ? typeof v === "number" : spec.type === "bool" ? typeof v === "boolean" : typeof v === "string";
    if (!ok) throw new NodeFailure(`model ${model}: parameter '${k}' of ${estimator.algorithm} must be ${spec.type === "float" ? "a number" : `a ${spec.type}`}, got ${JSON.stringify(v)}`);
    if (typeof v === "string" && spec.values && !spec.values.includes(v)) {
      throw new NodeFailure(`model ${model}: parameter '${k}' must be one of ${spec.values.join(", ")}, got '${v}'`);
    }
  }
}

/** The objective value of a fitted model on the validation rows. */
function objectiveValue(model: TrainedModel, valid: Dataset, tune: TuneSpec, group?: Int32Array): number {
  const metric = metricFor(tune.objective.metric);
  if (!metric) throw new NodeFailure(`tune objective: unknown metric ${tune.objective.metric}`);
  const pred = model.predict(valid.X);
  return metric.compute({ y: valid.y!, pred, width: model.outputWidth, ...(group ? { group } : {}) });
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
    if (!known.has(def.name)) throw new NodeFailure(`model ${spec.name}: ${estimator.algorithm} has no parameter '${def.name}' (parameters: ${[...known].join(", ")})`);
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
    if (spec.space.length) throw new NodeFailure(`model ${spec.name}: params hold distributions but there is no tune block`);
    return { model: await fit(spec.fixed, seed), params: spec.fixed, seed };
  }
  const tune = spec.tune;
  if (tune.objective.split !== "valid") {
    throw new NodeFailure(`model ${spec.name}: the tune objective must be measured on valid rows (got ${tune.objective.split}.${tune.objective.metric}); test rows are kept for the final evaluation`);
  }
  const valid = data.valid;
  if (!valid || !valid.y || valid.X.nRows === 0) throw new NodeFailure(`model ${spec.name}: tuning needs validation rows: give the split a valid share`);
  if (spec.space.length === 0) throw new NodeFailure(`model ${spec.name}: tune needs at least one distribution in params (e.g. learning_rate = loguniform(0.01, 0.3))`);
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
    objective: { targets: [{ metric: tune.objective.metric, direction: tune.objective.direction }] },
    sampler: samplerFor(tune.method === "tpe" ? { method: "tpe", nStartupTrials: Math.min(10, Math.max(3, Math.floor(tune.trials / 3))) } : tune.method === "grid" ? { method: "grid" } : { method: "random" }),
    ...(pruner ? { pruner } : {}),
    trials: tune.trials,
    parallel: tune.parallel,
    seed,
    ...(opts.trialStore ? { store: opts.trialStore } : {}),
  });
  // parallel > 1: trials fit in worker threads (each fit is synchronous CPU work, so on the main
  // thread they would never overlap). Same params and seed give the same value in either place.
  let pool: TrialPool | null = null;
  if (tune.parallel > 1) {
    pool = await createTrialPool({ algorithm: estimator.algorithm, task: data.task, metric: tune.objective.metric, train: data.train, valid, parallel: tune.parallel, ...(opts.trialWorkerUrl !== undefined ? { workerUrl: opts.trialWorkerUrl } : {}) });
    if (pool) opts.log(`tune: ${pool.size} worker threads fit trials at once`);
    else if (opts.trialWorkerUrl !== null) opts.log(`tune: the compiled trial worker is unavailable; trials fit on the main thread`);
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
        const direction = p.metric ? (p.metric.name === tune.objective.metric ? tune.objective.direction : metricFor(p.metric.name.replace(/^m(?=logloss$)/, ""))?.direction) : undefined;
        if (!p.metric || !direction) return undefined;
        const value = direction === tune.objective.direction ? p.metric.value : -p.metric.value;
        return trial.report(p.iteration, value) ? "stop" : undefined;
      };
      const value = pool ? await pool.fit(params, seed, prune) : objectiveValue(await fit(params, seed, prune), valid, tune, valid.group);
      opts.log(`trial ${trial.index}: ${tune.objective.metric} = ${value.toFixed(5)} ${JSON.stringify(trial.params)}${pool ? " (worker thread)" : ""}`);
      return value;
    });
  } finally {
    opts.signal?.removeEventListener("abort", closePool);
    await pool?.close();
  }
  const best = result.best;
  if (!best) {
    const errors = [...new Set(result.trials.map((t) => t.error).filter(Boolean))];
    throw new NodeFailure(`model ${spec.name}: no trial completed${errors.length ? `: ${errors.join("; ")}` : ""}`);
  }
  // Refit the best trial: the same params and seed give the trial's model (also after a resume).
  const params = { ...spec.fixed, ...best.params };
  const model = await fit(params, seed);
  return { model, params, seed, study: { trials: result.trials, best, ran: result.ran } };
}
