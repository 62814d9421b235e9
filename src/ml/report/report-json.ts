// report.json: the plain, versioned record of one run's evaluation (metrics with intervals,
// curves, confusion, importance, fairness, champion comparison, tuning, gates), built from arrays.
import type { TaskKind } from "../estimator.js";
import type { PartialDependence } from "../explain/partial-dependence.js";
import type { FairnessReport } from "../fairness/measures.js";
import { confusionMatrix, prCurve, rocCurve, type Curve } from "../metrics/index.js";
import {
  expectedCalibrationError,
  reliabilityCurve,
  type ReliabilityBin,
} from "../calibration/reliability.js";
import type { MetricComparison } from "../stats/compare.js";
import type { OutcomeCosts } from "../metrics/threshold.js";
import { costCurve } from "./cost-curve.js";
import type { SplitEvaluation } from "../stats/evaluate.js";
import { bestSoFar, parameterImportance, type ParamImportance } from "../tune/importance.js";
import type { SearchSpace } from "../tune/space.js";
import type { ObjectiveSpec, TrialRecord } from "../tune/trial.js";

/** 2: `fairness` became a list (the model's own pick and the gates' `by = …` columns). */
export const REPORT_VERSION = 2;

export interface XY {
  x: number[];
  y: number[];
}

export interface ReportJson {
  version: typeof REPORT_VERSION;
  model: { name: string; algorithm: string; task: TaskKind; version?: number; classes?: string[] };
  /** Supplied by the caller (the runtime's clock), so building a report is a pure function. */
  createdAt?: string;
  splits: Record<string, SplitEvaluation>;
  curves?: { split: string; roc?: XY; pr?: XY; calibration?: ReliabilityBin[]; ece?: number | null };
  confusion?: { split: string; labels: string[]; counts: number[][]; threshold?: number };
  importance?: {
    method: "treeshap" | "permutation" | "native";
    metric?: string;
    features: Array<{ feature: string; value: number; std?: number }>;
  };
  partialDependence?: PartialDependence[];
  /** Fairness tables: first those the gates measured (`parity(test, by = plan)`), then the report's own pick. */
  fairness?: FairnessSection[];
  /** Comparison with the champion, or why there is none. */
  champion?:
    | {
        status: "compared";
        version?: number;
        split: string;
        rows: MetricComparison[];
        /** Which rows the comparison used: those the champion never trained or validated on. */
        sample?: { used: number; overlap: number; checked: boolean; note: string };
      }
    | { status: "first_run"; note: string };
  /** A binary classifier's decision: its rule, threshold and, with costs, the cost curve on the rows it was chosen on. */
  decision?: {
    rule: string;
    threshold: number;
    split: string;
    costs?: OutcomeCosts;
    curve?: { x: number[]; y: number[]; chosen: { x: number; y: number } };
  };
  /** The model's robustness suites on the test rows: what each changed and its `robustness.SUITE.*` measures. */
  robustness?: { suite: string; copies: string[]; metrics: Record<string, number> }[];
  calibration?: {
    method: "platt" | "isotonic";
    split: string;
    eceBefore: number | null;
    eceAfter: number | null;
  };
  tuning?: {
    method: string;
    objective: ObjectiveSpec;
    trials: TrialRecord[];
    best?: number;
    pareto?: number[];
    history: Array<{ index: number; value: number | null; best: number | null }>;
    paramImportance: ParamImportance[];
  };
  gates?: Array<{
    name: string;
    pass: boolean;
    assertions: Array<{ text: string; measured: number | string | null; pass: boolean; note?: string }>;
  }>;
}

/** The `source` of the fairness table the report picks itself (gates' tables say `gate NAME`). */
export const REPORT_FAIRNESS_PICK =
  "the report: largest parity difference among the model's categorical inputs";

export interface FairnessSection {
  split: string;
  by: string;
  /** Who chose the group column: `gate NAME`, or the report (largest parity difference among categorical inputs). */
  source: string;
  report: FairnessReport;
}

