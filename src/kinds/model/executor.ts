// The `model` executor: fits the feature pipeline on the split's train rows, trains (or tunes and
// trains) the estimator, evaluates it on valid and test rows with intervals, composes the
// deployable ONNX graph and checks it against the batch predictions, and records a registry version.
import type { ColumnTable } from "arquero";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { canonicalJson } from "../../ir/expr-json.js";
import { buildPipeline, type FittedPipeline } from "../../data/pipeline.js";
import { resolveDataPath } from "../../data/project-path.js";
import { loadTable, saveTable } from "../../data/table-artifact.js";
import { tableColumns } from "../../data/table-columns.js";
import type { Dataset, Estimator, Params, Task } from "../../ml/estimator.js";
import { ALGORITHMS, loadEstimator } from "../../ml/algorithms.js";
import { takeRows, type Matrix } from "../../ml/matrix.js";
import type { MetricInput } from "../../ml/metrics/index.js";
import {
  NodeFailure,
  type DataFingerprint,
  type ExecContext,
  type Executor,
  type NodeResult,
  type StatCache,
} from "../../ir/executor.js";
import { hashFileCached } from "../../data/data-hash.js";
import { nodeIdOf, type GraphNode, type Json } from "../../ir/graph-ir.js";
import type { RegistryRecords } from "../../ir/state-store.js";
import { ModelRegistry } from "../../registry/model-registry.js";
import { anomalyThreshold as calibrateAnomalyThreshold } from "../../ml/anomaly-threshold.js";
import { rankingGroups, targets, taskOf } from "./labels.js";
import { rankingEvaluation, trivialRanking } from "./ranking-eval.js";
import { decisionOf, readModelSpec, type ModelSpec } from "./model-spec.js";
import { decisionThreshold, ruleText, type OutcomeCosts } from "../../ml/decision-threshold.js";
import { retrievalOf } from "./retrieval-artifact.js";
import { checkRankerInputs, historySettingsOf, withHistory } from "./rerank-history.js";
import { bundleInputs, checkFeatureParity, checkOnnxParity, composeOnnx } from "./onnx-bundle.js";
import { inputsJson, taskJson } from "./results.js";
import { PARTS, splitResultOf, type Part } from "../split/config.js";
import { calibrateModel } from "./calibrate.js";
import { reviewedRows, type ReviewedRows } from "./reviewed-labels.js";
import { referenceProfiles } from "./reference-profile.js";
import { modelReportArtifacts, prerenderReportCharts, reportModel, startEarlyReport } from "./report.js";
import { studyObjective } from "./objective-values.js";
import { StateTrialStore } from "../../registry/trial-store.js";
import { trainBranch } from "./train.js";
import { prestartTrialPool } from "./trial-pool.js";
import { crossValidate, foldDatasets } from "./cross-validate.js";
import { ensembleOf } from "./ensemble.js";
import { WarmStartError } from "../../ml/warm-start.js";
import {
  championStart,
  checkpointKey,
  dropCheckpoints,
  readWarmStart,
  storeCheckpoints,
  warmStartFailure,
  warmStartFingerprint,
  warmStartText,
} from "./warm-start.js";
import { modelRobustness, robustnessSettingsOf } from "./robustness.js";
import { exportPrecisionsOf, measureExports } from "./export-measure.js";

// 2: onehot's fallback column is `f:other` and apply checks feature parity bit for bit.
// 3: tree sampling, neural initialisers and isolation forests draw from the one generator,
// src/ml/random.ts (xoshiro128** seeded by splitmix32), so those model bytes differ from version 2.
// 4: ranking metrics at the task's k under the language's names, ties as expectations, catalogue
// measures and the popularity baseline.
// 5: a binary classifier's precision, recall, F1 and accuracy are taken at its threshold (they were at
// 0.5 whatever the model's `threshold`), and its version records `decision_threshold`; a factorisation
// model's version stores its retrieval file (artifact `retrieval`).
export const MODEL_EXECUTOR_VERSION = "5";

