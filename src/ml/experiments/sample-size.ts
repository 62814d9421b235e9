// Sample size per arm of a two-sample z-test from the minimum detectable effect, alpha and power,
// for proportions (Cohen's h) and means; the same power function and root as statsmodels' NormalIndPower.
import { normalCdf, normalQuantile } from "../stats/distributions.js";

export interface PowerTarget {
  /** Two-sided significance level, in (0, 1). */
  alpha: number;
  /** Planned power, in (0, 1). */
  power: number;
  /** Treatment units per control unit (statsmodels' `ratio`, nobs2 / nobs1); default 1. */
  ratio?: number;
}

export interface SampleSize {
  /** Standardised effect (Cohen's h for proportions, d for means). */
  effectSize: number;
  /** Units the control arm needs (fractional, as statsmodels returns it). */
  control: number;
  /** Units the treatment arm needs (control × ratio). */
  treatment: number;
}

/** Cohen's h between two proportions: 2·asin(√p1) − 2·asin(√p2) (statsmodels proportion_effectsize). */
export function proportionEffectSize(p1: number, p2: number): number {
  return 2 * Math.asin(Math.sqrt(p1)) - 2 * Math.asin(Math.sqrt(p2));
}

/** Power of the two-sided z-test for a standardised effect with n1 control and n1·ratio treatment units. */
export function twoSampleZPower(effectSize: number, n1: number, alpha: number, ratio = 1): number {
  const nEff = 1 / (1 / n1 + 1 / (n1 * ratio));
  const shift = Math.abs(effectSize) * Math.sqrt(nEff);
  const crit = normalQuantile(1 - alpha / 2);
  // both rejection regions, as statsmodels counts them
  return normalCdf(shift - crit) + normalCdf(-shift - crit);
}

function check(target: PowerTarget): number {
  const ratio = target.ratio ?? 1;
  if (!(target.alpha > 0 && target.alpha < 1))
    throw new RangeError(`alpha must be in (0, 1), got ${target.alpha}`);
  if (!(target.power > target.alpha && target.power < 1))
    throw new RangeError(`power must be in (alpha, 1), got ${target.power}`);
  if (!(ratio > 0 && Number.isFinite(ratio))) throw new RangeError(`ratio must be positive, got ${ratio}`);
  return ratio;
}

/** Units per arm for a standardised effect: the n1 at which the power function reaches the target. */
export function sampleSizeForEffect(effectSize: number, target: PowerTarget): SampleSize {
  const ratio = check(target);
  if (!(Math.abs(effectSize) > 0 && Number.isFinite(effectSize)))
    throw new RangeError(`the effect size must be a non-zero number, got ${effectSize}`);
  // closed form ignoring the far tail, then bisection on the exact power (monotone in n)
  const za = normalQuantile(1 - target.alpha / 2);
  const zb = normalQuantile(target.power);
  const approx = ((za + zb) ** 2 * (1 + 1 / ratio)) / effectSize ** 2;
  let lo = approx / 4;
  let hi = approx * 1.01 + 1;
  while (twoSampleZPower(effectSize, hi, target.alpha, ratio) < target.power) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-9 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (twoSampleZPower(effectSize, mid, target.alpha, ratio) < target.power) lo = mid;
    else hi = mid;
  }
  const control = (lo + hi) / 2;
  return { effectSize, control, treatment: control * ratio };
}

/** Units per arm to detect a relative lift `mde` (0.05 = +5%) on a conversion rate `baseline`. */
export function proportionSampleSize(baseline: number, mde: number, target: PowerTarget): SampleSize {
  if (!(baseline > 0 && baseline < 1))
    throw new RangeError(`baseline rate must be in (0, 1), got ${baseline}`);
  const treated = baseline * (1 + mde);
  if (!(treated > 0 && treated < 1))
    throw new RangeError(`baseline ${baseline} with a lift of ${mde} leaves (0, 1): ${treated}`);
  return sampleSizeForEffect(proportionEffectSize(treated, baseline), target);
}

/** Units per arm to detect a relative lift `mde` on a mean `mean` whose unit-level standard deviation is `sd`. */
export function meanSampleSize(mean: number, sd: number, mde: number, target: PowerTarget): SampleSize {
  if (!(sd > 0)) throw new RangeError(`the standard deviation must be positive, got ${sd}`);
  return sampleSizeForEffect((mean * mde) / sd, target);
}
