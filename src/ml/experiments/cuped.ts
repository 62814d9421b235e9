// CUPED variance reduction (Deng et al. 2013): outcomes adjusted by a pre-period covariate,
// y − θ·(x − mean x) with θ = cov(x, y) / var(x) pooled over all arms, so the lift is unchanged in expectation.

export interface CupedFit {
  theta: number;
  covariateMean: number;
}

/** θ and the covariate mean from pooled (outcome, covariate) pairs; θ = 0 when the covariate is constant. */
export function fitCuped(y: ArrayLike<number>, x: ArrayLike<number>): CupedFit {
  if (y.length !== x.length) throw new RangeError("CUPED needs one covariate value per outcome");
  const n = y.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n || 1;
  my /= n || 1;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    sxy += dx * (y[i]! - my);
    sxx += dx * dx;
  }
  return { theta: sxx > 0 ? sxy / sxx : 0, covariateMean: mx };
}

/** The adjusted outcome of one unit. */
export const cupedAdjust = (fit: CupedFit, y: number, x: number): number =>
  y - fit.theta * (x - fit.covariateMean);
