// The GBDT training loop: gradients from the objective, one histogram tree per output per
// round (tree/grow.ts), validation metric, early stopping, progress and abort handling; a warm
// start from the champion's trees (`ctx.init`) and checkpoints every N rounds (`ctx.checkpoint`).
import { availableParallelism } from "node:os";
import type { Dataset, FitContext, Params, Task } from "../estimator.js";
import { abortError } from "../tree/abort.js";
import { predictMargin, type TreeEnsemble } from "../tree/ensemble.js";
import { binnedLeaf, growTree, type GrowData, type GrowParams } from "../tree/grow.js";
import { TreeModel } from "../tree/model.js";
import { parseClassWeights, ParamError } from "../tree/params.js";
import { prepareTraining } from "../tree/prepare.js";
import { Rng, sampleIndices } from "../random.js";
import { addTreePrediction, type Tree } from "../tree/tree.js";
import { checkDataset } from "../tree/validate.js";
import {
  GRADIENT_KERNELS as ROW_KERNELS,
  objectiveFor,
  weightedMedian,
  type ObjectiveData,
} from "./objectives.js";
import { gbdtConfig } from "./params.js";
import { decodeCheckpoint, encodeCheckpoint } from "./checkpoint.js";
import { checkSameFeatures, checkSameTask, WarmStartError } from "../warm-start.js";
import { timedPool, type GbdtPhases, type Phase } from "./phases.js";
import { createRowPool, type KernelName, type RowPool } from "./row-pool.js";
import { addLeaves, createClassPool, type ClassPool } from "./class-pool.js";

/**
 * Multiclass fits with at least this much work per round (rows × classes × features) grow their
 * classes' trees on several threads when the histogram pool has one (small data); below it the
 * worker's start-up costs more than it saves.
 */
const CLASS_POOL_MIN_WORK = 1 << 20;
/**
 * Gradients and margin updates go to the row pool's threads from this many rows; below it (a
 * small fit whose histogram pool has threads) a round's per-row work is too short to share.
 */
const ROW_POOL_MIN_ROWS = 50_000;

interface GbdtFitOptions {
  /** Override where the histogram worker is loaded from (tests); null = in-thread only. */
  workerUrl?: URL | null;
  /** Receives the number of threads actually used (tests). */
  onThreads?(n: number): void;
  /** Override where the row worker (gradients, margin updates) is loaded from (tests). */
  rowWorkerUrl?: URL | null;
  /** Receives the number of threads computing gradients and margin updates (tests). */
  onRowThreads?(n: number): void;
  /** Override where the class worker (multiclass trees on small data) is loaded from (tests). */
  classWorkerUrl?: URL | null;
  /** Receives the number of threads growing a round's class trees (tests). */
  onClassThreads?(n: number): void;
  /** Receives the time of each phase (bench/gbdt's profile). */
  phases?: GbdtPhases;
}

function effectiveWeights(
  d: Dataset,
  task: Task,
  k: number,
  spw: number,
  classWeights: string,
): Float64Array | null {
  const cw = parseClassWeights("gbdt", classWeights, task.kind === "binary" ? 2 : k);
  if (!d.weight && !cw && spw === 1) return null;
  const y = d.y!;
  const w = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    let wi = d.weight ? d.weight[i]! : 1;
    if (cw) wi *= cw[y[i]!]!;
    if (task.kind === "binary" && y[i] === 1) wi *= spw;
    w[i] = wi;
  }
  return w;
}

/** The champion's trees to continue boosting from, checked against these data and this objective. */
function warmStartEnsemble(
  ctx: FitContext,
  train: Dataset,
  task: Task,
  k: number,
  link: TreeEnsemble["link"],
): TreeEnsemble | undefined {
  const init = ctx.init;
  if (!init) return undefined;
  if (!(init instanceof TreeModel) || init.algorithm !== "gbdt")
    throw new WarmStartError(`gbdt: the champion is a ${init.algorithm} model, not a GBDT`);
  checkSameTask("gbdt", init.task, task);
  checkSameFeatures("gbdt", init.featureNames, train.X.names);
  const e = init.ensemble;
  if (e.nOutputs !== k || e.link !== link || e.scale !== 1)
    throw new WarmStartError(
      `gbdt: the champion's trees give ${e.nOutputs} output${e.nOutputs === 1 ? "" : "s"} through a ${e.link} link, and this objective needs ${k} through ${link}`,
    );
  return e;
}

