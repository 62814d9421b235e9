// Parzen estimators for TPE: a truncated-Gaussian mixture with adaptive bandwidths (hyperopt's
// rule: the larger gap to a sorted neighbour, clipped) plus a broad prior; smoothed categoricals.
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
