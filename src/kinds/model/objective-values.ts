// The value of every search objective for one fitted trial model: validation metrics and measures
// of the model itself (`model.bytes`). Shared by the main thread and the trial worker, so a trial
// scores the same wherever it was fitted.
import type { Dataset, TrainedModel } from "../../ml/estimator.js";
import { metricFor } from "../../ml/metrics/index.js";
import type { Metric } from "../../ml/metrics/types.js";
import type { ObjectiveSpec, PickRule } from "../../ml/tune/trial.js";
import { decisionThreshold, type DecisionSpec } from "../../ml/decision-threshold.js";

/**
 * One search objective. `maximize(valid.auc)` → { split: "valid", metric: "auc", direction:
 * "maximize" }; `minimize(model.bytes)` → { split: "model", metric: "bytes", … }, a measure of the
 * fitted trial model itself rather than of a split's rows.
 */
export interface TuneObjective {
  split: string;
  metric: string;
  direction: "maximize" | "minimize";
}

/** The fitted-model measures an objective may name (`model.bytes`); the checker knows the same list. */
export const MODEL_MEASURES = ["bytes"] as const;

/** The key of an objective's value in a trial record: `auc` for `valid.auc` (as single-objective studies always recorded it), `model.bytes`. */
export function objectiveKey(o: TuneObjective): string {
  return o.split === "valid" ? o.metric : `${o.split}.${o.metric}`;
}

export type ObjectiveScorer = (model: TrainedModel) => Record<string, number>;

/** A rank task's cut-off and relevance threshold, which its metrics read. */
export interface RankingCut {
  k: number;
  relevant?: number;
}

/** The ranking options of a task spec (undefined for other tasks). */
export function rankingCut(task: { kind: string; k?: number; relevant?: number }): RankingCut | undefined {
  if (task.kind !== "rank" || task.k === undefined) return undefined;
  return { k: task.k, ...(task.relevant !== undefined ? { relevant: task.relevant } : {}) };
}

/**
 * A scorer for `objectives` on the validation rows; throws (a plain Error, the caller wraps it)
 * for a metric or measure it does not know. Predicts once however many metrics there are. A binary
 * classifier's threshold metrics (and `cost`, `profit`) are taken at the threshold its decision
 * chooses on the same rows, as the refitted model's will be; NaN when the rule cannot choose one.
 */
export function objectiveScorer(
  objectives: readonly TuneObjective[],
  valid: Dataset,
  ranking?: RankingCut,
  /** An anomaly task's `k` (the cut-off of precision_at_k). */
  k?: number,
  /** A classifier's decision (its fixed threshold when the spec has no decision block). */
  decision?: DecisionSpec,
): ObjectiveScorer {
  const metrics: Array<{ key: string; metric: Metric }> = [];
  const measures: Array<{ key: string; measure: (m: TrainedModel) => number }> = [];
  for (const o of objectives) {
    const key = objectiveKey(o);
    if (o.split === "model") {
      if (o.metric !== "bytes") throw new Error(`tune objective: unknown model measure model.${o.metric}`);
      // The estimator's own serialized form: what the registry stores, a proxy for memory and load time.
      measures.push({ key, measure: (m) => m.serialize().byteLength });
    } else {
      const metric = metricFor(o.metric);
      if (!metric) throw new Error(`tune objective: unknown metric ${o.metric}`);
      metrics.push({ key, metric });
    }
  }
  return (model) => {
    const out: Record<string, number> = {};
    if (metrics.length) {
      const pred = model.predict(valid.X);
      const args = {
        y: valid.y!,
        pred,
        width: model.outputWidth,
        ...(valid.group ? { group: valid.group } : {}),
        ...(ranking ? { ranking } : {}),
        ...(k !== undefined ? { k } : {}),
      };
      const chosen =
        decision && model.outputWidth === 1 ? decisionThreshold(decision, valid.y!, pred) : undefined;
      if (chosen && "problem" in chosen) for (const { key } of metrics) out[key] = NaN;
      else {
        const at = chosen
          ? {
              ...args,
              decision: {
                threshold: chosen.threshold,
                ...(decision!.costs ? { costs: decision!.costs } : {}),
              },
            }
          : args;
        for (const { key, metric } of metrics) out[key] = metric.compute(at);
      }
    }
    for (const { key, measure } of measures) out[key] = measure(model);
    // In objective order, so logs and tables list them as the spec does.
    return Object.fromEntries(objectives.map((o) => [objectiveKey(o), out[objectiveKey(o)]!]));
  };
}

/** `auc = 0.81234, model.bytes = 48211`: metrics with 5 decimals, model measures as integers. */
export function formatObjectiveValues(
  objectives: readonly TuneObjective[],
  values: Record<string, number>,
): string {
  return objectives
    .map((o) => {
      const v = values[objectiveKey(o)];
      return `${objectiveKey(o)} = ${v === undefined ? "-" : o.split === "model" ? String(Math.round(v)) : v.toFixed(5)}`;
    })
    .join(", ");
}

/** The study's objective as src/ml/tune reads it: one target per objective, and the pick rule. */
export function studyObjective(tune: {
  objectives: readonly TuneObjective[];
  pick?: PickRule;
}): ObjectiveSpec {
  return {
    targets: tune.objectives.map((o) => ({ metric: objectiveKey(o), direction: o.direction })),
    ...(tune.pick ? { pick: tune.pick } : {}),
  };
}