export async function fitGbdt(
  train: Dataset,
  valid: Dataset | undefined,
  params: Params,
  task: Task,
  ctx: FitContext,
  opts: GbdtFitOptions = {},
): Promise<TreeModel> {
  const cfg = gbdtConfig(params, task);
  const k = task.kind === "multiclass" ? task.classes.length : 1;
  checkDataset("gbdt", "training", train, task, cfg.objective === "lambdarank");
  if (valid) {
    checkDataset("gbdt", "validation", valid, task, cfg.objective === "lambdarank");
    if (valid.X.columns.length !== train.X.columns.length)
      throw new ParamError(
        `gbdt: validation data has ${valid.X.columns.length} features, training data ${train.X.columns.length}`,
      );
  }
  if (cfg.earlyStop > 0 && !valid) throw new ParamError("gbdt: early_stop needs a validation set");
  const objective = objectiveFor(cfg.objective, {
    huberDelta: cfg.huberDelta,
    ndcgAt: cfg.ndcgAt,
    boostFromAverage: cfg.boostFromAverage,
  });
  const seed = cfg.seed >= 0 ? cfg.seed : ctx.seed;
  const n = train.X.nRows;
  const nFeat = train.X.columns.length;
  const td: ObjectiveData = {
    y: train.y!,
    w: effectiveWeights(train, task, k, cfg.scalePosWeight, cfg.classWeights),
  };
  if (train.group) td.group = train.group;
  const vd: ObjectiveData | undefined = valid ? { y: valid.y!, w: valid.weight ?? null } : undefined;
  if (vd && valid?.group) vd.group = valid.group;

  const prepOpts: Parameters<typeof prepareTraining>[1] = {
    maxBins: cfg.maxBins,
    seed,
    threads: cfg.threads || ctx.threads || 0,
    maxDepth: cfg.maxDepth,
    maxLeaves: cfg.maxLeaves,
  };
  if (opts.workerUrl !== undefined) prepOpts.workerUrl = opts.workerUrl;
  const ph = opts.phases;
  const mark = (phase: Phase) => ph?.mark(phase);
  const prep = await prepareTraining(train.X, prepOpts);
  mark("prepare");
  opts.onThreads?.(prep.pool.threads);
  let rowPool: RowPool | null = null;
  let classPool: ClassPool | null = null;
  try {
    // A warm start begins where the champion's trees leave each row; a cold one at the objective's base.
    const init = warmStartEnsemble(ctx, train, task, k, objective.link);
    const base = init ? Float64Array.from(init.base) : objective.base(td, k);
    let margin: Float64Array;
    let vMargin: Float64Array | null = null;
    if (init) {
      margin = predictMargin(init, train.X);
      if (valid) vMargin = predictMargin(init, valid.X);
    } else {
      margin = new Float64Array(n * k);
      for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) margin[i * k + c] = base[c]!;
      vMargin = valid ? new Float64Array(valid.X.nRows * k) : null;
      if (vMargin)
        for (let i = 0; i < valid!.X.nRows; i++) for (let c = 0; c < k; c++) vMargin[i * k + c] = base[c]!;
    }
    // One output and no row sampling: the objective writes straight into the pool's ordered
    // gradient buffer (each tree starts from rows 0..n-1), so growTree copies nothing.
    const direct = k === 1 && cfg.subsample >= 1;
    // With worker threads, the gradient buffers are shared so the row pool's threads can fill them.
    // Small multiclass data: the round's trees on several threads, one class per thread at a time.
    const threads = prepOpts.threads > 0 ? prepOpts.threads : availableParallelism();
    const classParallel =
      k > 1 &&
      prep.pool.threads === 1 &&
      threads > 1 &&
      cfg.subsample >= 1 &&
      !objective.refitMedian &&
      objective.name in ROW_KERNELS &&
      opts.workerUrl !== null &&
      n * k * nFeat >= CLASS_POOL_MIN_WORK;
    const ghBuffer = () =>
      prep.pool.threads > 1 || classParallel
        ? new Float64Array(new SharedArrayBuffer(16 * n))
        : new Float64Array(2 * n);
    const gh = direct ? [prep.pool.gho] : Array.from({ length: k }, ghBuffer);
    const growData: GrowData = {
      pool: ph ? timedPool(prep.pool, ph) : prep.pool,
      binned: prep.binned,
      nRows: n,
      offsets: prep.offsets,
      cuts: prep.cuts,
      gh: gh[0]!,
    };
    const gp: GrowParams = {
      maxDepth: cfg.maxDepth,
      maxLeaves: cfg.maxLeaves,
      lossguide: cfg.lossguide,
      learningRate: cfg.learningRate,
      nodeFeatures: 0,
      lambda: cfg.lambda,
      alpha: cfg.alpha,
      minChildWeight: cfg.minChildWeight,
      minSplitGain: cfg.minSplitGain,
    };
    let rng = new Rng(seed);
    const allFeats = Int32Array.from({ length: nFeat }, (_, f) => f);
    const nColumns = Math.max(1, Math.round(cfg.colsample * nFeat));
    let trees: Tree[] = [];
    let best = { round: -1, value: objective.metric.higherIsBetter ? -Infinity : Infinity };
    const rows = prep.pool.rows;
    let sample: Uint32Array | null = null;
    // Resuming: the saved state replaces the fresh one, and the loop goes on from the next round.
    let start = 0;
    const saved = ctx.checkpoint ? await ctx.checkpoint.load() : undefined;
    if (saved) {
      const c = decodeCheckpoint(saved);
      if (c.margin.length !== margin.length || (c.vMargin?.length ?? -1) !== (vMargin?.length ?? -1))
        throw new Error(
          `gbdt: the checkpoint holds ${c.margin.length} margins and these data ${margin.length}`,
        );
      start = c.rounds;
      rng = Rng.fromState(c.rng);
      best = c.best;
      trees = c.trees;
      margin = c.margin;
      vMargin = c.vMargin;
    }
    // Gradients and margin updates across the pool's threads (same numbers as the loops below).
    if (
      prep.pool.threads > 1 &&
      n >= ROW_POOL_MIN_ROWS &&
      objective.name in ROW_KERNELS &&
      opts.workerUrl !== null
    ) {
      rowPool = await createRowPool({
        kernel: objective.name as KernelName,
        n,
        k,
        y: td.y,
        w: td.w,
        margin,
        gh,
        rows,
        threads: prep.pool.threads,
        ...(opts.rowWorkerUrl !== undefined ? { workerUrl: opts.rowWorkerUrl } : {}),
      });
      if (rowPool) margin = rowPool.margin;
    }
    opts.onRowThreads?.(rowPool?.threads ?? 1);
    // The class workers' trees draw no random numbers: no per-node feature sampling.
    if (classParallel && gp.nodeFeatures === 0) {
      classPool = await createClassPool({
        binned: prep.binned,
        nRows: n,
        offsets: prep.offsets,
        cuts: prep.cuts,
        nSlots: prep.pool.nSlots,
        k,
        gp,
        gh,
        margin,
        kernel: objective.name as KernelName,
        y: td.y,
        w: td.w,
        threads,
        ...(opts.classWorkerUrl !== undefined ? { workerUrl: opts.classWorkerUrl } : {}),
      });
      if (classPool) margin = classPool.margin;
    }
    opts.onClassThreads?.(classPool?.threads ?? 1);
    /** Grows class c's tree of this round on the calling thread and adds it to the margins. */
    const growClass = (c: number, feats: Int32Array): Tree => {
      let m = n;
      if (sample) {
        rows.set(sample);
        m = sample.length;
      } else for (let i = 0; i < n; i++) rows[i] = i;
      growData.gh = gh[c]!;
      const grown = growTree(growData, m, feats, gp, rng, c);
      mark("growOther");
      const tree = grown.tree;
      if (objective.refitMedian) {
        // L1: leaf value = learning rate × weighted median of the residuals of its rows.
        const resid = new Float64Array(n);
        for (let i = 0; i < m; i++) resid[rows[i]!] = train.y![rows[i]!]! - margin[rows[i]! * k + c]!;
        for (let j = 0; j < grown.leafNodes.length; j++) {
          const seg = rows.subarray(grown.leafStart[j]!, grown.leafEnd[j]!);
          tree.value[grown.leafNodes[j]!] = cfg.learningRate * weightedMedian(resid, td.w, seg);
        }
      }
      const values = grown.leafNodes.map((id) => tree.value[id]!);
      if (sample) {
        for (let i = 0; i < n; i++) {
          const at = i * k + c;
          margin[at] = margin[at]! + tree.value[binnedLeaf(tree, prep.binned, n, i)]!;
        }
      } else if (rowPool) rowPool.addLeaves(c, grown.leafStart, grown.leafEnd, values, m);
      else addLeaves(margin, k, c, rows, grown.leafStart, grown.leafEnd, values);
      mark("margin");
      return tree;
    };
    for (let round = start; round < cfg.trees; round++) {
      if (ctx.signal?.aborted) throw abortError(ctx.signal);
      mark("other");
      // The class pool computes each round's gradients across its threads itself.
      if (!classPool) {
        if (rowPool) rowPool.gradients();
        else objective.gradients(margin, k, td, gh);
      }
      mark("gradients");
      if (cfg.subsample < 1) {
        const s: number[] = [];
        for (let i = 0; i < n; i++) if (rng.next() < cfg.subsample) s.push(i);
        sample = Uint32Array.from(s.length > 0 ? s : [rng.int(n)]);
      }
      // Every class's features first (the order the generator is drawn in), then the trees.
      const featsOf = Array.from({ length: k }, () =>
        nColumns < nFeat ? sampleIndices(rng, nFeat, nColumns) : allFeats,
      );
      const roundTrees = classPool
        ? await classPool.round(
            featsOf,
            (c) => growClass(c, featsOf[c]!),
            () => mark("gradients"),
          )
        : featsOf.map((f, c) => growClass(c, f));
      mark("growOther");
      for (const tree of roundTrees) {
        if (vMargin) addTreePrediction(tree, valid!.X, vMargin, k);
        trees.push(tree);
      }
      let metric: { name: string; value: number } | undefined;
      if (vMargin && vd) {
        const value = objective.evaluate(vMargin, k, vd);
        metric = { name: objective.metric.name, value };
        const better = objective.metric.higherIsBetter ? value > best.value : value < best.value;
        if (better || best.round < 0) best = { round, value };
      }
      const answer = ctx.onProgress?.({
        iteration: round + 1,
        total: cfg.trees,
        ...(metric ? { metric } : {}),
      });
      if (answer === "stop") break;
      if (cfg.earlyStop > 0 && round - best.round >= cfg.earlyStop) break;
      if (ctx.checkpoint && (round + 1) % ctx.checkpoint.every === 0 && round + 1 < cfg.trees)
        await ctx.checkpoint.save(
          round + 1,
          encodeCheckpoint(
            { rounds: round + 1, rng: rng.state(), best, trees, margin, vMargin },
            { nFeatures: nFeat, nOutputs: k },
          ),
        );
      // Let timers and abort signals run between rounds.
      await new Promise<void>((r) => setImmediate(r));
    }
    mark("other");
    if (ctx.signal?.aborted) throw abortError(ctx.signal);
    let rounds = trees.length / k;
    if (cfg.earlyStop > 0 && best.round >= 0) rounds = best.round + 1;
    const ensemble: TreeEnsemble = {
      trees: [...(init?.trees ?? []), ...trees.slice(0, rounds * k)],
      nFeatures: nFeat,
      nOutputs: k,
      base,
      scale: 1,
      link: objective.link,
    };
    return new TreeModel("gbdt", ensemble, {
      task,
      featureNames: [...train.X.names],
      params: { ...params },
      bestIteration: (init ? init.trees.length / k : 0) + rounds,
    });
  } finally {
    await rowPool?.close();
    await classPool?.close();
    await prep.pool.close();
  }
}
