// Reliability curve (predicted probability vs observed frequency per bin) and expected
// calibration error; binary P(positive), or multiclass top-label confidence vs accuracy.

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability (confidence) of the rows in the bin; NaN when empty. */
  meanPredicted: number;
  /** Observed fraction of positives (accuracy for multiclass) in the bin; NaN when empty. */
  observed: number;
}

interface ReliabilityOptions {
  /** Number of bins (default 10). */
  bins?: number;
  /** "uniform": equal-width bins on [0, 1] (default, as ECE is usually reported); "quantile": equal-count bins. */
  strategy?: "uniform" | "quantile";
}

/**
 * `confidence` and `hit` per row: for binary, confidence = P(positive) and hit = y; for multiclass
 * (width k > 1), confidence = max probability and hit = 1 when the argmax is the true class.
 */
function confidenceAndHit(
  y: Float64Array,
  pred: Float64Array,
  width: number,
): { conf: Float64Array; hit: Float64Array } {
  if (width === 1) return { conf: pred, hit: y };
  const n = y.length;
  const conf = new Float64Array(n);
  const hit = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < width; c++) if (pred[i * width + c]! > pred[i * width + best]!) best = c;
    conf[i] = pred[i * width + best]!;
    hit[i] = best === y[i] ? 1 : 0;
  }
  return { conf, hit };
}

export function reliabilityCurve(
  y: Float64Array,
  pred: Float64Array,
  width = 1,
  opts: ReliabilityOptions = {},
): ReliabilityBin[] {
  const nBins = opts.bins ?? 10;
  if (!(nBins >= 1)) throw new Error(`reliability curve: bins must be >= 1, got ${nBins}`);
  const { conf, hit } = confidenceAndHit(y, pred, width);
  const n = y.length;
  let edges: number[];
  if ((opts.strategy ?? "uniform") === "uniform") {
    edges = Array.from({ length: nBins + 1 }, (_, b) => b / nBins);
  } else {
    const sorted = Float64Array.from(conf).sort();
    edges = Array.from({ length: nBins + 1 }, (_, b) =>
      n ? sorted[Math.min(n - 1, Math.floor((b * (n - 1)) / nBins))]! : b / nBins,
    );
    edges[0] = 0;
    edges[nBins] = 1;
  }
  const count = new Float64Array(nBins);
  const sumP = new Float64Array(nBins);
  const sumY = new Float64Array(nBins);
  for (let i = 0; i < n; i++) {
    const p = conf[i]!;
    // Bin b holds (edges[b], edges[b+1]], with 0 in the first bin (as scikit-learn's calibration_curve).
    let b = 0;
    if (opts.strategy === "quantile") {
      while (b < nBins - 1 && p > edges[b + 1]!) b++;
    } else {
      b = Math.min(nBins - 1, Math.max(0, Math.ceil(p * nBins) - 1));
    }
    count[b]!++;
    sumP[b]! += p;
    sumY[b]! += hit[i]!;
  }
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < nBins; b++) {
    const c = count[b]!;
    out.push({
      lower: edges[b]!,
      upper: edges[b + 1]!,
      count: c,
      meanPredicted: c ? sumP[b]! / c : NaN,
      observed: c ? sumY[b]! / c : NaN,
    });
  }
  return out;
}

/** ECE = Σ_b (n_b / n) · |observed_b − meanPredicted_b| over non-empty bins. */
export function expectedCalibrationError(
  y: Float64Array,
  pred: Float64Array,
  width = 1,
  opts: ReliabilityOptions = {},
): number {
  const bins = reliabilityCurve(y, pred, width, opts);
  const n = y.length;
  if (n === 0) return NaN;
  let ece = 0;
  for (const b of bins) if (b.count > 0) ece += (b.count / n) * Math.abs(b.observed - b.meanPredicted);
  return ece;
}
