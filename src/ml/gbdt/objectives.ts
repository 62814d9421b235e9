// GBDT objectives: starting margin, gradient pairs and the early-stopping metric of each
// loss. Binary logloss, multiclass softmax, squared / absolute / Huber regression, LambdaRank (NDCG).
import type { Link } from "../tree/ensemble.js";

export type ObjectiveName = "binary" | "multiclass" | "squared" | "absolute" | "huber" | "lambdarank";

export interface ObjectiveData {
  y: Float64Array;
  /** Effective row weights (with class weights applied), or null for all ones. */
  w: Float64Array | null;
  group?: Int32Array;
}

interface Objective {
  name: ObjectiveName;
  link: Link;
  metric: { name: string; higherIsBetter: boolean };
  /** Absolute loss: leaves are refit to the weighted median of residuals (a gradient step is poor for L1). */
  refitMedian: boolean;
  base(d: ObjectiveData, k: number): Float64Array;
  /** gh[c][2i], gh[c][2i+1] = gradient, hessian of row i for output c (weights applied). */
  gradients(margin: Float64Array, k: number, d: ObjectiveData, gh: Float64Array[]): void;
  evaluate(margin: Float64Array, k: number, d: ObjectiveData): number;
}

const wOf = (w: Float64Array | null, i: number) => (w ? w[i]! : 1);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const EPS = 1e-15;

export function weightedMedian(
  values: Float64Array,
  w: Float64Array | null,
  idx?: ArrayLike<number>,
): number {
  const n = idx ? idx.length : values.length;
  if (n === 0) return 0;
  const order = new Int32Array(n);
  const val = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    order[i] = i;
    val[i] = values[idx ? idx[i]! : i]!;
  }
  order.sort((a, b) => val[a]! - val[b]! || a - b);
  let total = 0;
  for (let i = 0; i < n; i++) total += wOf(w, idx ? idx[i]! : i);
  let acc = 0;
  for (let j = 0; j < n; j++) {
    const i = order[j]!;
    acc += wOf(w, idx ? idx[i]! : i);
    if (acc >= total / 2) return val[i]!;
  }
  return val[order[n - 1]!]!;
}

/**
 * Row-range gradient kernels (rows from..to): the objectives run them over all rows, the row pool's
 * threads (row-pool.ts) over their share; each row's pair depends only on its own margin, so any
 * split of the rows gives the same numbers.
 */
export const GRADIENT_KERNELS = {
  binary: (m, _k, y, w, gh, from, to) => binaryGradients(m, y, w, gh, from, to),
  squared: (m, _k, y, w, gh, from, to) => squaredGradients(m, y, w, gh, from, to),
  multiclass: multiclassGradients,
} satisfies Record<string, GradientKernel>;

export type GradientKernel = (
  m: Float64Array,
  k: number,
  y: Float64Array,
  w: Float64Array | null,
  gh: Float64Array[],
  from: number,
  to: number,
) => void;

function binaryGradients(
  m: Float64Array,
  y: Float64Array,
  w: Float64Array | null,
  gh: Float64Array[],
  from: number,
  to: number,
): void {
  const o = gh[0]!;
  for (let i = from; i < to; i++) {
    const p = sigmoid(m[i]!);
    const wi = wOf(w, i);
    o[2 * i] = (p - y[i]!) * wi;
    o[2 * i + 1] = Math.max(p * (1 - p), 1e-16) * wi;
  }
}

function squaredGradients(
  m: Float64Array,
  y: Float64Array,
  w: Float64Array | null,
  gh: Float64Array[],
  from: number,
  to: number,
): void {
  const o = gh[0]!;
  for (let i = from; i < to; i++) {
    const wi = wOf(w, i);
    o[2 * i] = (m[i]! - y[i]!) * wi;
    o[2 * i + 1] = wi;
  }
}

function multiclassGradients(
  m: Float64Array,
  k: number,
  y: Float64Array,
  w: Float64Array | null,
  gh: Float64Array[],
  from: number,
  to: number,
): void {
  const p = new Float64Array(k);
  for (let i = from; i < to; i++) {
    softmaxRow(m, i * k, k, p);
    const wi = wOf(w, i);
    const yi = y[i]!;
    for (let c = 0; c < k; c++) {
      const pc = p[c]!;
      gh[c]![2 * i] = (pc - (yi === c ? 1 : 0)) * wi;
      gh[c]![2 * i + 1] = Math.max(2 * pc * (1 - pc), 1e-16) * wi;
    }
  }
}

