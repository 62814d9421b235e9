// Smooth training objectives of the linear learners over standardised row-major data: weighted mean
// loss plus an L2 penalty on the coefficients (never the intercepts). Parameter layout: per output
// c, d coefficients then the intercept, at c·(d+1).
import type { SmoothObjective } from "./owlqn.js";

export type LossKind = "squared" | "logistic" | "multinomial";

interface Problem {
  /** Row-major standardised features n × d (NaN already 0). */
  Z: Float64Array;
  n: number;
  d: number;
  /** Regression: standardised target; binary: 0/1; multiclass: class index. */
  y: Float64Array;
  weight?: Float64Array;
  /** Outputs: 1 for squared/logistic, k for multinomial. */
  k: number;
}

export function makeObjective(loss: LossKind, p: Problem, l2: number): SmoothObjective {
  const { Z, n, d, y, weight, k } = p;
  let wSum = 0;
  for (let i = 0; i < n; i++) wSum += weight ? weight[i]! : 1;
  const invW = 1 / wSum;
  const stride = d + 1;
  const margins = new Float64Array(k);
  return (w, grad) => {
    grad.fill(0);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const wi = weight ? weight[i]! : 1;
      if (wi === 0) continue;
      const row = i * d;
      for (let c = 0; c < k; c++) {
        const base = c * stride;
        let m = w[base + d]!;
        for (let j = 0; j < d; j++) m += w[base + j]! * Z[row + j]!;
        margins[c] = m;
      }
      if (loss === "squared") {
        const r = margins[0]! - y[i]!;
        total += 0.5 * wi * r * r;
        accumulate(grad, 0, wi * r, Z, row, d);
      } else if (loss === "logistic") {
        const m = margins[0]!;
        // log(1 + e^m) computed without overflow.
        total += wi * ((m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m))) - y[i]! * m);
        accumulate(grad, 0, wi * (sigmoid(m) - y[i]!), Z, row, d);
      } else {
        let max = -Infinity;
        for (let c = 0; c < k; c++) max = Math.max(max, margins[c]!);
        let sum = 0;
        for (let c = 0; c < k; c++) sum += Math.exp(margins[c]! - max);
        const logZ = max + Math.log(sum);
        const yi = y[i]!;
        total += wi * (logZ - margins[yi]!);
        for (let c = 0; c < k; c++) {
          const prob = Math.exp(margins[c]! - logZ);
          accumulate(grad, c * stride, wi * (prob - (c === yi ? 1 : 0)), Z, row, d);
        }
      }
    }
    total *= invW;
    for (let t = 0; t < grad.length; t++) grad[t]! *= invW;
    for (let c = 0; c < k; c++) {
      const base = c * stride;
      for (let j = 0; j < d; j++) {
        const b = w[base + j]!;
        total += 0.5 * l2 * b * b;
        grad[base + j]! += l2 * b;
      }
    }
    return total;
  };
}

function accumulate(
  grad: Float64Array,
  base: number,
  r: number,
  Z: Float64Array,
  row: number,
  d: number,
): void {
  if (r === 0) return;
  for (let j = 0; j < d; j++) grad[base + j]! += r * Z[row + j]!;
  grad[base + d]! += r;
}

export function sigmoid(m: number): number {
  return m >= 0 ? 1 / (1 + Math.exp(-m)) : Math.exp(m) / (1 + Math.exp(m));
}