/** Raw predictions of one split, from which curves and the confusion matrix are derived. */
export interface PredictionsInput {
  split: string;
  y: Float64Array;
  pred: Float64Array;
  width: number;
  threshold?: number;
}

/** A decision and the rows its threshold was chosen on (the valid part). */
export interface DecisionInput {
  rule: string;
  threshold: number;
  split: string;
  costs?: OutcomeCosts;
  y: Float64Array;
  pred: Float64Array;
}

export interface ReportInput extends Omit<
  ReportJson,
  "version" | "curves" | "confusion" | "tuning" | "decision"
> {
  predictions?: PredictionsInput;
  decision?: DecisionInput;
  tuning?: {
    method: string;
    objective: ObjectiveSpec;
    space: SearchSpace;
    trials: readonly TrialRecord[];
    best?: TrialRecord;
    pareto?: readonly TrialRecord[];
  };
}

/** At most `max` points, always keeping the first and last (curves of 100k rows stay small). */
export function downsample(c: Curve, max = 400): XY {
  const n = c.x.length;
  const keep: number[] = [];
  if (n <= max) for (let i = 0; i < n; i++) keep.push(i);
  else for (let k = 0; k < max; k++) keep.push(Math.round((k * (n - 1)) / (max - 1)));
  return { x: keep.map((i) => round6(c.x[i]!)), y: keep.map((i) => round6(c.y[i]!)) };
}

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;

/** Replaces NaN and ±Infinity by null and typed arrays by plain arrays, recursively. */
export function jsonSafe(v: unknown): unknown {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView))
    return Array.from(v as unknown as ArrayLike<number>, (x) => jsonSafe(x));
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = jsonSafe(x);
    return out;
  }
  return v;
}

export function buildReportJson(input: ReportInput): ReportJson {
  const { predictions, tuning, decision, ...rest } = input;
  const out: ReportJson = { version: REPORT_VERSION, ...rest };
  if (decision) {
    const { y, pred, ...d } = decision;
    out.decision = { ...d, ...(d.costs ? { curve: costCurve(y, pred, d.costs, d.threshold) } : {}) };
  }
  if (predictions) {
    const { split, y, pred, width, threshold } = predictions;
    const task = input.model.task;
    if ((task === "binary" || task === "anomaly") && width === 1) {
      out.curves = { split, roc: downsample(rocCurve(y, pred)), pr: downsample(prCurve(y, pred)) };
      if (task === "binary") {
        out.curves.calibration = reliabilityCurve(y, pred, 1);
        out.curves.ece = expectedCalibrationError(y, pred, 1);
      }
    } else if (task === "multiclass") {
      out.curves = {
        split,
        calibration: reliabilityCurve(y, pred, width),
        ece: expectedCalibrationError(y, pred, width),
      };
    }
    if (task === "binary" || task === "multiclass") {
      const { k, counts } = confusionMatrix(y, pred, width, threshold ?? 0.5);
      const labels =
        input.model.classes?.length === k
          ? input.model.classes
          : Array.from({ length: k }, (_, i) => String(i));
      out.confusion = {
        split,
        labels,
        counts: Array.from({ length: k }, (_, r) => Array.from(counts.subarray(r * k, r * k + k))),
        ...(width === 1 ? { threshold: threshold ?? 0.5 } : {}),
      };
    }
  }
  if (tuning) {
    const target = tuning.objective.targets[0]!;
    const trials = [...tuning.trials].sort((a, b) => a.index - b.index);
    out.tuning = {
      method: tuning.method,
      objective: tuning.objective,
      trials,
      ...(tuning.best ? { best: tuning.best.index } : {}),
      ...(tuning.pareto && tuning.objective.targets.length > 1
        ? { pareto: tuning.pareto.map((t) => t.index) }
        : {}),
      history: bestSoFar(trials, target),
      paramImportance: parameterImportance(tuning.space, trials, target),
    };
  }
  return jsonSafe(out) as ReportJson;
}
