// Multiclass (and binary, as two classes) averages: accuracy, macro and micro precision,
// recall and F1 from one k × k confusion matrix, and one-vs-rest macro AUC.
import { argmaxRow } from "./types.js";
import { aucRoc } from "./curves.js";

/**
 * k × k counts, row = true class, column = predicted class (row-major). Binary (width 1)
 * predictions are thresholded (p >= threshold → class 1) and give a 2 × 2 matrix.
 */
export function confusionMatrix(
  y: Float64Array,
  pred: Float64Array,
  width = 1,
  threshold = 0.5,
): { k: number; counts: Float64Array } {
  const k = width === 1 ? 2 : width;
  const counts = new Float64Array(k * k);
  for (let i = 0; i < y.length; i++) {
    const t = y[i]!;
    if (!(t >= 0 && t < k && Number.isInteger(t)))
      throw new Error(`confusion matrix: row ${i} has label ${t}, expected a class index 0..${k - 1}`);
    const p = width === 1 ? (pred[i]! >= threshold ? 1 : 0) : argmaxRow(pred, width, i);
    counts[t * k + p]!++;
  }
  return { k, counts };
}

export function multiclassAccuracy(
  y: Float64Array,
  pred: Float64Array,
  width: number,
  threshold = 0.5,
): number {
  const { k, counts } = confusionMatrix(y, pred, width, threshold);
  let diag = 0;
  for (let c = 0; c < k; c++) diag += counts[c * k + c]!;
  return diag / y.length;
}

type Average = "macro" | "micro";
type PrfKind = "precision" | "recall" | "f1";

/**
 * Macro: unweighted mean over classes present in y or predictions (scikit-learn's labels default);
 * classes with an undefined precision/recall count as 0 (zero_division = 0).
 * Micro: from summed counts; for single-label multiclass micro P = R = F1 = accuracy.
 */
export function averagedPrf(
  kind: PrfKind,
  average: Average,
  y: Float64Array,
  pred: Float64Array,
  width: number,
  threshold = 0.5,
): number {
  const { k, counts } = confusionMatrix(y, pred, width, threshold);
  return averagedPrfOf(kind, average, k, counts);
}

/** averagedPrf from a k × k confusion matrix (row = true class, column = predicted). */
export function averagedPrfOf(kind: PrfKind, average: Average, k: number, counts: Float64Array): number {
  let sumTp = 0;
  let sumFp = 0;
  let sumFn = 0;
  let macro = 0;
  let classes = 0;
  for (let c = 0; c < k; c++) {
    const tp = counts[c * k + c]!;
    let rowSum = 0;
    let colSum = 0;
    for (let j = 0; j < k; j++) {
      rowSum += counts[c * k + j]!;
      colSum += counts[j * k + c]!;
    }
    const fp = colSum - tp;
    const fn = rowSum - tp;
    sumTp += tp;
    sumFp += fp;
    sumFn += fn;
    if (rowSum === 0 && colSum === 0) continue;
    classes++;
    const prec = tp + fp ? tp / (tp + fp) : 0;
    const rec = tp + fn ? tp / (tp + fn) : 0;
    macro +=
      kind === "precision"
        ? prec
        : kind === "recall"
          ? rec
          : 2 * tp + fp + fn
            ? (2 * tp) / (2 * tp + fp + fn)
            : 0;
  }
  if (average === "macro") return classes ? macro / classes : NaN;
  const prec = sumTp + sumFp ? sumTp / (sumTp + sumFp) : 0;
  const rec = sumTp + sumFn ? sumTp / (sumTp + sumFn) : 0;
  if (kind === "precision") return prec;
  if (kind === "recall") return rec;
  return prec + rec ? (2 * prec * rec) / (prec + rec) : 0;
}

/** One-vs-rest AUC averaged over classes that have both positives and negatives. */
export function macroAucOvr(y: Float64Array, pred: Float64Array, width: number): number {
  if (width === 1) return aucRoc(y, pred);
  const n = y.length;
  const yc = new Float64Array(n);
  const sc = new Float64Array(n);
  let sum = 0;
  let m = 0;
  for (let c = 0; c < width; c++) {
    for (let i = 0; i < n; i++) {
      yc[i] = y[i] === c ? 1 : 0;
      sc[i] = pred[i * width + c]!;
    }
    const a = aucRoc(yc, sc);
    if (!Number.isNaN(a)) {
      sum += a;
      m++;
    }
  }
  return m ? sum / m : NaN;
}
