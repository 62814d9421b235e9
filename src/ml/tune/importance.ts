// Parameter importance for the tuning report: the share of the objective's variance explained by
// each parameter alone (correlation ratio η² over value bins), from the complete trials.
import type { ParamValue } from "../estimator.js";
import type { SearchSpace } from "./space.js";
import type { ObjectiveTarget, TrialRecord } from "./trial.js";

export interface ParamImportance {
  param: string;
  /** η² in [0, 1]: between-bin variance / total variance of the objective. */
  eta2: number;
  /** η² normalised so the parameters sum to 1 (0 when nothing explains anything). */
  share: number;
}

/**
 * Numeric parameters are split into up to `bins` equal-count bins by rank, choices by value; a
 * trial in which the parameter was inactive falls in its own bin. A cheap, model-free stand-in
 * for fANOVA that is honest about what it measures: marginal association, not interactions.
 */
export function parameterImportance(
  space: SearchSpace,
  trials: readonly TrialRecord[],
  target: ObjectiveTarget,
  bins = 5,
): ParamImportance[] {
  const done = trials.filter((t) => t.status === "complete" && typeof t.values[target.metric] === "number");
  const ys = done.map((t) => t.values[target.metric]!);
  const n = ys.length;
  const mean = ys.reduce((s, v) => s + v, 0) / Math.max(n, 1);
  const sst = ys.reduce((s, v) => s + (v - mean) ** 2, 0);
  const raw = space.map((def) => {
    if (n < 2 || sst === 0) return { param: def.name, eta2: 0 };
    const key = new Array<string>(n);
    if (def.dist.kind === "choice") {
      for (let i = 0; i < n; i++) key[i] = keyOf(done[i]!.params[def.name]);
    } else {
      const present = done
        .map((t, i) => ({ v: t.params[def.name], i }))
        .filter((e): e is { v: number; i: number } => typeof e.v === "number");
      present.sort((a, b) => a.v - b.v || a.i - b.i);
      for (let i = 0; i < n; i++) key[i] = "inactive";
      present.forEach((e, r) => (key[e.i] = `b${Math.floor((r * bins) / present.length)}`));
    }
    const groups = new Map<string, { s: number; c: number }>();
    for (let i = 0; i < n; i++) {
      const g = groups.get(key[i]!) ?? { s: 0, c: 0 };
      g.s += ys[i]!;
      g.c++;
      groups.set(key[i]!, g);
    }
    let ssb = 0;
    for (const g of groups.values()) ssb += g.c * (g.s / g.c - mean) ** 2;
    return { param: def.name, eta2: ssb / sst };
  });
  const total = raw.reduce((s, r) => s + r.eta2, 0);
  return raw.map((r) => ({ ...r, share: total > 0 ? r.eta2 / total : 0 }));
}

function keyOf(v: ParamValue | undefined): string {
  return v === undefined ? "inactive" : `${typeof v}:${String(v)}`;
}

/** Best value so far after each trial (index order), for the optimisation-history plot. */
export function bestSoFar(
  trials: readonly TrialRecord[],
  target: ObjectiveTarget,
): Array<{ index: number; value: number | null; best: number | null }> {
  let best: number | null = null;
  return [...trials]
    .sort((a, b) => a.index - b.index)
    .map((t) => {
      const v = t.status === "complete" ? (t.values[target.metric] ?? null) : null;
      if (v !== null && (best === null || (target.direction === "maximize" ? v > best : v < best))) best = v;
      return { index: t.index, value: v, best };
    });
}