const binary = (fromAverage: boolean): Objective => ({
  name: "binary",
  link: "sigmoid",
  metric: { name: "logloss", higherIsBetter: false },
  refitMedian: false,
  base({ y, w }) {
    let s = 0;
    let t = 0;
    for (let i = 0; i < y.length; i++) {
      s += wOf(w, i) * y[i]!;
      t += wOf(w, i);
    }
    const p = Math.min(1 - 1e-6, Math.max(1e-6, t > 0 ? s / t : 0.5));
    return Float64Array.of(fromAverage ? Math.log(p / (1 - p)) : 0);
  },
  gradients(m, _k, { y, w }, gh) {
    binaryGradients(m, y, w, gh, 0, y.length);
  },
  evaluate(m, _k, { y, w }) {
    let s = 0;
    let t = 0;
    for (let i = 0; i < y.length; i++) {
      const p = Math.min(1 - EPS, Math.max(EPS, sigmoid(m[i]!)));
      const wi = wOf(w, i);
      s -= wi * (y[i]! > 0.5 ? Math.log(p) : Math.log(1 - p));
      t += wi;
    }
    return s / t;
  },
});

function softmaxRow(m: Float64Array, o: number, k: number, p: Float64Array): void {
  let max = -Infinity;
  for (let c = 0; c < k; c++) max = Math.max(max, m[o + c]!);
  let s = 0;
  for (let c = 0; c < k; c++) s += p[c] = Math.exp(m[o + c]! - max);
  for (let c = 0; c < k; c++) p[c] = p[c]! / s;
}

const multiclass = (fromAverage: boolean): Objective => ({
  name: "multiclass",
  link: "softmax",
  metric: { name: "mlogloss", higherIsBetter: false },
  refitMedian: false,
  base({ y, w }, k) {
    const out = new Float64Array(k);
    if (!fromAverage) return out;
    // Log class priors (smoothed so an absent class stays finite).
    const tot = new Float64Array(k).fill(1e-6);
    for (let i = 0; i < y.length; i++) {
      const cls = y[i]!;
      tot[cls] = tot[cls]! + wOf(w, i);
    }
    for (let c = 0; c < k; c++) out[c] = Math.log(tot[c]!);
    return out;
  },
  gradients(m, k, { y, w }, gh) {
    multiclassGradients(m, k, y, w, gh, 0, y.length);
  },
  evaluate(m, k, { y, w }) {
    const p = new Float64Array(k);
    let s = 0;
    let t = 0;
    for (let i = 0; i < y.length; i++) {
      softmaxRow(m, i * k, k, p);
      const wi = wOf(w, i);
      s -= wi * Math.log(Math.max(EPS, p[y[i]!]!));
      t += wi;
    }
    return s / t;
  },
});

function rmse(m: Float64Array, _k: number, { y, w }: ObjectiveData): number {
  let s = 0;
  let t = 0;
  for (let i = 0; i < y.length; i++) {
    const r = m[i]! - y[i]!;
    s += wOf(w, i) * r * r;
    t += wOf(w, i);
  }
  return Math.sqrt(s / t);
}

function weightedMean({ y, w }: ObjectiveData): Float64Array {
  let s = 0;
  let t = 0;
  for (let i = 0; i < y.length; i++) {
    s += wOf(w, i) * y[i]!;
    t += wOf(w, i);
  }
  return Float64Array.of(t > 0 ? s / t : 0);
}

const squared: Objective = {
  name: "squared",
  link: "identity",
  metric: { name: "rmse", higherIsBetter: false },
  refitMedian: false,
  base: weightedMean,
  gradients(m, _k, { y, w }, gh) {
    squaredGradients(m, y, w, gh, 0, y.length);
  },
  evaluate: rmse,
};

const absolute: Objective = {
  name: "absolute",
  link: "identity",
  metric: { name: "mae", higherIsBetter: false },
  refitMedian: true,
  base({ y, w }) {
    return Float64Array.of(weightedMedian(y, w));
  },
  gradients(m, _k, { y, w }, gh) {
    const o = gh[0]!;
    for (let i = 0; i < y.length; i++) {
      const wi = wOf(w, i);
      const r = m[i]! - y[i]!;
      o[2 * i] = (r > 0 ? 1 : r < 0 ? -1 : 0) * wi;
      o[2 * i + 1] = wi;
    }
  },
  evaluate(m, _k, { y, w }) {
    let s = 0;
    let t = 0;
    for (let i = 0; i < y.length; i++) {
      s += wOf(w, i) * Math.abs(m[i]! - y[i]!);
      t += wOf(w, i);
    }
    return s / t;
  },
};

function huber(delta: number): Objective {
  return {
    name: "huber",
    link: "identity",
    metric: { name: "huber", higherIsBetter: false },
    refitMedian: false,
    base: weightedMean,
    gradients(m, _k, { y, w }, gh) {
      const o = gh[0]!;
      for (let i = 0; i < y.length; i++) {
        const wi = wOf(w, i);
        const r = m[i]! - y[i]!;
        o[2 * i] = Math.max(-delta, Math.min(delta, r)) * wi;
        o[2 * i + 1] = wi;
      }
    },
    evaluate(m, _k, { y, w }) {
      let s = 0;
      let t = 0;
      for (let i = 0; i < y.length; i++) {
        const a = Math.abs(m[i]! - y[i]!);
        s += wOf(w, i) * (a <= delta ? 0.5 * a * a : delta * (a - 0.5 * delta));
        t += wOf(w, i);
      }
      return s / t;
    },
  };
}

