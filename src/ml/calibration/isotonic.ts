// Isotonic calibration: pool-adjacent-violators on (prediction, label), kept as the knots of a
// non-decreasing piecewise-linear map (as scikit-learn's IsotonicRegression, clipped outside).

export interface IsotonicCalibrator {
  kind: "isotonic";
  version: 1;
  /** Knot positions (ascending) and calibrated values (non-decreasing); interpolate between, clamp outside. */
  x: number[];
  y: number[];
}

/** PAV fit of a non-decreasing step function to y over ascending unique x with weights. */
export function poolAdjacentViolators(y: ArrayLike<number>, w: ArrayLike<number>): Float64Array {
  const n = y.length;
  const val = new Float64Array(n);
  const wt = new Float64Array(n);
  const start = new Int32Array(n);
  let top = -1;
  for (let i = 0; i < n; i++) {
    top++;
    val[top] = y[i]!;
    wt[top] = w[i]!;
    start[top] = i;
    while (top > 0 && val[top - 1]! > val[top]!) {
      const tw = wt[top - 1]! + wt[top]!;
      val[top - 1] = (val[top - 1]! * wt[top - 1]! + val[top]! * wt[top]!) / tw;
      wt[top - 1] = tw;
      top--;
    }
  }
  const out = new Float64Array(n);
  for (let b = 0; b <= top; b++) {
    const end = b < top ? start[b + 1]! : n;
    for (let i = start[b]!; i < end; i++) out[i] = val[b]!;
  }
  return out;
}

export function fitIsotonic(pred: Float64Array, y: Float64Array): IsotonicCalibrator {
  const n = y.length;
  if (pred.length !== n) throw new Error(`isotonic calibration: ${pred.length} predictions for ${n} labels`);
  if (n === 0) throw new Error("isotonic calibration needs at least one row");
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => pred[a]! - pred[b]! || a - b);
  // Equal predictions are pooled first: a function cannot map one input to two values.
  const ux: number[] = [];
  const uy: number[] = [];
  const uw: number[] = [];
  for (const i of order) {
    const x = pred[i]!;
    if (Number.isNaN(x)) throw new Error(`isotonic calibration: prediction of row ${i} is NaN`);
    if (ux.length && ux[ux.length - 1] === x) {
      const k = ux.length - 1;
      uy[k] = (uy[k]! * uw[k]! + y[i]!) / (uw[k]! + 1);
      uw[k]!++;
    } else {
      ux.push(x);
      uy.push(y[i]!);
      uw.push(1);
    }
  }
  const fitted = poolAdjacentViolators(uy, uw);
  // Keep only the first and last knot of each constant run: the interpolation is unchanged.
  const kx: number[] = [];
  const ky: number[] = [];
  for (let i = 0; i < ux.length; i++) {
    const prevSame = i > 0 && fitted[i - 1] === fitted[i];
    const nextSame = i < ux.length - 1 && fitted[i + 1] === fitted[i];
    if (prevSame && nextSame) continue;
    kx.push(ux[i]!);
    ky.push(fitted[i]!);
  }
  return { kind: "isotonic", version: 1, x: kx, y: ky };
}

export function applyIsotonic(c: IsotonicCalibrator, pred: Float64Array): Float64Array {
  const { x, y } = c;
  const m = x.length;
  return Float64Array.from(pred, (v) => {
    if (v <= x[0]!) return y[0]!;
    if (v >= x[m - 1]!) return y[m - 1]!;
    let lo = 0;
    let hi = m - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (x[mid]! <= v) lo = mid;
      else hi = mid;
    }
    const span = x[hi]! - x[lo]!;
    return span > 0 ? y[lo]! + ((y[hi]! - y[lo]!) * (v - x[lo]!)) / span : y[hi]!;
  });
}
