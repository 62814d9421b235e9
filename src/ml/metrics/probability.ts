// Probabilistic scores: log loss, Brier score and expected calibration error, for binary
// P(positive) (width 1) and multiclass row-major probabilities (width k).
import { expectedCalibrationError } from "../calibration/reliability.js";

const EPS = 1e-15;

/** Mean negative log-likelihood, probabilities clipped to [1e-15, 1 − 1e-15] (as scripts/metrics.py). */
export function logloss(y: Float64Array, pred: Float64Array, width = 1): number {
  const n = y.length;
  let s = 0;
  if (width === 1) {
    for (let i = 0; i < n; i++) {
      const p = Math.min(Math.max(pred[i]!, EPS), 1 - EPS);
      s -= y[i] === 1 ? Math.log(p) : Math.log(1 - p);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const p = Math.min(Math.max(pred[i * width + y[i]!]!, EPS), 1 - EPS);
      s -= Math.log(p);
    }
  }
  return s / n;
}

/**
 * Brier score: binary mean (p − y)²; multiclass the mean over rows of Σ_c (p_c − [y = c])²
 * (Brier's original definition, so it ranges 0..2).
 */
export function brier(y: Float64Array, pred: Float64Array, width = 1): number {
  const n = y.length;
  let s = 0;
  if (width === 1) {
    for (let i = 0; i < n; i++) s += (pred[i]! - y[i]!) ** 2;
  } else {
    for (let i = 0; i < n; i++)
      for (let c = 0; c < width; c++) s += (pred[i * width + c]! - (y[i] === c ? 1 : 0)) ** 2;
  }
  return s / n;
}

export { expectedCalibrationError };