async function splitTables(
  ctx: ExecContext,
  spec: ModelSpec,
): Promise<{ tables: Partial<Record<Part, ColumnTable>>; hashes: Partial<Record<Part, string>> }> {
  const id = nodeIdOf("split", spec.data);
  const r = ctx.inputs.get(id);
  if (!r) throw new NodeFailure(`model ${spec.name}: its data ${id} has no result`, { code: "MLC2007" });
  const split = splitResultOf(r);
  const tables: Partial<Record<Part, ColumnTable>> = {};
  const hashes: Partial<Record<Part, string>> = {};
  for (const part of PARTS) {
    const h = split[part];
    if (h) {
      tables[part] = await loadTable(ctx.artifacts, h);
      hashes[part] = h;
    }
  }
  if (!tables.train || tables.train.numRows() === 0)
    throw new NodeFailure(`model ${spec.name}: split ${spec.data} gave no train rows`, { code: "MLC2107" });
  return { tables, hashes };
}

function featuresConfig(ctx: ExecContext, spec: ModelSpec): { [k: string]: Json } {
  const node = ctx.inputNodes?.get(`features.${spec.features.from}`);
  if (!node)
    throw new NodeFailure(
      `model ${spec.name}: features block ${spec.features.from} is not among its inputs`,
      { code: "MLC2205" },
    );
  return node.config;
}

interface Prepared {
  task: Task;
  pipeline: FittedPipeline;
  parts: Partial<Record<Part, { data: Dataset; table: ColumnTable }>>;
}

function prepare(
  spec: ModelSpec,
  tables: Partial<Record<Part, ColumnTable>>,
  features: { [k: string]: Json },
): Prepared {
  const train = tables.train!;
  const task = taskOf(train, spec.task);
  const label = "label" in spec.task ? spec.task.label : undefined;
  const group = spec.task.kind === "rank" ? spec.task.group : undefined;
  // Every column is visible to the feature definitions (a window over past labels reads the label
  // column); the label itself never becomes a model input: selecting it is refused below.
  if (label && spec.features.select?.includes(label))
    throw new NodeFailure(`model ${spec.name}: the label '${label}' cannot be one of its features`, {
      code: "MLC2205",
    });
  const pipeline = buildPipeline(features, tableColumns(train), spec.features.select).fit(train);
  const parts: Prepared["parts"] = {};
  for (const part of PARTS) {
    let table = tables[part];
    if (!table || table.numRows() === 0) continue;
    let X = pipeline.transform(table);
    let y = targets(table, spec.task, task, part);
    let g: Int32Array | undefined;
    if (group) {
      const { order, group: ids } = rankingGroups(table, group, part);
      X = takeRows(X, order);
      y = y ? Float64Array.from(order, (i) => y![i]!) : y;
      table = table.reify(Array.from(order));
      g = ids;
    }
    parts[part] = { data: { X, ...(y ? { y } : {}), ...(g ? { group: g } : {}) }, table };
  }
  return { task, pipeline, parts };
}

async function estimatorOf(spec: ModelSpec): Promise<Estimator> {
  const e = await loadEstimator(spec.algorithm.name);
  if (!e)
    throw new NodeFailure(
      `model ${spec.name}: unknown algorithm '${spec.algorithm.name}' (available: ${ALGORITHMS.join(", ")})`,
      { code: "MLC2205" },
    );
  return e;
}

const f64Bytes = (a: Float64Array): Uint8Array =>
  new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

/** Identifies a search independently of its trial count, so raising `trials` resumes it. */
function studyKey(
  spec: ModelSpec,
  features: Json,
  hashes: Partial<Record<Part, string>>,
  seed: number,
): string {
  const { tune, ...rest } = spec;
  // One objective hashes as `objective` (the shape before objective lists), so recorded studies still resume.
  const { objectives, pick, ...settings } = tune ?? { objectives: [] };
  const goal =
    objectives.length === 1 && !pick
      ? { objective: objectives[0]! }
      : { objectives, ...(pick ? { pick } : {}) };
  const key = {
    rest: rest as unknown as Json,
    tune: tune ? { ...settings, ...goal, trials: null } : null,
    features,
    hashes: hashes as Json,
    seed,
  } as unknown as Json;
  return createHash("sha256").update(canonicalJson(key)).digest("hex").slice(0, 32);
}

