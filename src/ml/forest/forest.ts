// Random forest on the shared histogram tree code: bootstrap row counts as weights, features
// drawn at every node, leaves = weighted mean target (class indicator for classification).
import type { Dataset, FitContext, ParamSpec, Params, Task } from "../estimator.js";
import { abortError } from "../tree/abort.js";
import type { TreeEnsemble } from "../tree/ensemble.js";
import { growTree, type GrowData, type GrowParams } from "../tree/grow.js";
import { TreeModel } from "../tree/model.js";
import { parseClassWeights, ParamError, resolveParams } from "../tree/params.js";
import { prepareTraining } from "../tree/prepare.js";
import { Rng } from "../random.js";
import { addTreePrediction, type Tree } from "../tree/tree.js";
import { checkDataset } from "../tree/validate.js";
import { RANDOM_FOREST_PARAMS } from "../../ir/params/random-forest.js";

export const FOREST_PARAMS: readonly ParamSpec[] = RANDOM_FOREST_PARAMS.params;

export async function fitForest(
  train: Dataset,
  valid: Dataset | undefined,
  params: Params,
  task: Task,
  ctx: FitContext,
  opts: { workerUrl?: URL | null } = {},
): Promise<TreeModel> {
  const p = resolveParams("random_forest", FOREST_PARAMS, params);
  if (task.kind !== "binary" && task.kind !== "multiclass" && task.kind !== "regression") {
    throw new ParamError(
      `random_forest: task '${task.kind}' is not supported (use binary, multiclass or regression)`,
    );
  }
  checkDataset("random_forest", "training", train, task, false);
  if (valid) checkDataset("random_forest", "validation", valid, task, false);
  const n = train.X.nRows;
  const nFeat = train.X.columns.length;
  const k = task.kind === "multiclass" ? task.classes.length : 1;
  const y = train.y!;
  const seed = (p.seed as number) >= 0 ? (p.seed as number) : ctx.seed;
  const nTrees = p.trees as number;
  const cw = parseClassWeights(
    "random_forest",
    p.class_weights as string,
    task.kind === "regression" ? 0 : task.kind === "binary" ? 2 : k,
  );
  const mf = p.max_features as number;
  const nodeFeatures = Math.max(
    1,
    Math.min(
      nFeat,
      mf > 0
        ? Math.round(mf * nFeat)
        : task.kind === "regression"
          ? Math.floor(nFeat / 3) || 1
          : Math.round(Math.sqrt(nFeat)),
    ),
  );
  const maxDepth = p.max_depth as number;
  const maxLeaves = p.max_leaves as number;
  const prepOpts: Parameters<typeof prepareTraining>[1] = {
    maxBins: p.max_bins as number,
    seed,
    threads: (p.threads as number) || ctx.threads || 0,
    maxDepth,
    maxLeaves,
  };
  if (opts.workerUrl !== undefined) prepOpts.workerUrl = opts.workerUrl;
  const prep = await prepareTraining(train.X, prepOpts);
  try {
    const gh = Array.from({ length: k }, () => new Float64Array(2 * n));
    const growData: GrowData = {
      pool: prep.pool,
      binned: prep.binned,
      nRows: n,
      offsets: prep.offsets,
      cuts: prep.cuts,
      gh: gh[0]!,
    };
    const gp: GrowParams = {
      maxDepth,
      maxLeaves,
      lossguide: maxLeaves > 0,
      learningRate: 1,
      nodeFeatures: nodeFeatures < nFeat ? nodeFeatures : 0,
      lambda: 0,
      alpha: 0,
      minChildWeight: p.min_child_weight as number,
      minSplitGain: p.min_split_gain as number,
    };
    const rng = new Rng(seed);
    const allFeats = Int32Array.from({ length: nFeat }, (_, f) => f);
    const count = new Float64Array(n);
    const draws = Math.max(1, Math.round((p.sample_rate as number) * n));
    const trees: Tree[] = [];
    const vSum = valid ? new Float64Array(valid.X.nRows * k) : null;
    for (let t = 0; t < nTrees; t++) {
      if (ctx.signal?.aborted) throw abortError(ctx.signal);
      count.fill(p.bootstrap ? 0 : 1);
      if (p.bootstrap) for (let j = 0; j < draws; j++) count[rng.int(n)]! += 1;
      const sample: number[] = [];
      for (let i = 0; i < n; i++) if (count[i]! > 0) sample.push(i);
      for (let c = 0; c < k; c++) {
        const g = gh[c]!;
        for (let i = 0; i < n; i++) {
          let w = count[i]! * (train.weight ? train.weight[i]! : 1);
          if (cw) w *= cw[y[i]!]!;
          const target = task.kind === "multiclass" ? (y[i] === c ? 1 : 0) : y[i]!;
          g[2 * i] = -w * target;
          g[2 * i + 1] = w;
        }
        const rows = prep.pool.rows;
        for (let i = 0; i < sample.length; i++) rows[i] = sample[i]!;
        growData.gh = g;
        const tree = growTree(growData, sample.length, allFeats, gp, rng, c).tree;
        trees.push(tree);
        if (vSum) addTreePrediction(tree, valid!.X, vSum, k);
      }
      const metric = vSum
        ? {
            name: task.kind === "regression" ? "rmse" : task.kind === "binary" ? "logloss" : "mlogloss",
            value: forestMetric(vSum, t + 1, k, valid!.y!, task),
          }
        : undefined;
      if (ctx.onProgress?.({ iteration: t + 1, total: nTrees, ...(metric ? { metric } : {}) }) === "stop")
        break;
      await new Promise<void>((r) => setImmediate(r));
    }
    if (ctx.signal?.aborted) throw abortError(ctx.signal);
    const perOutput = trees.length / k;
    const ensemble: TreeEnsemble = {
      trees,
      nFeatures: nFeat,
      nOutputs: k,
      base: new Float64Array(k),
      scale: 1 / perOutput,
      link: task.kind === "multiclass" ? "normalize" : task.kind === "binary" ? "clip01" : "identity",
    };
    return new TreeModel("random_forest", ensemble, {
      task,
      featureNames: [...train.X.names],
      params: { ...params },
      bestIteration: perOutput,
    });
  } finally {
    await prep.pool.close();
  }
}

function forestMetric(sum: Float64Array, nTrees: number, k: number, y: Float64Array, task: Task): number {
  const n = y.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    if (task.kind === "regression") s += (sum[i]! / nTrees - y[i]!) ** 2;
    else if (task.kind === "binary") {
      const p = Math.min(1 - 1e-15, Math.max(1e-15, sum[i]! / nTrees));
      s -= y[i] === 1 ? Math.log(p) : Math.log(1 - p);
    } else {
      let tot = 0;
      for (let c = 0; c < k; c++) tot += Math.max(0, sum[i * k + c]!) + 1e-9;
      s -= Math.log(Math.max(1e-15, (Math.max(0, sum[i * k + y[i]!]!) + 1e-9) / tot));
    }
  }
  return task.kind === "regression" ? Math.sqrt(s / n) : s / n;
}
