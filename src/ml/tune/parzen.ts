// Parzen estimators for TPE: a truncated-Gaussian mixture with adaptive bandwidths (hyperopt's
// rule: the larger gap to a sorted neighbour, clipped) plus a broad prior; smoothed categoricals;
// and the joint product-kernel mixture of multivariate TPE (Scott-style bandwidths).
import { normalCdf, normalQuantile } from "../stats/distributions.js";
import type { Rng } from "../random.js";

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

export class NumericParzen {
  readonly mus: Float64Array;
  readonly sigmas: Float64Array;
  private readonly logW: Float64Array;
  private readonly cdfLo: Float64Array;
  private readonly cdfHi: Float64Array;
  private readonly logMass: Float64Array;
  private readonly cumW: Float64Array;

  /** `obs` in the internal coordinate, inside [lo, hi]; the prior is N((lo+hi)/2, hi − lo) with weight `priorWeight`. */
  constructor(
    obs: readonly number[],
    readonly lo: number,
    readonly hi: number,
    priorWeight = 1,
  ) {
    const range = hi - lo;
    const priorMu = (lo + hi) / 2;
    const pts = obs
      .map((x, i) => ({ x, prior: false, i }))
      .concat([{ x: priorMu, prior: true, i: obs.length }]);
    pts.sort((a, b) => a.x - b.x || a.i - b.i);
    const k = pts.length;
    this.mus = Float64Array.from(pts, (p) => p.x);
    this.sigmas = new Float64Array(k);
    const minSigma = range / Math.min(100, 1 + k);
    for (let j = 0; j < k; j++) {
      if (pts[j]!.prior) {
        this.sigmas[j] = range;
        continue;
      }
      const left = j > 0 ? this.mus[j]! - this.mus[j - 1]! : -Infinity;
      const right = j < k - 1 ? this.mus[j + 1]! - this.mus[j]! : -Infinity;
      const s = Math.max(left, right);
      this.sigmas[j] = Math.min(range, Math.max(minSigma, Number.isFinite(s) ? s : range));
    }
    const total = obs.length + priorWeight;
    this.logW = Float64Array.from(pts, (p) => Math.log((p.prior ? priorWeight : 1) / total));
    this.cumW = new Float64Array(k);
    let c = 0;
    for (let j = 0; j < k; j++) this.cumW[j] = c += Math.exp(this.logW[j]!);
    this.cdfLo = new Float64Array(k);
    this.cdfHi = new Float64Array(k);
    this.logMass = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      this.cdfLo[j] = normalCdf((lo - this.mus[j]!) / this.sigmas[j]!);
      this.cdfHi[j] = normalCdf((hi - this.mus[j]!) / this.sigmas[j]!);
      this.logMass[j] = Math.log(Math.max(this.cdfHi[j]! - this.cdfLo[j]!, 1e-300));
    }
  }

  /** One draw: pick a component by weight, then invert its CDF truncated to [lo, hi]. */
  sample(rng: Rng): number {
    const u = rng.next() * this.cumW[this.cumW.length - 1]!;
    let j = 0;
    while (j < this.cumW.length - 1 && this.cumW[j]! <= u) j++;
    const a = this.cdfLo[j]!;
    const b = this.cdfHi[j]!;
    const v = rng.next();
    if (b - a < 1e-12) return Math.min(this.hi, Math.max(this.lo, this.mus[j]!));
    const x = this.mus[j]! + this.sigmas[j]! * normalQuantile(a + (b - a) * v);
    return Math.min(this.hi, Math.max(this.lo, x));
  }

  logPdf(x: number): number {
    let max = -Infinity;
    const terms = new Float64Array(this.mus.length);
    for (let j = 0; j < this.mus.length; j++) {
      const z = (x - this.mus[j]!) / this.sigmas[j]!;
      const t = this.logW[j]! - Math.log(this.sigmas[j]!) - LOG_SQRT_2PI - 0.5 * z * z - this.logMass[j]!;
      terms[j] = t;
      if (t > max) max = t;
    }
    if (max === -Infinity) return -Infinity;
    let s = 0;
    for (let j = 0; j < terms.length; j++) s += Math.exp(terms[j]! - max);
    return max + Math.log(s);
  }
}