/**
 * The anomaly threshold of the model's rule on the validation scores (and labels), or on the training
 * rows when the split has no valid part; a coded failure when a precision or recall target cannot be met.
 */
function decideAnomalyThreshold(
  spec: ModelSpec,
  parts: ReturnType<typeof prepare>["parts"],
  validPred: Float64Array | undefined,
  predict: (X: Matrix) => Float64Array,
  reviewed?: ReviewedRows,
): number | undefined {
  if (!spec.anomalyRule) return undefined;
  const part = parts.valid ? "valid" : "train";
  const data = parts[part]!.data;
  let scores: ArrayLike<number> = part === "valid" && validPred ? validPred : predict(data.X);
  let y: ArrayLike<number> | undefined = data.y;
  // `on = REVIEWS`: the reviewed events join the labelled rows (are the labelled rows, without a task label)
  if (reviewed) {
    scores = y ? Float64Array.from([...Array.from(scores), ...reviewed.scores]) : reviewed.scores;
    y = y ? Float64Array.from([...Array.from(y), ...reviewed.y]) : reviewed.y;
  }
  const out = calibrateAnomalyThreshold(spec.anomalyRule, scores, y);
  if (out === undefined) return undefined;
  if ("problem" in out) {
    const r = spec.anomalyRule;
    const rows = reviewed
      ? data.y
        ? `${data.y.length} ${part} rows and ${reviewed.y.length} reviewed events of ${reviewed.source}`
        : `${reviewed.y.length} reviewed events of ${reviewed.source}`
      : `${data.y?.length ?? 0} ${part} rows`;
    throw new NodeFailure(
      `model ${spec.name}: threshold = ${r.kind}(${r.kind === "contamination" ? r.share : r.target}) on the ${rows}: ${out.problem}`,
      {
        code: "MLC2207",
        hint:
          r.kind === "precision"
            ? "lower the precision target, use recall(…) or contamination(…), or improve the model"
            : "check the label column of the valid rows",
      },
    );
  }
  return out.threshold;
}

/** A binary classifier's decision threshold, its metric input and what the summary records of it. */
interface ChosenDecision {
  threshold: number;
  input: { threshold: number; costs?: OutcomeCosts };
  /** The rule and values of a `decision { … }` block (absent for a fixed threshold). */
  summary?: { [k: string]: Json };
}

/**
 * The threshold of a binary classifier: its fixed `threshold`, or the one its decision chooses on
 * the valid predictions (after calibration, as served); a coded failure when the rule cannot choose.
 */
function chooseDecision(
  spec: ModelSpec,
  prep: Prepared,
  validPred: Float64Array | undefined,
  width: number,
): ChosenDecision | undefined {
  const d = decisionOf(spec);
  if (!d) return undefined;
  if (prep.task.kind !== "binary" || width !== 1) {
    if (!spec.decision) return undefined;
    throw new NodeFailure(
      `model ${spec.name}: a decision chooses a binary classifier's threshold, and its labels have ${prep.task.kind === "multiclass" ? `${prep.task.classes.length} classes` : `task ${prep.task.kind}`}`,
      { code: "MLC2213", hint: "remove the decision block, or classify a two-valued label" },
    );
  }
  const costs = d.costs ? { costs: d.costs } : {};
  if (d.rule.kind === "fixed")
    return { threshold: d.rule.threshold, input: { threshold: d.rule.threshold, ...costs } };
  const valid = prep.parts.valid?.data;
  if (!valid?.y || !validPred || valid.y.length === 0)
    throw new NodeFailure(
      `model ${spec.name}: its decision is chosen on the valid rows, and split ${spec.data} gave none`,
      {
        code: "MLC2213",
        hint: "give the split a valid part: `valid = 15%`",
      },
    );
  const out = decisionThreshold(d, valid.y, validPred);
  if ("problem" in out)
    throw new NodeFailure(
      `model ${spec.name}: decision threshold = ${ruleText(d.rule)} on the ${valid.y.length} valid rows: ${out.problem}`,
      {
        code: "MLC2213",
        hint:
          d.rule.kind === "precision" || d.rule.kind === "recall"
            ? "lower the target, choose another rule (`optimize`, `f1`, `youden`), or improve the model"
            : "check the label column of the valid rows",
      },
    );
  return {
    threshold: out.threshold,
    input: { threshold: out.threshold, ...costs },
    summary: {
      rule: ruleText(d.rule),
      ...(d.costs ? { costs: { ...d.costs } } : {}),
    },
  };
}

