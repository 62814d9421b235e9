// Sample-ratio mismatch: a chi-squared goodness-of-fit test of the units each arm received against
// the declared allocation; a p-value below 0.001 means the assignment is broken (GrowthBook's rule).
import { chiSquareCdf } from "../stats/distributions.js";

/** The p-value below which the split is reported as mismatched. */
export const SRM_THRESHOLD = 0.001;

export interface SrmResult {
  chiSquare: number;
  df: number;
  pValue: number;
  /** pValue < SRM_THRESHOLD */
  mismatch: boolean;
}

/** `observed[i]` units seen in arm i, `shares[i]` its declared share (any positive scale; normalised). */
export function sampleRatioMismatch(observed: readonly number[], shares: readonly number[]): SrmResult {
  if (observed.length !== shares.length || observed.length < 2)
    throw new RangeError("sample-ratio check needs the same number (at least two) of counts and shares");
  const total = observed.reduce((a, b) => a + b, 0);
  const shareSum = shares.reduce((a, b) => a + b, 0);
  if (!(shareSum > 0) || shares.some((s) => !(s > 0))) throw new RangeError("every share must be positive");
  const df = observed.length - 1;
  if (total === 0) return { chiSquare: 0, df, pValue: 1, mismatch: false };
  let chi = 0;
  for (let i = 0; i < observed.length; i++) {
    const expected = (total * shares[i]!) / shareSum;
    chi += (observed[i]! - expected) ** 2 / expected;
  }
  const pValue = Math.max(0, 1 - chiSquareCdf(chi, df));
  return { chiSquare: chi, df, pValue, mismatch: pValue < SRM_THRESHOLD };
}