/** Category frequencies smoothed by a prior of total weight `priorWeight` spread evenly. */
export class CategoricalParzen {
  private readonly p: Float64Array;

  constructor(obsIndices: readonly number[], k: number, priorWeight = 1) {
    this.p = new Float64Array(k).fill(priorWeight / k);
    for (const i of obsIndices) this.p[i]!++;
    const total = obsIndices.length + priorWeight;
    for (let c = 0; c < k; c++) this.p[c]! /= total;
  }

  sample(rng: Rng): number {
    let u = rng.next();
    for (let c = 0; c < this.p.length; c++) {
      u -= this.p[c]!;
      if (u < 0) return c;
    }
    return this.p.length - 1;
  }

  logPdf(c: number): number {
    return Math.log(this.p[c]!);
  }
}

/** A product-kernel mixture over the internal coordinates of several numeric parameters. */
export class JointParzen {
  /** Kernel centres and per-coordinate bandwidths, the prior's last. */
  readonly mus: number[][];
  readonly sigmas: number[][];
  private readonly logW: number[];
  private readonly logMass: number[];

  constructor(
    points: number[][],
    private readonly lo: number[],
    private readonly hi: number[],
    priorWeight: number,
  ) {
    const d = lo.length;
    const range = lo.map((l, k) => hi[k]! - l);
    // Scott's rule scaled as Optuna does: 0.2 · n^(−1/(d+4)) · range; the prior spans the range.
    // Optuna also floors these bandwidths at range / min(100, n + 2) (its magic clip, which binds
    // only for n ≤ 3 in 4-D: the good set of trials 10–12). mlc does not: measured over seeds 0–19
    // at 20 trials, the floor cut TPE's lead over random on Hartmann-6 from 0.68 to 0.39 (±0.14)
    // and turned the bench's 5-seed Hartmann-6 row at 20 trials from ahead to behind, while
    // Branin at 40 trials (mean best 0.53 with it, 0.61 without, SE ≈ 0.17) and the churn GBDT
    // (differences within ±0.0015 AUC) did not tell them apart.
    const n = points.length;
    const bw = 0.2 * Math.max(n, 1) ** (-1 / (d + 4));
    this.mus = [...points, lo.map((l, k) => (l + hi[k]!) / 2)];
    this.sigmas = [...points.map(() => range.map((r) => bw * r)), range];
    const total = points.length + priorWeight;
    this.logW = [...points.map(() => Math.log(1 / total)), Math.log(priorWeight / total)];
    this.logMass = this.mus.map((mu, c) =>
      mu.reduce(
        (s, m, k) =>
          s +
          Math.log(
            Math.max(
              normalCdf((hi[k]! - m) / this.sigmas[c]![k]!) - normalCdf((lo[k]! - m) / this.sigmas[c]![k]!),
              1e-300,
            ),
          ),
        0,
      ),
    );
  }

  sample(rng: Rng): number[] {
    let u = rng.next();
    let c = 0;
    for (; c < this.logW.length - 1; c++) {
      u -= Math.exp(this.logW[c]!);
      if (u < 0) break;
    }
    return this.mus[c]!.map((m, k) => {
      const s = this.sigmas[c]![k]!;
      const a = normalCdf((this.lo[k]! - m) / s);
      const b = normalCdf((this.hi[k]! - m) / s);
      const v = rng.next();
      if (b - a < 1e-12) return Math.min(this.hi[k]!, Math.max(this.lo[k]!, m));
      return Math.min(this.hi[k]!, Math.max(this.lo[k]!, m + s * normalQuantile(a + (b - a) * v)));
    });
  }

  logPdf(x: number[]): number {
    const terms = this.mus.map((mu, c) => {
      let t = this.logW[c]! - this.logMass[c]!;
      for (let k = 0; k < x.length; k++) {
        const s = this.sigmas[c]![k]!;
        const z = (x[k]! - mu[k]!) / s;
        t -= Math.log(s) + 0.5 * Math.log(2 * Math.PI) + 0.5 * z * z;
      }
      return t;
    });
    const max = Math.max(...terms);
    return max + Math.log(terms.reduce((s, t) => s + Math.exp(t - max), 0));
  }
}
