// Messages between report-thread.ts (main thread) and report-worker.ts: a TreeSHAP importance job
// (the tree ensemble as plain data, the explained rows; with `partial`, also the partial dependence
// of the top features and their charts), a chart-rendering job (the report JSON), a
// job drawing the charts known before the report (the report input of its curves, decision and
// tuning) and a split's evaluation with bootstrap intervals (evaluate.ts: the metric input, the options).
import type { TaskKind } from "../../ml/estimator.js";
import type { PartialDependence } from "../../ml/explain/index.js";
import type { MetricInput } from "../../ml/metrics/index.js";
import type { ReportInput, ReportJson } from "../../ml/report/index.js";
import type { TreeEnsemble } from "../../ml/tree/ensemble.js";
import type { Matrix } from "../../ml/matrix.js";
import type { EvalOptions } from "./evaluate.js";

/**
 * The partial dependence an importance job also computes, through the ensemble's own predictions (the
 * model the report explains is the ensemble, no calibrator): on `X`'s rows (the explained part's),
 * seeded by `seed`; with `model`, the worker then draws the importance and partial dependence charts
 * of the report of that model (the prerender job's work, without waiting for the main thread).
 */
export interface PartialJob {
  X: Matrix;
  seed: number;
  model?: ReportInput["model"];
}

export type ReportJob =
  | { kind: "importance"; id: number; ensemble: TreeEnsemble; X: Matrix; partial?: PartialJob }
  | { kind: "render"; id: number; report: ReportJson }
  | { kind: "prerender"; id: number; input: ReportInput }
  | { kind: "evaluate"; id: number; split: string; task: TaskKind; input: MetricInput; opts: EvalOptions };

/** What a worker is started for: TreeSHAP and charts (it loads vega), or evaluations (it does not). */
export type ReportLane = "report" | "evaluate";

export type ReportReply =
  | { kind: "ready" }
  | { kind: "importance"; id: number; values: Float64Array; partial?: PartialDependence[] }
  | { kind: "render"; id: number; html: string }
  | { kind: "prerender"; id: number }
  | { kind: "evaluate"; id: number; metrics: Record<string, number> }
  | { kind: "error"; id: number; message: string };
