// The report of one model run: metrics with intervals, curves, confusion, importance (TreeSHAP or
// permutation), partial dependence, fairness, champion comparison, calibration and tuning, built
// with src/ml/report and stored as the model node's `report_json`/`report_html` artifacts.
import type { ColumnTable } from "arquero";
import type { RawInput } from "../../data/pipeline.js";
import { columnValues } from "../../data/table-columns.js";
import type { Dataset, Task, TrainedModel } from "../../ml/estimator.js";
import { permutationImportance, type PartialDependence } from "../../ml/explain/index.js";
import { fairnessReport } from "../../ml/fairness/index.js";
import { metricFor, metricsForTask } from "../../ml/metrics/index.js";
import { takeRows, type Matrix } from "../../ml/matrix.js";
import {
  buildReportJson,
  REPORT_FAIRNESS_PICK,
  renderReportHtml,
  reportJsonText,
  type FairnessSection,
  type ReportInput,
  type ReportJson,
} from "../../ml/report/index.js";
import { compareModels } from "../../ml/stats/index.js";
import type { SplitEvaluation } from "../../ml/stats/evaluate.js";
import { Rng, mixSeed } from "../../ml/random.js";
import { TreeModel } from "../../ml/tree/model.js";
import { meanAbsShap } from "../../ml/tree-shap.js";
import type { TrialRecord } from "../../ml/tune/index.js";
import type { ArtifactAccess, ExecContext } from "../../ir/executor.js";
import { ModelRegistry, type ModelVersion } from "../../registry/model-registry.js";
import type { CalibrationOutcome } from "./calibrate.js";
import { championScorer } from "./champion-scoring.js";
import { rowsUnseenByChampion } from "./champion-rows.js";
import type { ModelSpec } from "./model-spec.js";
import type { OutcomeCosts } from "../../ml/decision-threshold.js";
import { studyObjective } from "./objective-values.js";
import type { SuiteResult } from "./robustness.js";
import { startReportThread, type ReportThread } from "./report-thread.js";
import { topPartialDependence, treeShapImportanceSection } from "./report-explain.js";

type Part = "valid" | "test";

export interface ModelReportInput {
  spec: ModelSpec;
  algorithm: string;
  task: Task;
  /** The model whose predictions were evaluated (calibrated when the spec asks for it). */
  model: TrainedModel;
  /** The estimator's own model (TreeSHAP reads its trees; margins are before any calibrator). */
  rawModel: TrainedModel;
  parts: Partial<Record<Part, { data: Dataset; table: ColumnTable }>>;
  predictions: Partial<Record<Part, Float64Array>>;
  /** The executor's metrics (`test.auc`, `test.auc.lower`…): the report shows the same numbers the gate reads. */
  metrics: Record<string, number>;
  seed: number;
  calibration?: CalibrationOutcome;
  /** A binary classifier's threshold, and with a decision block its rule and outcome costs. */
  decision?: { threshold: number; rule?: string; costs?: OutcomeCosts };
  study?: { trials: readonly TrialRecord[]; best?: TrialRecord; pareto?: readonly TrialRecord[] };
  /** The robustness suites the model ran on its test rows. */
  robustness?: SuiteResult[];
  /** The current champion of this model, re-scored on the same test rows. */
  champion?: ModelVersion;
  /** The split's row key (undefined: rows are matched by content) for finding rows the champion saw. */
  rowKey?: string;
  artifacts: ArtifactAccess;
  createdAt?: string;
  /** Work started before the model was evaluated (startEarlyReport), and the thread that draws the charts. */
  early?: EarlyReport;
}

/** The report thread, and the TreeSHAP importance it started on the explained rows. */
export interface EarlyReport {
  thread: ReportThread;
  importance?: Promise<Float64Array | undefined>;
  /**
   * The partial dependence of the top features by that importance, computed beside it in the report
   * thread, which draws their charts too (when the report explains the tree model itself).
   */
  partial?: Promise<PartialDependence[] | undefined>;
  /** The importance and partial dependence, computed once the importance answers (prerenderReportCharts). */
  explained?: Promise<Explained>;
}

/** The report's importance section (undefined without one) and the partial dependence of its top features. */
interface Explained {
  imp: Awaited<ReturnType<typeof importance>>;
  partial?: PartialDependence[];
}

