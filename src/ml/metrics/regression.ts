// Regression errors over one prediction per row: RMSE, MAE, R² and MAPE, as
// ../shared/datasets/scripts/metrics.py computes the first three.

export function rmse(y: Float64Array, p: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (p[i]! - y[i]!) ** 2;
  return Math.sqrt(s / y.length);
}

export function mae(y: Float64Array, p: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += Math.abs(p[i]! - y[i]!);
  return s / y.length;
}

/** 1 − SSE/SST; NaN when y is constant (SST = 0). */
export function r2(y: Float64Array, p: Float64Array): number {
  const n = y.length;
  let mu = 0;
  for (let i = 0; i < n; i++) mu += y[i]!;
  mu /= n;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    sse += (p[i]! - y[i]!) ** 2;
    sst += (y[i]! - mu) ** 2;
  }
  return sst === 0 ? NaN : 1 - sse / sst;
}

/**
 * Mean absolute percentage error as a fraction (0.1 = 10%); rows with y = 0 are skipped,
 * since their percentage error is infinite. NaN when every y is 0.
 */
export function mape(y: Float64Array, p: Float64Array): number {
  let s = 0;
  let m = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 0) continue;
    s += Math.abs((p[i]! - y[i]!) / y[i]!);
    m++;
  }
  return m ? s / m : NaN;
}
