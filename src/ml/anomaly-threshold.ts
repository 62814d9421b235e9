// The decision threshold of an anomaly model, calibrated on scores (and, for a precision or recall
// target, labels): the score at or above which an event is an anomaly. Pure; no I/O.
import { quantileSorted } from "./stats/quantile.js";

/** How the threshold is chosen: an expected share of anomalies, or a target on labelled rows. */
export type AnomalyThresholdRule =
  | { kind: "contamination"; share: number }
  | { kind: "precision"; target: number; reviews?: string }
  | { kind: "recall"; target: number; reviews?: string };

/** A threshold, or why none meets the rule on these rows. */
export type ThresholdOutcome = { threshold: number } | { problem: string };

/**
 * The (1 − contamination) quantile of the finite `scores`, rounded to float32 (the precision the
 * served ONNX score has), so a score ≥ it is an anomaly; undefined for contamination 0 or no finite score.
 */
export function contaminationThreshold(scores: ArrayLike<number>, contamination: number): number | undefined {
  if (!(contamination > 0)) return undefined;
  const finite = Float64Array.from(Array.prototype.filter.call(scores, Number.isFinite) as number[]).sort();
  if (finite.length === 0) return undefined;
  return Math.fround(quantileSorted(finite, 1 - contamination));
}

/** Rows with a finite score, by descending score, with running counts at each distinct score. */
interface Level {
  score: number;
  /** Rows with a score ≥ this one, and the labelled anomalies among them. */
  flagged: number;
  tp: number;
}

function levels(scores: ArrayLike<number>, y: ArrayLike<number>): { levels: Level[]; positives: number } {
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) if (Number.isFinite(scores[i]!)) idx.push(i);
  idx.sort((a, b) => scores[b]! - scores[a]!);
  const out: Level[] = [];
  let flagged = 0;
  let tp = 0;
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j]!;
    flagged++;
    if (y[i] === 1) tp++;
    const next = idx[j + 1];
    if (next === undefined || scores[next]! !== scores[i]!) out.push({ score: scores[i]!, flagged, tp });
  }
  // every labelled anomaly counts, also one whose score is not finite (never flagged)
  let positives = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) positives++;
  return { levels: out, positives };
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

/**
 * The lowest score whose flagged rows (score ≥ it) have at least `target` precision: the most
 * anomalies found at that precision. A problem when the rows hold no anomaly or no score reaches it.
 */
export function precisionThreshold(
  scores: ArrayLike<number>,
  y: ArrayLike<number>,
  target: number,
  /** How the chosen score becomes the threshold (default: the nearest float32, as an anomaly score is served). */
  round: (score: number) => number = Math.fround,
): ThresholdOutcome {
  const { levels: ls, positives } = levels(scores, y);
  if (positives === 0) return { problem: "the rows hold no labelled anomaly, so precision is undefined" };
  let best: Level | undefined;
  let highest = 0;
  for (const l of ls) {
    const p = l.tp / l.flagged;
    highest = Math.max(highest, p);
    if (p >= target) best = l;
  }
  if (!best)
    return {
      problem: `no threshold reaches precision ${pct(target)} (the best is ${pct(highest)}, over ${ls.length} distinct scores)`,
    };
  return { threshold: round(best.score) };
}

/**
 * The highest score whose flagged rows (score ≥ it) hold at least `target` of the labelled
 * anomalies: the fewest rows flagged at that recall. A problem when the rows hold no anomaly.
 */
export function recallThreshold(
  scores: ArrayLike<number>,
  y: ArrayLike<number>,
  target: number,
  /** How the chosen score becomes the threshold (default: the nearest float32). */
  round: (score: number) => number = Math.fround,
): ThresholdOutcome {
  const { levels: ls, positives } = levels(scores, y);
  if (positives === 0) return { problem: "the rows hold no labelled anomaly, so recall is undefined" };
  for (const l of ls) if (l.tp / positives >= target) return { threshold: round(l.score) };
  // only when some anomalies have no finite score (every scored row flagged still misses them)
  return {
    problem: `no threshold reaches recall ${pct(target)}: some labelled anomalies have no finite score`,
  };
}

/** The threshold a rule gives on these scores (labels needed for precision and recall). */
export function anomalyThreshold(
  rule: AnomalyThresholdRule,
  scores: ArrayLike<number>,
  y: ArrayLike<number> | undefined,
): ThresholdOutcome | undefined {
  if (rule.kind === "contamination") {
    const t = contaminationThreshold(scores, rule.share);
    return t === undefined ? undefined : { threshold: t };
  }
  if (!y) return { problem: `threshold = ${rule.kind}(…) needs labelled rows, and the task has no label` };
  return rule.kind === "precision"
    ? precisionThreshold(scores, y, rule.target)
    : recallThreshold(scores, y, rule.target);
}
