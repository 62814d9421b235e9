// A tuning trial's expected fit cost from its parameters, relative to the other trials of its search:
// the study starts the trials of a random or grid search on several lanes costliest first
// (StudyOptions.expectedCost), so the search ends on short trials. It orders trials only: a wrong
// guess costs time, never a different result.
import type { Params } from "../../ml/estimator.js";

/**
 * Trees × the levels a tree grows (plus one for the rest of a round), for tree ensembles: a level
 * passes every sampled row, and a tree stops deepening where a node's rows cannot hold
 * `min_child_weight` of hessian (taken as 0.25 a row, the logistic loss's largest), whatever its
 * `max_depth` (or, unbounded, log2 of `max_leaves`). On the churn GBDT's 16 random trials it
 * correlates 0.96 with a trial's CPU time (max_depth alone: 0.83). A parameter the trial does not
 * set counts the same for every trial, so an algorithm without these parameters keeps index order.
 */
export function expectedTrialCost(params: Params, rows: number): number {
  const num = (name: string, fallback: number): number => {
    const v = params[name];
    return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : fallback;
  };
  const trees = num("trees", 1);
  const subsample = Math.min(1, num("subsample", 1));
  const leaves = num("max_leaves", 0);
  const depth = num("max_depth", leaves > 0 ? Math.log2(leaves) : 0);
  const minWeight = num("min_child_weight", 0);
  const reach = minWeight > 0 ? Math.log2(Math.max(2, (rows * subsample * 0.25) / minWeight)) : Infinity;
  const levels = depth > 0 ? Math.min(depth, reach) : Number.isFinite(reach) ? reach : 0;
  return trees * (1 + levels);
}