/** The part the report explains and compares on: test when it has labels, else valid. */
const evalPartOf = (parts: ModelReportInput["parts"]): Part | undefined =>
  parts.test?.data.y ? "test" : parts.valid?.data.y ? "valid" : undefined;

/** The rows TreeSHAP, permutation importance and partial dependence read: a seeded sample. */
function explainedRows(data: Dataset, seed: number): { rows: Uint32Array; X: Matrix } {
  const rows = sampleRows(data.X.nRows, MAX_EXPLAIN_ROWS, seed);
  return { rows, X: rows.length === data.X.nRows ? data.X : takeRows(data.X, rows) };
}

/** The report's model header (name, algorithm, task and classes). */
export function reportModel(spec: ModelSpec, algorithm: string, task: Task): ReportInput["model"] {
  const classes = task.kind === "binary" || task.kind === "multiclass" ? task.classes : undefined;
  return { name: spec.name, algorithm, task: task.kind, ...(classes ? { classes } : {}) };
}

/**
 * Starts the report thread and, right after the fit, the TreeSHAP importance of the raw model on
 * the explained rows, so it runs beside the model's evaluation; buildModelReport awaits it. With
 * `explains` (the model the report explains, its header) and a tree model explained as it is (no
 * calibrator), the thread also computes the partial dependence of the top features and draws the
 * importance and partial dependence charts, without waiting for the main thread between them.
 */
export function startEarlyReport(
  rawModel: TrainedModel,
  parts: ModelReportInput["parts"],
  seed: number,
  opts: { thread?: ReportThread; explains?: { model: TrainedModel; header: ReportInput["model"] } } = {},
): EarlyReport {
  const thread = opts.thread ?? startReportThread();
  const part = evalPartOf(parts);
  if (!part) return { thread };
  const { X } = explainedRows(parts[part]!.data, seed);
  // awaited by the report; a run that fails before them must not leave an unhandled rejection
  const quiet = <T>(p: Promise<T>): Promise<T> => {
    p.catch(() => {});
    return p;
  };
  const explains = opts.explains;
  if (explains && explains.model === rawModel && rawModel instanceof TreeModel) {
    const both = quiet(thread.explain(rawModel, X, { X: parts[part]!.data.X, seed, model: explains.header }));
    return {
      thread,
      importance: quiet(both.then((r) => r?.values)),
      partial: quiet(both.then((r) => r?.partial)),
    };
  }
  return { thread, importance: quiet(thread.importance(rawModel, X)) };
}

/** The threshold the model decides at: its decision's, else the spec's. */
const thresholdOf = (inp: Pick<ModelReportInput, "decision" | "spec">): number =>
  inp.decision?.threshold ?? inp.spec.threshold;

/** Rows explained by TreeSHAP / permuted / averaged for partial dependence: enough for stable means, fast. */
const MAX_EXPLAIN_ROWS = 1000;
const MAX_GROUPS = 20;
const MAX_FAIRNESS_COLUMNS = 8;
const COMPARE_RESAMPLES = 300;

/** SplitEvaluation from the executor's `<part>.<metric>[.lower|.upper]` keys (no recomputation). */
function splitEvaluation(
  part: string,
  task: Task,
  metrics: Record<string, number>,
): SplitEvaluation | undefined {
  const rows = metrics[`${part}.rows`];
  if (rows === undefined) return undefined;
  const v = (k: string): number | null => (Number.isFinite(metrics[k]) ? metrics[k]! : null);
  return {
    rows,
    metrics: metricsForTask(task.kind, { items: true, costs: true })
      .filter((m) => `${part}.${m.name}` in metrics)
      .map((m) => ({
        name: m.name,
        direction: m.direction,
        value: v(`${part}.${m.name}`),
        lower: v(`${part}.${m.name}.lower`),
        upper: v(`${part}.${m.name}.upper`),
        level: 0.95,
      })),
  };
}

/** A seeded sample of at most `max` rows (all rows, in order, when there are fewer). */
export function sampleRows(n: number, max: number, seed: number): Uint32Array {
  const idx = Uint32Array.from({ length: n }, (_, i) => i);
  if (n <= max) return idx;
  return new Rng(mixSeed(seed, 0x5a)).shuffle(idx).subarray(0, max).sort();
}