async function run(ctx: ExecContext): Promise<NodeResult> {
  const declaredSpec = readModelSpec(ctx.node.name, ctx.node.config);
  // a search on several lanes of this process: its worker threads start while the rows are read
  // (examples/churn at parallel = 2 with a pruner, load 2-4: the pool's wait for its workers 190-230
  // ms before, 0-107 ms after; the apply's wall median 3.80 s before, 3.68 s after without the second
  // model, no change beside it, whose work the threads' start then competes with)
  const tune = declaredSpec.tune;
  if (tune && tune.parallel > 1 && !ctx.trialQueue && !tune.objectives.some((o) => o.split === "cv"))
    prestartTrialPool({ parallel: tune.parallel, pruning: tune.pruner !== "none" });
  const commit = ctx.state ? specCommit(ctx.projectDir) : Promise.resolve({});
  // An imported model reads its file from the project (the path cannot leave it).
  if (declaredSpec.algorithm.file)
    declaredSpec.fixed.path = resolveDataPath(ctx.projectDir, declaredSpec.algorithm.file, false);
  // `stack(…)` / `vote(…)`: the members' fits, combined by the ensemble's own estimator
  const ensemble = declaredSpec.ensemble ? await ensembleOf(ctx, declaredSpec) : undefined;
  const estimator = ensemble?.estimator ?? (await estimatorOf(declaredSpec));
  const split = await splitTables(ctx, declaredSpec);
  // `history { … }` (a re-ranker): the rows gain the re-ranking features, which become model inputs
  const historySettings = historySettingsOf(ctx.node.config);
  const withH = historySettings
    ? withHistory(
        declaredSpec,
        historySettings,
        split.tables,
        featuresConfig(ctx, declaredSpec),
        ctx.inputNodes?.get(`split.${declaredSpec.data}`),
      )
    : undefined;
  const spec = withH?.spec ?? declaredSpec;
  const features = withH?.features ?? featuresConfig(ctx, spec);
  const tables = withH?.tables ?? split.tables;
  const hashes = split.hashes;
  const splitSummary = ctx.inputs.get(`split.${spec.data}`)?.summary;
  const rowKey = typeof splitSummary?.row_key === "string" ? splitSummary.row_key : undefined;
  const prep = prepare(spec, tables, features);
  if (historySettings)
    checkRankerInputs(
      spec,
      historySettings,
      prep.pipeline.rawInputs.map((r) => r.name),
    );
  if (!estimator.tasks.includes(prep.task.kind))
    throw new NodeFailure(
      `model ${spec.name}: ${estimator.algorithm} does not do ${prep.task.kind} tasks (it does: ${estimator.tasks.join(", ")})`,
      { code: "MLC2205" },
    );
  const seed = spec.seed ?? ctx.seed;
  const folds = foldDatasets(spec, tables.train!, features, prep.task);
  const key = studyKey(spec, features, hashes, seed);
  const trialStore = spec.tune && ctx.state ? new StateTrialStore(ctx.state, spec.name, key) : undefined;
  if (trialStore) await trialStore.saveObjective(studyObjective(spec.tune!));
  // `init = champion`: the fit continues from the champion's model; `checkpoint`: it saves as it goes
  const warm = readWarmStart(ctx.node.config);
  const start = warm.init ? await championStart(ctx, spec.name, estimator) : undefined;
  if (warm.init) ctx.log(warmStartText(start?.version));
  // a checkpoint belongs to one fit: the study key names the spec, features, split parts and seed,
  // and the params are the final fit's (a search raised since may refit other ones)
  const every = warm.checkpointEvery;
  const checkpointFor = (params: Params) =>
    every
      ? storeCheckpoints(
          ctx,
          checkpointKey(
            spec.name,
            `${MODEL_EXECUTOR_VERSION}|${key}|${canonicalJson(params as Json)}`,
            start?.version,
          ),
          every,
        )
      : undefined;
  const t0 = performance.now();
  const outcome = await trainBranch(
    spec,
    estimator,
    {
      train: prep.parts.train!.data,
      ...(prep.parts.valid ? { valid: prep.parts.valid.data } : {}),
      task: prep.task,
      ...(folds ? { folds } : {}),
    },
    seed,
    {
      ...(trialStore ? { trialStore } : {}),
      ...(ctx.trialQueue ? { remote: { queue: ctx.trialQueue, artifacts: ctx.artifacts } } : {}),
      ...(start ? { init: start.model } : {}),
      ...(every ? { checkpoint: checkpointFor } : {}),
      log: ctx.log,
      signal: ctx.signal,
      progress: (p) =>
        ctx.progress({
          step: p.iteration,
          ...(p.total ? { total: p.total } : {}),
          ...(p.metric ? { message: `valid ${p.metric.name} ${p.metric.value.toFixed(4)}` } : {}),
        }),
    },
  ).catch((e: unknown) => {
    throw e instanceof WarmStartError && start ? warmStartFailure(spec.name, start.version, e) : e;
  });
  const trainMs = performance.now() - t0;
  // `calibrate = …`: predictions, evaluation and the ONNX graph all go through the calibrator.
  const calibration = calibrateModel(spec, outcome.model, prep.parts.valid?.data);
  const model = calibration?.model ?? outcome.model;
  // the report's TreeSHAP starts now in its thread, beside the evaluation below (report-thread.ts)
  const early = startEarlyReport(outcome.model, prep.parts, seed, {
    explains: { model, header: reportModel(spec, estimator.algorithm, prep.task) },
  });

  const metrics: Record<string, number> = { train_ms: Math.round(trainMs) };
  // kfold: the chosen parameters cross-validated on the folds; the model itself is fitted on all
  // training rows and evaluated on test as usual.
  if (folds) {
    const cv = await crossValidate(
      estimator,
      folds,
      outcome.params,
      prep.task,
      { seed, signal: ctx.signal },
      undefined,
      spec.task.kind === "detect_anomalies" ? spec.task.k : undefined,
    );
    Object.assign(metrics, cv.metrics);
    ctx.log(
      `cross-validated on ${folds.length} folds: ${Object.entries(cv.metrics)
        .filter(([k]) => !k.endsWith(".sd") && k !== "cv.folds")
        .map(([k, v]) => `${k} = ${v.toFixed(4)} ± ${cv.metrics[`${k}.sd`]!.toFixed(4)}`)
        .join(", ")}`,
    );
  }
  const predictions: Partial<Record<Part, Float64Array>> = {};
  const ranking =
    spec.task.kind === "rank"
      ? rankingEvaluation(
          spec.task,
          Object.fromEntries(PARTS.flatMap((p) => (prep.parts[p] ? [[p, prep.parts[p]!.table]] : []))),
          prep.parts.train!.data.y,
        )
      : undefined;
  for (const part of ["valid", "test"] as const) {
    const p = prep.parts[part];
    if (p) predictions[part] = model.predict(p.data.X);
  }
  // a binary classifier's threshold: fixed, or chosen by its decision on the valid rows
  const decision = chooseDecision(spec, prep, predictions.valid, model.outputWidth);
  if (decision) metrics.decision_threshold = decision.threshold;
  const reportDecision = decision
    ? {
        threshold: decision.threshold,
        ...(decision.summary ? { rule: String(decision.summary.rule) } : {}),
        ...(decision.input.costs ? { costs: decision.input.costs } : {}),
      }
    : undefined;
  // the report's curves, decision and tuning charts are drawn in its thread from now, beside the
  // evaluations and robustness suites below, instead of after them
  const reportBase = {
    spec,
    algorithm: estimator.algorithm,
    task: prep.task,
    model,
    rawModel: outcome.model,
    parts: prep.parts,
    predictions,
    seed,
    ...(reportDecision ? { decision: reportDecision } : {}),
    ...(outcome.study ? { study: outcome.study } : {}),
  };
  prerenderReportCharts(reportBase, early);
  // The splits' bootstrap evaluations run in the report's evaluate lane (report-thread.ts) while
  // the robustness suites below run here; their metrics are added in the same order as before.
  const evaluations: Array<Promise<Record<string, number>>> = [];
  const evaluate = (split: string, input: MetricInput): void => {
    const e = early.thread.evaluate(split, prep.task.kind, input, { seed, resamples: 1000 });
    // awaited below; a robustness failure first must not leave an unhandled rejection
    e.catch(() => {});
    evaluations.push(e);
  };
  for (const part of ["valid", "test"] as const) {
    const p = prep.parts[part];
    const pred = predictions[part];
    if (!p || !pred || !p.data.y) continue;
    const input = {
      y: p.data.y,
      pred,
      width: model.outputWidth,
      ...(p.data.group ? { group: p.data.group } : {}),
      ...(ranking ? ranking.fields(part) : {}),
      ...(spec.task.kind === "detect_anomalies" ? { k: spec.task.k } : {}),
      ...(decision ? { decision: decision.input } : {}),
    };
    evaluate(part, input);
    if (ranking) {
      const note = trivialRanking(input);
      if (note) ctx.log(`${part}: ${note}`);
    }
    const baseline = ranking?.baseline(part);
    if (baseline) evaluate(`baseline.${part}`, { ...input, pred: baseline });
  }

  // `robustness { … }`: perturbation suites on the test rows, scored as the test metrics are
  const robustnessRun = modelRobustness(ctx, {
    task: prep.task,
    pipeline: prep.pipeline,
    model,
    train: prep.parts.train!.table,
    ...(prep.parts.valid ? { valid: prep.parts.valid.table } : {}),
    ...(prep.parts.test
      ? {
          test: {
            table: prep.parts.test.table,
            ...(prep.parts.test.data.y ? { y: prep.parts.test.data.y } : {}),
          },
        }
      : {}),
    threshold: decision?.threshold ?? spec.threshold,
    seed,
  });
  robustnessRun.catch(() => {});
  // an evaluation's failure is reported before the robustness suites', as when they ran in turn
  for (const e of evaluations) Object.assign(metrics, await e);
  const robustness = await robustnessRun;
  if (robustness) Object.assign(metrics, robustness.metrics);

  const onnx = composeOnnx(spec.name, prep.pipeline, model);
  // an anomaly model's decision, calibrated on the validation part (the training rows without one),
  // and on the reviewed events of `on = REVIEWS` scored through the model's ONNX form
  const reviewed = await reviewedRows(ctx, spec.name, spec.anomalyRule, onnx, prep.pipeline.rawInputs);
  const anomalyThreshold = decideAnomalyThreshold(
    spec,
    prep.parts,
    predictions.valid,
    (X) => model.predict(X),
    reviewed,
  );
  if (anomalyThreshold !== undefined) metrics.anomaly_threshold = anomalyThreshold;
  if (reviewed)
    ctx.log(
      `threshold calibrated with ${reviewed.y.length} reviewed event${reviewed.y.length === 1 ? "" : "s"} of ${reviewed.source} (${reviewed.y.reduce((a, b) => a + b, 0)} anomalies)`,
    );
  const parityPart = prep.parts.test ?? prep.parts.valid ?? prep.parts.train!;
  await checkFeatureParity(spec.name, prep.pipeline, parityPart.table, parityPart.data.X);
  const parityPred = predictions.test ?? predictions.valid ?? model.predict(parityPart.data.X);
  const parity = await checkOnnxParity(
    spec.name,
    onnx,
    prep.pipeline.rawInputs,
    parityPart.table,
    parityPred,
  );
  metrics.onnx_parity_max_diff = parity.maxAbsDiff;
  // `export { quantize = … }`: the quantised graph's size and parity loss on the test rows
  const exported = await measureExports(ctx, {
    onnx,
    rawInputs: prep.pipeline.rawInputs,
    task: prep.task,
    width: model.outputWidth,
    threshold: decision?.threshold ?? spec.threshold,
    ...(prep.parts.test
      ? {
          test: {
            table: prep.parts.test.table,
            ...(prep.parts.test.data.y ? { y: prep.parts.test.data.y } : {}),
          },
        }
      : {}),
  });
  if (exported) Object.assign(metrics, exported);

  const artifacts: Record<string, string> = {
    model: await ctx.artifacts.put(model.serialize()),
    pipeline: await ctx.artifacts.put(prep.pipeline.serialize()),
    onnx: await ctx.artifacts.put(onnx),
  };
  for (const [part, pred] of Object.entries(predictions))
    artifacts[`${part}_predictions`] = await ctx.artifacts.put(f64Bytes(pred));
  // a re-ranker's rows carry its history features: the tables gates re-score a champion on hold them
  for (const part of PARTS)
    if (hashes[part])
      artifacts[`${part}_table`] = withH ? await saveTable(ctx.artifacts, tables[part]!) : hashes[part]!;
  if (calibration) artifacts.calibrator = await ctx.artifacts.put(calibration.bytes);
  // a factorisation model's tables, catalogue and popularity: what /v1/recommend retrieves from
  const retrieval = retrievalOf(spec, model, prep.parts.train!, ctx.inputNodes?.get(`split.${spec.data}`));
  if (retrieval) artifacts.retrieval = await ctx.artifacts.put(retrieval.serialize());
  // a re-ranker's training history, from which /v1/recommend computes a candidate's features
  if (withH) artifacts.history = await ctx.artifacts.put(withH.history.serialize());
  const reportInput = {
    ...reportBase,
    metrics,
    ...(rowKey !== undefined ? { rowKey } : {}),
    ...(calibration ? { calibration } : {}),
    ...(robustness ? { robustness: robustness.suites } : {}),
    early,
  };
  Object.assign(artifacts, await modelReportArtifacts(ctx, reportInput, prep.pipeline.rawInputs));

  const declared = ctx.inputs.get(`features.${spec.features.from}`)?.summary?.column_types;
  const inputs = bundleInputs(
    prep.pipeline.rawInputs,
    PARTS.flatMap((p) => (tables[p] ? [tables[p]!] : [])),
    typeof declared === "object" && declared !== null && !Array.isArray(declared) ? declared : {},
    prep.pipeline.refuseUnseen,
  );
  // The reference profiles a monitor compares the prediction log with: inputs and outputs per part.
  const profiles = referenceProfiles(
    inputs,
    tables,
    { ...predictions, train: model.predict(prep.parts.train!.data.X) },
    prep.task,
    model.outputWidth,
  );
  artifacts.reference_profile = await ctx.artifacts.put(new TextEncoder().encode(JSON.stringify(profiles)));
  const summary: { [k: string]: Json } = {
    algorithm: estimator.algorithm,
    params: outcome.params as { [k: string]: Json },
    task: taskJson(prep.task),
    features: prep.pipeline.outputNames,
    inputs: inputsJson(inputs),
    output_width: model.outputWidth,
    threshold: decision?.threshold ?? spec.threshold,
    ...(decision?.summary ? { decision: decision.summary } : {}),
    ...(anomalyThreshold !== undefined ? { anomaly_threshold: anomalyThreshold } : {}),
    row_key: rowKey ?? null,
    ...ensemble?.summary,
    ...(start ? { parent: start.version } : {}),
    ...(model.bestIteration !== undefined ? { best_iteration: model.bestIteration } : {}),
    ...(outcome.study
      ? {
          tuning: {
            key,
            trials: outcome.study.trials.length,
            ran: outcome.study.ran,
            best_trial: outcome.study.best?.index ?? null,
            best_value: outcome.study.best ? (Object.values(outcome.study.best.values)[0] ?? null) : null,
            ...(spec.tune!.objectives.length > 1 ? { pareto: outcome.study.pareto.map((t) => t.index) } : {}),
          },
        }
      : {}),
  };

  if (ctx.state) {
    const registry = new ModelRegistry(ctx.state);
    // A rank task's k, relevance threshold and item column change its metrics, not its bytes: an
    // identical model evaluated differently is a new version, not the old one with stale metrics.
    // An anomaly threshold (recalibrated, e.g. on new reviewed labels) is part of what a version serves.
    const fingerprint = createHash("sha256")
      .update(
        artifacts.model! +
          artifacts.onnx! +
          (spec.task.kind === "rank" ? canonicalJson(spec.task) : "") +
          // a decision changes the threshold and the metrics, not the bytes
          (spec.decision ? canonicalJson(spec.decision as unknown as Json) : "") +
          // robustness suites and export measurements add metrics, not bytes
          measuredBlocksKey(ctx.node.config) +
          (anomalyThreshold !== undefined ? `threshold:${anomalyThreshold}` : "") +
          // a warm start's version names what it continued from
          (start ? `parent:${start.version}` : ""),
      )
      .digest("hex");
    const existing = await registry.findByFingerprint(spec.name, fingerprint);
    const version =
      existing ??
      (await registry.addVersion({
        model: spec.name,
        artifacts,
        metrics,
        algorithm: estimator.algorithm,
        params: outcome.params as Record<string, Json>,
        fingerprint,
        runId: ctx.runId ?? "",
        ...(await commit),
        ...(start ? { parent: start.version } : {}),
      }));
    summary.version = version.version;
    metrics.version = version.version;
    await dropCheckpoints(ctx, spec.name);
  }
  return { artifacts, metrics, summary };
}

