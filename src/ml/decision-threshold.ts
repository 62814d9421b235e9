// The decision threshold of a binary classifier, chosen on labelled validation rows by a model's
// `decision { threshold = optimize | f1 | youden | precision(…) | recall(…) }`: P(positive) at or
// above it decides positive. Pure; no I/O. Precision and recall targets are the anomaly rules'
// (src/ml/anomaly-threshold.ts), which read any score where higher means more positive.
import { precisionThreshold, recallThreshold, type ThresholdOutcome } from "./anomaly-threshold.js";
import { sweepDescending } from "./metrics/ranking-order.js";
import { bestF1, totalCost, type OutcomeCosts } from "./metrics/threshold.js";

export type { OutcomeCosts } from "./metrics/threshold.js";

/** How the threshold is chosen. `fixed` is a model's plain `threshold = 0.4` (or the default 0.5). */
export type DecisionRule =
  | { kind: "fixed"; threshold: number }
  | { kind: "optimize" }
  | { kind: "f1" }
  | { kind: "youden" }
  | { kind: "precision"; target: number }
  | { kind: "recall"; target: number };

/** A model's decision: its rule and, when it declares them, what each outcome costs per row. */
export interface DecisionSpec {
  rule: DecisionRule;
  costs?: OutcomeCosts;
}

/** The largest float32 below 1 and the smallest above 0: a served threshold lies strictly between 0 and 1. */
const BELOW_ONE = 1 - 2 ** -24;
const ABOVE_ZERO = Math.fround(2 ** -126);

/**
 * A score as a served threshold: the largest float32 at or below it (the ONNX score is float32),
 * so the row whose validation score chose it decides positive both here and served; kept inside (0, 1).
 */
export function servedThreshold(score: number): number {
  let t = Math.fround(score);
  if (t > score) t = nextDown32(t);
  return Math.min(BELOW_ONE, Math.max(ABOVE_ZERO, t));
}

/** The largest float32 below the float32 `x`. */
function nextDown32(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  if (f[0]! === 0) return -ABOVE_ZERO;
  if (f[0]! > 0) u[0] = u[0]! - 1;
  else u[0] = u[0]! + 1;
  return f[0]!;
}

/** The smallest float32 above `x` (x finite): flagging no row scored at most x. */
function nextUp32(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  if (f[0]! === 0) return ABOVE_ZERO;
  if (f[0]! > x) return f[0]!;
  if (f[0]! > 0) u[0] = u[0]! + 1;
  else u[0] = u[0]! - 1;
  return f[0]!;
}

/**
 * The threshold of least total cost on these rows: every distinct score is a candidate (deciding
 * positive at and above it), and so is deciding no row positive. Ties keep the highest threshold
 * (the fewest rows decided positive).
 */
export function costOptimalThreshold(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  costs: OutcomeCosts,
): ThresholdOutcome {
  let pos = 0;
  let neg = 0;
  let max = -Infinity;
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(p[i]!)) continue;
    if (y[i] === 1) pos++;
    else neg++;
    if (p[i]! > max) max = p[i]!;
  }
  if (pos + neg === 0) return { problem: "no row has a finite score" };
  // deciding no row positive: the threshold just above the highest score
  let best = totalCost({ tp: 0, fp: 0, tn: neg, fn: pos }, costs);
  let bestT = nextUp32(max);
  sweepDescending(y, p, (tp, fp, t) => {
    const c = totalCost({ tp, fp, tn: neg - fp, fn: pos - tp }, costs);
    if (c < best) {
      best = c;
      bestT = t;
    }
  });
  return { threshold: servedThreshold(bestT) };
}

/** The threshold maximising Youden's J = TPR − FPR; ties keep the highest. Needs both classes. */
export function youdenThreshold(y: ArrayLike<number>, p: ArrayLike<number>): ThresholdOutcome {
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(p[i]!)) continue;
    if (y[i] === 1) pos++;
    else neg++;
  }
  if (pos === 0 || neg === 0)
    return {
      problem: `the rows hold ${pos === 0 ? "no positive" : "no negative"} row, so Youden's J is undefined`,
    };
  // J · pos · neg in integers, so equal J compare equal
  let best = -Infinity;
  let bestT = 0.5;
  sweepDescending(y, p, (tp, fp, t) => {
    const j = tp * neg - fp * pos;
    if (j > best) {
      best = j;
      bestT = t;
    }
  });
  return { threshold: servedThreshold(bestT) };
}

/** The threshold a decision gives on these labelled rows (`fixed` returns its own). */
export function decisionThreshold(spec: DecisionSpec, y: Float64Array, p: Float64Array): ThresholdOutcome {
  const r = spec.rule;
  switch (r.kind) {
    case "fixed":
      return { threshold: r.threshold };
    case "optimize":
      return spec.costs
        ? costOptimalThreshold(y, p, spec.costs)
        : { problem: "threshold = optimize needs the outcomes' cost or profit" };
    case "f1": {
      const b = bestF1(y, p);
      return b.f1 > 0
        ? { threshold: servedThreshold(b.threshold) }
        : { problem: "no threshold gives an F1 above 0" };
    }
    case "youden":
      return youdenThreshold(y, p);
    case "precision":
      return precisionThreshold(p, y, r.target, servedThreshold);
    case "recall":
      return recallThreshold(p, y, r.target, servedThreshold);
  }
}

/** `optimize`, `f1`, `precision(0.9)`: a rule as the spec writes it. */
export function ruleText(r: DecisionRule): string {
  switch (r.kind) {
    case "fixed":
      return String(r.threshold);
    case "precision":
    case "recall":
      return `${r.kind}(${r.target})`;
    default:
      return r.kind;
  }
}