/** Mean |SHAP| per feature (summed over outputs), or undefined when the model is not a tree ensemble. */
export function treeShapImportance(model: TrainedModel, X: Matrix): Float64Array | undefined {
  return model instanceof TreeModel ? meanAbsShap(model.ensemble, X) : undefined;
}

/** What importance and partial dependence read of the report input. */
type ExplainInput = Pick<ModelReportInput, "early" | "rawModel" | "model" | "task" | "seed">;

async function importance(
  inp: ExplainInput,
  data: Dataset,
): Promise<{ section: NonNullable<ReportJson["importance"]>; order: number[] } | undefined> {
  const { rows, X } = explainedRows(data, inp.seed);
  const names = data.X.names;
  const shap = inp.early?.importance ? await inp.early.importance : treeShapImportance(inp.rawModel, X);
  if (shap) return treeShapImportanceSection(shap, names);
  if (!data.y) return undefined;
  const metric = metricsForTask(inp.task.kind)[0]!;
  // Ranking metrics need whole groups: permute on all rows then.
  const sub = data.group ? data : { X, y: Float64Array.from(rows, (i) => data.y![i]!) };
  const r = permutationImportance(
    inp.model,
    sub as { X: Matrix; y: Float64Array; group?: Int32Array },
    metric,
    { repeats: 3, seed: inp.seed },
  );
  const features = [...r.importances].sort((a, b) => b.mean - a.mean || a.index - b.index);
  return {
    section: {
      method: "permutation",
      metric: metric.name,
      features: features.map((f) => ({ feature: f.feature, value: f.mean, std: f.std })),
    },
    order: features.map((f) => f.index),
  };
}

/** Importance of the features on the explained rows, and the partial dependence of the top three. */
async function explain(inp: ExplainInput, data: Dataset): Promise<Explained> {
  const imp = await importance(inp, data);
  if (!imp) return { imp };
  // computed beside the importance in the report thread, or here
  const partial = (await inp.early?.partial) ?? topPartialDependence(inp.model, data.X, imp.order, inp.seed);
  return { imp, partial };
}

/**
 * The categorical raw input whose groups the model treats most differently (largest parity
 * difference), ≤ 20 groups. Gates add the tables of their own `by = …` columns (see `mlc report`).
 */
function fairness(
  inp: ModelReportInput,
  table: ColumnTable,
  y: Float64Array,
  pred: Float64Array,
  rawInputs: readonly RawInput[],
): FairnessSection | undefined {
  if (inp.task.kind !== "binary") return undefined;
  let best: FairnessSection | undefined;
  const metrics = ["auc", "accuracy"].map((m) => metricFor(m)!);
  for (const input of rawInputs.filter((i) => i.type === "string").slice(0, MAX_FAIRNESS_COLUMNS)) {
    if (!table.columnNames().includes(input.name)) continue;
    const v = columnValues(table, input.name) as ArrayLike<unknown>;
    const groups = Array.from({ length: v.length }, (_, i) => String(v[i] ?? "(null)"));
    const distinct = new Set(groups).size;
    if (distinct < 2 || distinct > MAX_GROUPS) continue;
    const report = fairnessReport(y, pred, groups, { threshold: thresholdOf(inp), metrics });
    if (!best || report.demographicParityDifference > best.report.demographicParityDifference)
      best = { split: "test", by: input.name, source: REPORT_FAIRNESS_PICK, report };
  }
  return best;
}