/** The `robustness` and `export` blocks of a model config, as the version fingerprint reads them ("" without). */
function measuredBlocksKey(config: { [k: string]: Json }): string {
  const settings = robustnessSettingsOf(config);
  const precisions = exportPrecisionsOf(config);
  if (!settings && !precisions) return "";
  return canonicalJson({
    ...(settings ? { robustness: settings as unknown as Json } : {}),
    ...(precisions ? { export: precisions } : {}),
  });
}

/**
 * The spec's git commit, when the project is in a git work tree. Asked when the node starts and read
 * when it records its version: git runs beside the fit instead of blocking the thread at the end.
 */
function specCommit(dir: string): Promise<{ specCommit?: string }> {
  return new Promise((resolve) => {
    try {
      execFile("git", ["-C", dir, "rev-parse", "HEAD"], { timeout: 2000 }, (err, stdout) => {
        const out = err ? "" : stdout.trim();
        resolve(/^[0-9a-f]{40}$/.test(out) ? { specCommit: out } : {});
      }).stdin?.end();
    } catch {
      resolve({});
    }
  });
}

/** Raising `tune.trials` and nothing else continues the recorded search: "20 more trials". */
function incrementalChange(
  oldConfig: { [k: string]: Json },
  newConfig: { [k: string]: Json },
): string | undefined {
  const split = (c: { [k: string]: Json }): { trials?: number; rest: string } => {
    const copy = structuredClone(c);
    const tune = Array.isArray(copy.tune)
      ? (copy.tune[0] as { attributes?: { [k: string]: Json } } | undefined)
      : undefined;
    const trials = tune?.attributes?.trials;
    if (tune?.attributes) delete tune.attributes.trials;
    return { ...(typeof trials === "number" ? { trials } : {}), rest: canonicalJson(copy) };
  };
  const a = split(oldConfig);
  const b = split(newConfig);
  if (a.trials === undefined || b.trials === undefined || b.trials <= a.trials || a.rest !== b.rest)
    return undefined;
  const n = b.trials - a.trials;
  return `${n} more trial${n === 1 ? "" : "s"}`;
}

/**
 * An imported model's file is part of its identity: editing the .onnx file re-evaluates it. A warm
 * start's champion is too (warm-start.ts): the plan retrains when another version becomes its start.
 */
async function dataFingerprint(
  node: GraphNode,
  projectDir: string,
  cache: StatCache,
  records?: RegistryRecords,
): Promise<DataFingerprint | undefined> {
  if (readWarmStart(node.config).init) return warmStartFingerprint(node.name, records);
  const file = readModelSpec(node.name, node.config).algorithm.file;
  if (!file) return undefined;
  const h = await hashFileCached(resolveDataPath(projectDir, file, false), cache);
  return { hash: h.hash, bytes: h.bytes, description: file };
}

export const modelExecutor: Executor = {
  kind: "model",
  version: MODEL_EXECUTOR_VERSION,
  changeAction: "replace",
  run,
  incrementalChange,
  dataFingerprint,
};
