// The shape every metric shares: a name, a direction, the tasks it applies to and a pure
// compute over typed arrays laid out as the estimator contract's predictions (src/ml/estimator.ts).
import type { TaskKind } from "../estimator.js";
import type { OutcomeCosts } from "./threshold.js";

export type Direction = "maximize" | "minimize";

/** Scores of the positive rows (y = 1) and of the others, each ascending. */
export interface ScoresByClass {
  pos: Float64Array;
  neg: Float64Array;
}

export interface MetricInput {
  /** Targets: binary 0/1, multiclass class index, regression value, ranking relevance (> 0 = relevant). */
  y: Float64Array;
  /** Row-major n × width predictions (binary: P(positive); multiclass: probabilities; else a score/value). */
  pred: Float64Array;
  /** Columns of `pred`: 1, or k for multiclass. */
  width: number;
  /** Ranking: query id per row, rows of one query contiguous. Absent = one query. */
  group?: Int32Array;
  /** Ranking: the cut-off of the top-k metrics (default 10) and the relevance threshold (default y > 0). */
  ranking?: { k: number; relevant?: number };
  /**
   * Ranking: the item id of each row (0 … catalogue size − 1) and the training interactions per item
   * id, for catalogue coverage and popularity bias. Resampled with the rows.
   */
  item?: Int32Array;
  popularity?: Float64Array;
  /**
   * Set when `pred` (width 1) is already in ascending order, as bootstrap resamples are emitted:
   * rank metrics (AUC, PR-AUC, best F1) then skip their sort. Never needed by callers.
   */
  ascending?: boolean;
  /**
   * Set with `ascending` by bootstrap resamples: the scores of the positives (y = 1) and of the
   * other rows, each in row order (ascending), as scoresByClass splits them; rank and threshold
   * metrics read them instead of splitting and scanning the rows again. Never needed by callers.
   */
  byClass?: ScoresByClass;
  /** Anomaly detection: the cut-off of `precision_at_k` (the task's `k`); default 10. */
  k?: number;
  /**
   * Binary: the model's decision threshold (precision, recall, F1 and accuracy decide positive at
   * P(positive) >= it; default 0.5) and, when its decision declares them, what each outcome costs
   * (`cost`, `profit`). Passed through resamples.
   */
  decision?: { threshold: number; costs?: OutcomeCosts };
}

export interface Metric {
  /** Canonical name as written in specs and reports, e.g. "auc", "ndcg". */
  name: string;
  direction: Direction;
  tasks: readonly TaskKind[];
  /** One line for reports and the language reference. */
  doc: string;
  /** The value; NaN when undefined on this data (e.g. AUC with one class present). */
  compute(input: MetricInput): number;
  /**
   * "shift": the metric is not a mean over the resampled units, and a resample is biased against it
   * (catalogue coverage: a resample repeats users, so it shows fewer distinct items and every
   * resample can fall below the value). Its bootstrap interval is the percentile interval moved by
   * the estimated bias, value − median of the resamples, so it is centred where the value is.
   */
  bootstrapBias?: "shift";
}

/** Throws on inconsistent array sizes: a bug in the caller, not a user error. */
export function checkShape(input: MetricInput, name: string): number {
  const n = input.y.length;
  if (input.width < 1 || input.pred.length !== n * input.width) {
    throw new Error(
      `metric ${name}: predictions have ${input.pred.length} values, expected ${n} rows × ${input.width}`,
    );
  }
  if (input.group && input.group.length !== n)
    throw new Error(`metric ${name}: group has ${input.group.length} rows, expected ${n}`);
  return n;
}

/** Index of the largest probability in row i (first on ties, matching numpy's argmax). */
export function argmaxRow(pred: Float64Array, width: number, i: number): number {
  let best = 0;
  let bv = pred[i * width]!;
  for (let c = 1; c < width; c++) {
    const v = pred[i * width + c]!;
    if (v > bv) {
      bv = v;
      best = c;
    }
  }
  return best;
}
