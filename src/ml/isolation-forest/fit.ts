// Grows an isolation forest (Liu, Ting & Zhou 2008): one seeded generator per tree, subsamples
// without replacement, progress per tree (AUC when the validation rows carry anomaly labels).
import type { Dataset, FitContext, Params, ParamSpec } from "../estimator.js";
import { ParamReader } from "../nn/param-values.js";
import { Rng } from "../random.js";
import { IsolationForestModel, scoresFromMeanPath } from "./isolation-forest-model.js";
import { addPathLengths, growTree, packForest } from "./isolation-tree.js";
import { ISOLATION_FOREST_PARAMS as ISOLATION_FOREST_SPEC } from "../../ir/params/isolation-forest.js";
import { checkDatasetShape } from "../dataset-shape.js";

export const ISOLATION_FOREST_PARAMS: readonly ParamSpec[] = ISOLATION_FOREST_SPEC.params;

export async function fitIsolationForest(
  train: Dataset,
  valid: Dataset | undefined,
  params: Params,
  ctx: FitContext,
): Promise<IsolationForestModel> {
  checkDatasetShape("isolation_forest", "training", train);
  if (valid) checkDatasetShape("isolation_forest", "validation", valid);
  const p = new ParamReader("isolation_forest", ISOLATION_FOREST_PARAMS, params);
  const n = train.X.nRows;
  if (n < 2) throw new Error("isolation_forest: needs at least 2 training rows");
  const trees = p.number("trees");
  const psi = Math.min(p.number("sample_size"), n);
  const maxDepth = p.number("max_depth") || Math.ceil(Math.log2(psi));
  const contamination = p.number("contamination");
  const rng = new Rng(ctx.seed);
  const all = new Int32Array(n);
  const grown = [];
  const validSum = valid?.y ? new Float64Array(valid.X.nRows) : undefined;
  for (let t = 0; t < trees; t++) {
    if (ctx.signal?.aborted)
      throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error("training aborted");
    const treeRng = rng.fork();
    // Partial Fisher–Yates over a fresh identity permutation: ψ distinct rows.
    for (let i = 0; i < n; i++) all[i] = i;
    for (let i = 0; i < psi; i++) {
      const j = i + treeRng.int(n - i);
      const tmp = all[i]!;
      all[i] = all[j]!;
      all[j] = tmp;
    }
    grown.push(growTree(train.X, all.slice(0, psi), maxDepth, treeRng));
    if (ctx.onProgress) {
      let metric: { name: string; value: number } | undefined;
      if (validSum && valid?.y) {
        const one = packForest([grown[t]!]);
        addPathLengths(one, valid.X, 0, 1, validSum);
        // Higher score ⇔ shorter mean path: AUC of −path against the anomaly labels.
        metric = { name: "auc", value: rankAuc(validSum, valid.y, true) };
      }
      if (ctx.onProgress({ iteration: t + 1, total: trees, metric }) === "stop") break;
    }
  }
  const forest = packForest(grown);
  const pathSum = new Float64Array(n);
  addPathLengths(forest, train.X, 0, grown.length, pathSum);
  for (let i = 0; i < n; i++) pathSum[i] = pathSum[i]! / grown.length;
  const trainScores = scoresFromMeanPath(pathSum, psi);
  const threshold =
    contamination > 0
      ? quantile(trainScores, 1 - contamination)
      : trainScores.reduce((a, b) => Math.max(a, b), 0);
  const used = { trees: grown.length, sample_size: psi, max_depth: maxDepth, contamination };
  return new IsolationForestModel(
    { featureNames: [...train.X.names], sampleSize: psi, contamination, threshold, params: used },
    forest,
  );
}

function quantile(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

/** ROC AUC by ranks (ties averaged); `descending` ranks smaller values as more positive. */
function rankAuc(score: Float64Array, label: Float64Array, descending: boolean): number {
  const n = score.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
    descending ? score[b]! - score[a]! : score[a]! - score[b]!,
  );
  let nPos = 0;
  let rankSum = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && score[order[j + 1]!] === score[order[i]!]) j++;
    const avg = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) {
      if (label[order[t]!]) {
        nPos++;
        rankSum += avg;
      }
    }
    i = j + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return 0.5;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
