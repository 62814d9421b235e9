// Treatment vs control on per-unit outcomes: the fixed-horizon z-test and the normal-mixture
// sequential test (mSPRT, Johari et al. 2017) whose p-values and intervals stay valid under peeking.
import { normalQuantile, twoSidedNormalP } from "../stats/distributions.js";

/** Sufficient statistics of one arm's per-unit outcomes. */
export interface ArmMoments {
  n: number;
  mean: number;
  /** Unbiased sample variance of the per-unit outcome. */
  variance: number;
}

export type TestKind = "sequential" | "fixed";

export interface ArmComparison {
  test: TestKind;
  /** treatment mean − control mean */
  difference: number;
  lower: number;
  upper: number;
  /** Relative lift (treatment − control) / control, with its interval; NaN when the control mean is 0. */
  lift: number;
  liftLower: number;
  liftUpper: number;
  /** Two-sided p-value (always-valid for the sequential test). */
  pValue: number;
  /** pValue < alpha: the arms differ. */
  significant: boolean;
}

/** Moments of an array of outcomes (Welford), for callers holding raw values. */
export function momentsOf(values: ArrayLike<number>): ArmMoments {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    n++;
    const d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
  }
  return { n, mean, variance: n > 1 ? m2 / (n - 1) : 0 };
}

interface Spread {
  difference: number;
  /** Variance of the difference of the means. */
  v: number;
  lift: number;
  /** Variance of the relative lift (delta method). */
  vLift: number;
}

function spread(c: ArmMoments, t: ArmMoments): Spread {
  if (c.n < 2 || t.n < 2) throw new RangeError("each arm needs at least two units to be compared");
  const vc = c.variance / c.n;
  const vt = t.variance / t.n;
  const difference = t.mean - c.mean;
  const lift = c.mean !== 0 ? difference / c.mean : NaN;
  const vLift = c.mean !== 0 ? vt / c.mean ** 2 + (t.mean ** 2 * vc) / c.mean ** 4 : NaN;
  return { difference, v: vc + vt, lift, vLift };
}

/** Fixed-horizon two-sided z-test (Welch standard error); valid only when looked at once, at the planned size. */
export function fixedTest(control: ArmMoments, treatment: ArmMoments, alpha: number): ArmComparison {
  const s = spread(control, treatment);
  const z = normalQuantile(1 - alpha / 2);
  const se = Math.sqrt(s.v);
  const seLift = Math.sqrt(s.vLift);
  const pValue = se > 0 ? twoSidedNormalP(s.difference / se) : s.difference === 0 ? 1 : 0;
  return {
    test: "fixed",
    difference: s.difference,
    lower: s.difference - z * se,
    upper: s.difference + z * se,
    lift: s.lift,
    liftLower: s.lift - z * seLift,
    liftUpper: s.lift + z * seLift,
    pValue,
    significant: pValue < alpha,
  };
}

/** ln Λ of the normal-mixture SPRT for an estimate with variance v, mixing variance tau2 (H0: difference 0). */
function logMixtureRatio(difference: number, v: number, tau2: number): number {
  return 0.5 * Math.log(v / (v + tau2)) + (tau2 * difference * difference) / (2 * v * (v + tau2));
}

/** Half-width of the (1 − alpha) confidence sequence around an estimate with variance v. */
function csHalfWidth(v: number, tau2: number, alpha: number): number {
  return Math.sqrt(((v * (v + tau2)) / tau2) * (Math.log((v + tau2) / v) + 2 * Math.log(1 / alpha)));
}

/**
 * Mixture SPRT with a N(0, tau2) mixing distribution over the difference: p = min(1, 1/Λ), and the
 * confidence sequence {Δ : Λ(Δ) < 1/alpha}. Both hold at any stopping time, so the status may be
 * checked as often as wanted. `tau2` is the mixing variance in squared outcome units (the planned
 * effect squared is a good choice); the lift interval uses the same width rule on the lift's variance
 * with tau2 scaled by the control mean.
 */
export function sequentialTest(
  control: ArmMoments,
  treatment: ArmMoments,
  alpha: number,
  tau2: number,
): ArmComparison {
  if (!(tau2 > 0)) throw new RangeError(`the mixing variance must be positive, got ${tau2}`);
  const s = spread(control, treatment);
  if (!(s.v > 0)) {
    const same = s.difference === 0;
    return {
      test: "sequential",
      difference: s.difference,
      lower: s.difference,
      upper: s.difference,
      lift: s.lift,
      liftLower: s.lift,
      liftUpper: s.lift,
      pValue: same ? 1 : 0,
      significant: !same,
    };
  }
  const pValue = Math.min(1, Math.exp(-logMixtureRatio(s.difference, s.v, tau2)));
  const hw = csHalfWidth(s.v, tau2, alpha);
  const tauLift = control.mean !== 0 ? tau2 / control.mean ** 2 : NaN;
  const hwLift = s.vLift > 0 ? csHalfWidth(s.vLift, tauLift, alpha) : 0;
  return {
    test: "sequential",
    difference: s.difference,
    lower: s.difference - hw,
    upper: s.difference + hw,
    lift: s.lift,
    liftLower: s.lift - hwLift,
    liftUpper: s.lift + hwLift,
    pValue,
    significant: pValue < alpha,
  };
}

export function compareArms(
  test: TestKind,
  control: ArmMoments,
  treatment: ArmMoments,
  alpha: number,
  tau2: number,
): ArmComparison {
  return test === "fixed"
    ? fixedTest(control, treatment, alpha)
    : sequentialTest(control, treatment, alpha, tau2);
}
