// OWL-QN (Andrew & Gao 2007): limited-memory quasi-Newton for a smooth convex loss plus an L1
// penalty. With no L1 it is plain L-BFGS with Armijo backtracking. Knows nothing about models.

export interface SmoothObjective {
  /** Writes the gradient of the smooth part into `grad` and returns its value. */
  (w: Float64Array, grad: Float64Array): number;
}

interface SolverOptions {
  /** Per-coordinate L1 weight (0 for unpenalised coordinates such as intercepts). */
  l1: Float64Array;
  maxIter: number;
  /** Converged when the infinity norm of the (pseudo-)gradient falls below this. */
  tol: number;
  memory?: number;
  /** Called after each accepted step; returning "stop" ends the solve. */
  onIteration?(iteration: number, w: Float64Array, objective: number): void | "stop";
  signal?: AbortSignal;
}

interface SolverResult {
  w: Float64Array;
  objective: number;
  iterations: number;
  converged: boolean;
  /** Infinity norm of the pseudo-gradient at the solution. */
  gradNorm: number;
}

export async function minimizeOwlqn(
  f: SmoothObjective,
  w0: Float64Array,
  opts: SolverOptions,
): Promise<SolverResult> {
  const n = w0.length;
  const m = opts.memory ?? 10;
  const l1 = opts.l1;
  const hasL1 = l1.some((v) => v > 0);
  let w = Float64Array.from(w0);
  let g = new Float64Array(n);
  let fx = f(w, g) + l1Norm(w, l1);
  const pg = new Float64Array(n);
  pseudoGradient(w, g, l1, pg);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const dir = new Float64Array(n);
  const alpha = new Float64Array(m);
  let wNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  let iterations = 0;
  let gradNorm = infNorm(pg);
  let converged = gradNorm <= opts.tol;

  let lastYield = Date.now();
  while (!converged && iterations < opts.maxIter) {
    // Yield to the event loop now and then so an abort (timer, signal handler) can land mid-solve.
    if (Date.now() - lastYield > 50) {
      await new Promise((r) => setImmediate(r));
      lastYield = Date.now();
    }
    if (opts.signal?.aborted)
      throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error("training aborted");
    // Two-loop recursion: dir = -H·pg.
    for (let i = 0; i < n; i++) dir[i] = -pg[i]!;
    for (let k = S.length - 1; k >= 0; k--) {
      const a = rho[k]! * dot(S[k]!, dir);
      alpha[k] = a;
      axpy(-a, Y[k]!, dir);
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = dot(S[last]!, Y[last]!) / dot(Y[last]!, Y[last]!);
      for (let i = 0; i < n; i++) dir[i]! *= gamma;
    }
    for (let k = 0; k < S.length; k++) {
      const b = rho[k]! * dot(Y[k]!, dir);
      axpy(alpha[k]! - b, S[k]!, dir);
    }
    // Keep only components that descend along the pseudo-gradient (OWL-QN's direction projection).
    if (hasL1) for (let i = 0; i < n; i++) if (dir[i]! * pg[i]! >= 0) dir[i] = 0;
    let slope = dot(dir, pg);
    if (!(slope < 0)) {
      // Not a descent direction (curvature history went stale): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) dir[i] = -pg[i]!;
      slope = dot(dir, pg);
    }
    let step = S.length === 0 ? Math.min(1, 1 / Math.max(infNorm(dir), 1e-300)) : 1;
    let fNew = Infinity;
    let accepted = false;
    for (let ls = 0; ls < 60; ls++) {
      for (let i = 0; i < n; i++) {
        let v = w[i]! + step * dir[i]!;
        if (hasL1 && l1[i]! > 0) {
          // Orthant projection: a coordinate may not cross zero within one step.
          const orth = w[i]! !== 0 ? Math.sign(w[i]!) : -Math.sign(pg[i]!);
          if (v * orth <= 0) v = 0;
        }
        wNew[i] = v;
      }
      fNew = f(wNew, gNew) + l1Norm(wNew, l1);
      let decrease = 0;
      for (let i = 0; i < n; i++) decrease += pg[i]! * (wNew[i]! - w[i]!);
      if (fNew <= fx + 1e-4 * decrease) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break; // no further progress possible at this precision
    iterations++;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = wNew[i]! - w[i]!;
      y[i] = gNew[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    const fOld = fx;
    [w, wNew] = [wNew, w];
    [g, gNew] = [gNew, g];
    fx = fNew;
    pseudoGradient(w, g, l1, pg);
    gradNorm = infNorm(pg);
    converged = gradNorm <= opts.tol;
    if (opts.onIteration?.(iterations, w, fx) === "stop") break;
    // Relative decrease at the limit of double precision: the optimum is reached as far as it can be.
    if (!converged && Math.abs(fOld - fx) <= 1e-15 * Math.max(1, Math.abs(fx))) break;
  }
  return { w, objective: fx, iterations, converged, gradNorm };
}

/** The minimum-norm subgradient of loss + L1 (equals the gradient where L1 is 0). */
function pseudoGradient(w: Float64Array, g: Float64Array, l1: Float64Array, out: Float64Array): void {
  for (let i = 0; i < w.length; i++) {
    const c = l1[i]!;
    const gi = g[i]!;
    if (c === 0) out[i] = gi;
    else if (w[i]! > 0) out[i] = gi + c;
    else if (w[i]! < 0) out[i] = gi - c;
    else if (gi + c < 0) out[i] = gi + c;
    else if (gi - c > 0) out[i] = gi - c;
    else out[i] = 0;
  }
}

function l1Norm(w: Float64Array, l1: Float64Array): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += l1[i]! * Math.abs(w[i]!);
  return s;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i]! += a * x[i]!;
}

function infNorm(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