/** Re-scores the champion's deployable graph on the test rows and compares (paired) with this model. */
async function championSection(
  inp: ModelReportInput,
  y: Float64Array,
  pred: Float64Array,
  table: ColumnTable,
): Promise<ReportJson["champion"]> {
  const c = inp.champion;
  if (!c)
    return { status: "first_run", note: `no champion of ${inp.spec.name} yet: nothing to compare with` };
  try {
    const score = await championScorer(inp.artifacts, c);
    if (!score)
      return { status: "first_run", note: `champion version ${c.version} has no ONNX graph to re-score` };
    const sample = await rowsUnseenByChampion(inp.artifacts, c, table, "test", inp.rowKey);
    if (sample.keep.length === 0)
      return { status: "first_run", note: `${sample.note}: nothing left to compare on` };
    const keep = Array.from(sample.keep);
    const width = inp.model.outputWidth;
    if (sample.overlap > 0) {
      table = table.reify(keep);
      y = Float64Array.from(keep, (r) => y[r]!);
      pred = Float64Array.from(
        { length: keep.length * width },
        (_, i) => pred[keep[Math.floor(i / width)]! * width + (i % width)]!,
      );
    }
    const group = inp.parts.test?.data.group;
    const champ = await score(table);
    if (champ.length !== pred.length)
      return {
        status: "first_run",
        note: `champion version ${c.version} outputs ${champ.length / y.length} columns, this model ${inp.model.outputWidth}: not comparable`,
      };
    // each decides at its own threshold (the champion's as recorded, 0.5 before decisions), costed alike
    const own = inp.decision
      ? { threshold: inp.decision.threshold, ...(inp.decision.costs ? { costs: inp.decision.costs } : {}) }
      : undefined;
    const recorded = c.metrics.decision_threshold;
    const rows = compareModels(
      inp.task.kind,
      {
        y,
        width: inp.model.outputWidth,
        ...(group ? { group: sample.overlap > 0 ? Int32Array.from(keep, (r) => group[r]!) : group } : {}),
        ...(own ? { decision: own } : {}),
      },
      pred,
      champ,
      {
        seed: inp.seed,
        resamples: COMPARE_RESAMPLES,
        ...(own ? { decisionB: { ...own, threshold: typeof recorded === "number" ? recorded : 0.5 } } : {}),
      },
    );
    return {
      status: "compared",
      version: c.version,
      split: "test",
      rows,
      sample: { used: keep.length, overlap: sample.overlap, checked: sample.checked, note: sample.note },
    };
  } catch (e) {
    return {
      status: "first_run",
      note: `champion version ${c.version} cannot score the test rows: ${(e as Error).message}`,
    };
  }
}

/** What the report's early charts read: known once the model's predictions and decision are. */
type EarlyChartsInput = Pick<
  ModelReportInput,
  | "spec"
  | "algorithm"
  | "task"
  | "model"
  | "rawModel"
  | "parts"
  | "predictions"
  | "decision"
  | "study"
  | "seed"
>;

/**
 * The report input's model, predictions, decision and tuning: everything the curves, confusion,
 * decision and tuning charts are drawn from (the rest of the report comes later).
 */
function earlyReportInput(
  inp: EarlyChartsInput,
): Pick<ReportInput, "model" | "predictions" | "decision" | "tuning"> {
  const evalPart = evalPartOf(inp.parts);
  const tune = inp.spec.tune;
  return {
    model: reportModel(inp.spec, inp.algorithm, inp.task),
    ...(evalPart
      ? {
          predictions: {
            split: evalPart,
            y: inp.parts[evalPart]!.data.y!,
            pred: inp.predictions[evalPart]!,
            width: inp.model.outputWidth,
            threshold: thresholdOf(inp),
          },
        }
      : {}),
    ...(inp.decision?.rule && inp.parts.valid?.data.y && inp.predictions.valid
      ? {
          decision: {
            rule: inp.decision.rule,
            threshold: inp.decision.threshold,
            split: "valid",
            ...(inp.decision.costs ? { costs: inp.decision.costs } : {}),
            y: inp.parts.valid.data.y,
            pred: inp.predictions.valid,
          },
        }
      : {}),
    ...(tune && inp.study
      ? {
          tuning: {
            method: tune.method,
            objective: studyObjective(tune),
            space: inp.spec.space,
            trials: inp.study.trials,
            ...(inp.study.best ? { best: inp.study.best } : {}),
            ...(inp.study.pareto ? { pareto: inp.study.pareto } : {}),
          },
        }
      : {}),
  };
}

/**
 * Has the report thread draw the charts known once the model is evaluated (curves, confusion,
 * decision, tuning) while the executor goes on (robustness, ONNX checks), and those of the
 * importance and partial dependence once the importance answers (both kept in `early.explained`
 * for the report); the report's render then finds them drawn. The report's bytes are the same.
 */