/** Groups as [start, end) row ranges from contiguous group ids. */
export function groupRanges(group: Int32Array): Int32Array {
  const bounds: number[] = [0];
  for (let i = 1; i < group.length; i++) if (group[i] !== group[i - 1]) bounds.push(i);
  bounds.push(group.length);
  return Int32Array.from(bounds);
}

const gainOf = (label: number) => Math.pow(2, label) - 1;
const discount = (rank: number) => 1 / Math.log2(rank + 2);

/** NDCG@k of one group given scores; 1 when the group has no relevant item. */
export function ndcgAt(
  y: Float64Array,
  score: ArrayLike<number>,
  start: number,
  end: number,
  k: number,
): number {
  const n = end - start;
  const byScore = Array.from({ length: n }, (_, i) => start + i).sort(
    (a, b) => score[b]! - score[a]! || a - b,
  );
  const ideal = Array.from({ length: n }, (_, i) => y[start + i]!).sort((a, b) => b - a);
  let dcg = 0;
  let idcg = 0;
  for (let r = 0; r < Math.min(k, n); r++) {
    dcg += gainOf(y[byScore[r]!]!) * discount(r);
    idcg += gainOf(ideal[r]!) * discount(r);
  }
  return idcg > 0 ? dcg / idcg : 1;
}

function lambdarank(ndcgK: number): Objective {
  return {
    name: "lambdarank",
    link: "identity",
    metric: { name: `ndcg@${ndcgK}`, higherIsBetter: true },
    refitMedian: false,
    base() {
      return new Float64Array(1);
    },
    gradients(m, _k, { y, w, group }, gh) {
      const o = gh[0]!;
      o.fill(0);
      const ranges = groupRanges(group!);
      for (let q = 0; q + 1 < ranges.length; q++) {
        const start = ranges[q]!;
        const end = ranges[q + 1]!;
        const n = end - start;
        if (n < 2) continue;
        // Ranks by current score, and the ideal DCG for normalisation (full list).
        const order = Array.from({ length: n }, (_, i) => start + i).sort((a, b) => m[b]! - m[a]! || a - b);
        const rank = new Int32Array(n);
        order.forEach((row, r) => (rank[row - start] = r));
        const ideal = Array.from({ length: n }, (_, i) => y[start + i]!).sort((a, b) => b - a);
        let idcg = 0;
        for (let r = 0; r < n; r++) idcg += gainOf(ideal[r]!) * discount(r);
        if (idcg <= 0) continue;
        for (let i = start; i < end; i++) {
          for (let j = start; j < end; j++) {
            if (y[i]! <= y[j]!) continue;
            // i should rank above j.
            const delta =
              Math.abs(
                (gainOf(y[i]!) - gainOf(y[j]!)) * (discount(rank[i - start]!) - discount(rank[j - start]!)),
              ) / idcg;
            const rho = 1 / (1 + Math.exp(m[i]! - m[j]!));
            const wq = wOf(w, i);
            const lambda = rho * delta * wq;
            const hess = Math.max(rho * (1 - rho), 1e-16) * delta * wq;
            o[2 * i] = o[2 * i]! - lambda;
            o[2 * j] = o[2 * j]! + lambda;
            o[2 * i + 1] = o[2 * i + 1]! + hess;
            o[2 * j + 1] = o[2 * j + 1]! + hess;
          }
        }
      }
      for (let i = 0; i < y.length; i++) if (o[2 * i + 1] === 0) o[2 * i + 1] = 1e-16;
    },
    evaluate(m, _k, { y, group }) {
      const ranges = groupRanges(group!);
      let s = 0;
      for (let q = 0; q + 1 < ranges.length; q++) s += ndcgAt(y, m, ranges[q]!, ranges[q + 1]!, ndcgK);
      return s / (ranges.length - 1);
    },
  };
}

export function objectiveFor(
  name: ObjectiveName,
  opts: { huberDelta: number; ndcgAt: number; boostFromAverage: boolean },
): Objective {
  switch (name) {
    case "binary":
      return binary(opts.boostFromAverage);
    case "multiclass":
      return multiclass(opts.boostFromAverage);
    case "squared":
      return squared;
    case "absolute":
      return absolute;
    case "huber":
      return huber(opts.huberDelta);
    case "lambdarank":
      return lambdarank(opts.ndcgAt);
  }
}
