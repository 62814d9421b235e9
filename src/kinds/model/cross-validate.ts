// k-fold cross-validation over a kfold split's training rows: for each fold, the feature pipeline
// and the estimator are fitted on the other folds and scored on the held-out one. Metrics are the
// mean over folds (`cv.auc`) with their spread (`cv.auc.sd`, the sample standard deviation).
import type { ColumnTable } from "arquero";
import { buildPipeline } from "../../data/pipeline.js";
import { columnValues, numericValues, tableColumns } from "../../data/table-columns.js";
import type { Dataset, Estimator, FitContext, Params, Task } from "../../ml/estimator.js";
import { metricFor, metricsForTask } from "../../ml/metrics/index.js";
import { NodeFailure } from "../../ir/executor.js";
import type { Json } from "../../ir/graph-ir.js";
import { targets } from "./labels.js";
import type { ModelSpec } from "./model-spec.js";

/** The column a kfold split adds to its training rows. */
export const FOLD_COLUMN = "fold";

export interface FoldData {
  train: Dataset;
  held: Dataset;
}

/** Each fold's fitted-pipeline datasets; undefined when the training rows carry no folds. */
export function foldDatasets(
  spec: ModelSpec,
  train: ColumnTable,
  features: { [k: string]: Json },
  task: Task,
): FoldData[] | undefined {
  if (!train.columnNames().includes(FOLD_COLUMN)) return undefined;
  if (spec.task.kind === "rank" || !("label" in spec.task) || spec.task.label === undefined)
    throw new NodeFailure(
      `model ${spec.name}: cross-validation scores labelled rows; a ${spec.task.kind} task without a label cannot use a kfold split`,
    );
  const fold = numericValues(columnValues(train, FOLD_COLUMN));
  const k = Math.max(-1, ...fold) + 1;
  const out: FoldData[] = [];
  for (let f = 0; f < k; f++) {
    const fit: number[] = [];
    const held: number[] = [];
    fold.forEach((v, i) => (v === f ? held : fit).push(i));
    if (fit.length === 0 || held.length === 0)
      throw new NodeFailure(
        `model ${spec.name}: fold ${f} of ${k} has ${held.length} held-out rows and ${fit.length} to fit on; use fewer folds or more rows`,
      );
    const a = train.reify(fit);
    const b = train.reify(held);
    // Fitted transforms (standardize, impute, onehot) learn from the fold's own training rows only.
    const pipeline = buildPipeline(features, tableColumns(a), spec.features.select).fit(a);
    out.push({
      train: { X: pipeline.transform(a), y: targets(a, spec.task, task, "train")! },
      held: { X: pipeline.transform(b), y: targets(b, spec.task, task, "cv")! },
    });
  }
  return out;
}

export interface CvScore {
  /** `cv.<metric>` → mean over folds, `cv.<metric>.sd` → its standard deviation. */
  metrics: Record<string, number>;
  /** The serialized size of the first fold's model (`model.bytes` beside a cv objective). */
  bytes: number;
}

/**
 * Fits `params` on every fold and scores the held-out rows with `metricNames` (every metric of the
 * task when omitted). Folds fit one after another, each with the same seed.
 */
export async function crossValidate(
  estimator: Estimator,
  folds: readonly FoldData[],
  params: Params,
  task: Task,
  ctx: FitContext,
  metricNames?: readonly string[],
  /** An anomaly task's `k` (the cut-off of precision_at_k). */
  k?: number,
): Promise<CvScore> {
  const metrics = metricNames
    ? metricNames.map((m) => {
        const metric = metricFor(m);
        if (!metric) throw new NodeFailure(`cross-validation: unknown metric ${m}`);
        return metric;
      })
    : metricsForTask(task.kind);
  const values = new Map<string, number[]>(metrics.map((m) => [m.name, []]));
  let bytes = 0;
  for (const [i, f] of folds.entries()) {
    const model = await estimator.fit(f.train, undefined, params, task, ctx);
    if (i === 0) bytes = model.serialize().byteLength;
    const pred = model.predict(f.held.X);
    for (const m of metrics)
      values
        .get(m.name)!
        .push(m.compute({ y: f.held.y!, pred, width: model.outputWidth, ...(k !== undefined ? { k } : {}) }));
  }
  const out: Record<string, number> = {};
  for (const [name, v] of values) {
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, v.length - 1));
    out[`cv.${name}`] = mean;
    out[`cv.${name}.sd`] = sd;
  }
  out["cv.folds"] = folds.length;
  return { metrics: out, bytes };
}