export function prerenderReportCharts(inp: EarlyChartsInput, early: EarlyReport): void {
  const base = earlyReportInput(inp);
  early.thread.prerender({ ...base, splits: {} });
  const evalPart = evalPartOf(inp.parts);
  if (!evalPart) return;
  const explained = explain({ ...inp, early }, inp.parts[evalPart]!.data);
  early.explained = explained;
  // awaited by the report; a run that fails before it must not leave an unhandled rejection
  explained.catch(() => {});
  // drawn in the report thread beside the partial dependence, when it computed that
  if (early.partial) return;
  void explained.then(
    ({ imp, partial }) => {
      if (imp)
        early.thread.prerender({
          model: base.model,
          splits: {},
          importance: imp.section,
          ...(partial?.length ? { partialDependence: partial } : {}),
        });
    },
    () => {},
  );
}

export async function buildModelReport(
  inp: ModelReportInput,
  rawInputs: readonly RawInput[],
): Promise<ReportJson> {
  const splits: Record<string, SplitEvaluation> = {};
  // A rank task with `item = …` also has its popularity baseline, shown beside the model.
  for (const part of ["valid", "test", "baseline.valid", "baseline.test"]) {
    const e = splitEvaluation(part, inp.task, inp.metrics);
    if (e) splits[part] = e;
  }
  const evalPart = evalPartOf(inp.parts);
  const { model, predictions, decision, tuning } = earlyReportInput(inp);
  let partial: PartialDependence[] | undefined;
  let imp: Explained["imp"];
  let fair: FairnessSection | undefined;
  let champion: ReportJson["champion"];
  if (evalPart) {
    const { data, table } = inp.parts[evalPart]!;
    const pred = inp.predictions[evalPart]!;
    ({ imp, partial } = await (inp.early?.explained ?? explain(inp, data)));
    fair = fairness(inp, table, data.y!, pred, rawInputs);
    if (evalPart === "test") champion = await championSection(inp, data.y!, pred, table);
  }
  return buildReportJson({
    model,
    ...(inp.createdAt ? { createdAt: inp.createdAt } : {}),
    splits,
    ...(predictions ? { predictions } : {}),
    ...(decision ? { decision } : {}),
    ...(imp ? { importance: imp.section } : {}),
    ...(partial?.length ? { partialDependence: partial } : {}),
    ...(fair ? { fairness: [fair] } : {}),
    ...(champion ? { champion } : {}),
    ...(inp.robustness?.length ? { robustness: inp.robustness } : {}),
    ...(inp.calibration
      ? {
          calibration: {
            method: inp.calibration.calibrator.kind,
            split: inp.calibration.split,
            eceBefore: inp.calibration.eceBefore,
            eceAfter: inp.calibration.eceAfter,
          },
        }
      : {}),
    ...(tuning ? { tuning } : {}),
  });
}

/**
 * Builds the report of a model run and stores report.json and report.html as artifacts; the
 * champion (when the state store has one) is looked up here. Returns the artifact roles to add.
 */
export async function modelReportArtifacts(
  ctx: ExecContext,
  inp: Omit<ModelReportInput, "artifacts" | "champion">,
  rawInputs: readonly RawInput[],
): Promise<{ report_json: string; report_html: string }> {
  const t0 = performance.now();
  const champion = ctx.state
    ? await new ModelRegistry(ctx.state).alias(inp.spec.name, "champion")
    : undefined;
  const report = await buildModelReport(
    { ...inp, artifacts: ctx.artifacts, ...(champion ? { champion } : {}) },
    rawInputs,
  );
  // the charts are drawn in the report thread when there is one (it loaded vega meanwhile)
  const html = inp.early ? await inp.early.thread.render(report) : await renderReportHtml(report);
  // The time includes drawing the charts (vega, some tens of ms a chart).
  ctx.log(
    `report built in ${Math.round(performance.now() - t0)} ms${champion ? ` (compared with champion version ${champion.version})` : ""}`,
  );
  const enc = new TextEncoder();
  return {
    report_json: await ctx.artifacts.put(enc.encode(reportJsonText(report))),
    report_html: await ctx.artifacts.put(enc.encode(html)),
  };
}
