// "bpr": matrix factorisation for implicit feedback, trained with the pairwise Bayesian Personalised
// Ranking objective (Rendle et al., 2009): for a positive interaction (u, i) and an item j sampled
// among those u has no positive interaction with, gradient ascent on ln σ(s(u,i) − s(u,j)) with
// s(u,i) = bᵢ + u·vᵢ. Plain typed arrays and SGD, seeded: the same data and seed give the same bytes.
// Rows whose label is above 0 are the positives; every row's user and item are in the tables.
// An unseen user scores bᵢ (a zero vector), an unseen item 0; the ONNX export does the same.
// A warm start (`ctx.init`) fine-tunes the champion's tables; `ctx.checkpoint` saves every N epochs.
import type { OnnxGraph } from "../../onnx/builder.js";
import type { Dataset, Estimator, FitContext, Params, ParamSpec, Task, TrainedModel } from "../estimator.js";
import { checkFeatures, type Matrix } from "../matrix.js";
import { arrayOf, packModel, unpackModel } from "../nn/packed-bytes.js";
import { ParamReader } from "../nn/param-values.js";
import { Rng } from "../random.js";
import { BPR_PARAMS as BPR_SPEC } from "../../ir/params/bpr.js";
import { checkDatasetShape } from "../dataset-shape.js";
import { checkSameFeatures, WarmStartError } from "../warm-start.js";
import { decodeBprCheckpoint, encodeBprCheckpoint } from "./bpr-checkpoint.js";
import { factorScoreOnnx, indexOf, rawScore, type FactorTables } from "./factor-tables.js";
import { indexColumnSize, indexFeature } from "../index-columns.js";

const FILE_KIND = "bpr";
const NAME = "bpr";
/** Draws of a negative item before a positive is skipped for this epoch (a user who liked nearly everything). */
const NEGATIVE_TRIES = 32;

export const BPR_PARAMS: readonly ParamSpec[] = BPR_SPEC.params;

interface BprHeader {
  featureNames: string[];
  userFeature: number;
  itemFeature: number;
  nUsers: number;
  nItems: number;
  factors: number;
  epochs: number;
  params: Record<string, number | string>;
}

class BprModel implements TrainedModel {
  readonly algorithm = NAME;
  readonly task: Task = { kind: "ranking" };
  readonly featureNames: string[];
  readonly outputWidth = 1;
  readonly bestIteration: number;
  private readonly tables: FactorTables;

  constructor(
    private readonly header: BprHeader,
    U: Float32Array,
    V: Float32Array,
    itemBias: Float32Array,
  ) {
    this.featureNames = header.featureNames;
    this.bestIteration = header.epochs;
    this.tables = {
      userFeature: header.userFeature,
      itemFeature: header.itemFeature,
      nUsers: header.nUsers,
      nItems: header.nItems,
      factors: header.factors,
      U,
      V,
      userBias: new Float32Array(header.nUsers),
      itemBias,
      globalBias: 0,
      link: "identity",
    };
  }

  factorTables(): FactorTables {
    return this.tables;
  }

  predict(X: Matrix): Float64Array {
    checkFeatures(NAME, this.featureNames, X);
    const t = this.tables;
    const users = X.columns[t.userFeature]!;
    const items = X.columns[t.itemFeature]!;
    const out = new Float64Array(X.nRows);
    for (let r = 0; r < X.nRows; r++)
      out[r] = Math.fround(rawScore(t, indexOf(users[r]!, t.nUsers), indexOf(items[r]!, t.nItems)));
    return out;
  }

  toOnnx(graph: OnnxGraph, input: string): string {
    return factorScoreOnnx(graph, input, this.tables, "bpr");
  }

  serialize(): Uint8Array {
    const h = this.header;
    return packModel(
      FILE_KIND,
      {
        featureNames: h.featureNames,
        userFeature: h.userFeature,
        itemFeature: h.itemFeature,
        nUsers: h.nUsers,
        nItems: h.nItems,
        factors: h.factors,
        epochs: h.epochs,
        params: h.params,
      },
      [
        ["U", this.tables.U],
        ["V", this.tables.V],
        ["itemBias", this.tables.itemBias],
      ],
    );
  }

  static deserialize(bytes: Uint8Array): BprModel {
    const u = unpackModel(FILE_KIND, bytes);
    const h = u.header;
    const num = (k: string): number => {
      const v = h[k];
      if (typeof v !== "number") throw new Error(`bpr: stored model has no numeric '${k}'`);
      return v;
    };
    const names = h.featureNames;
    if (!Array.isArray(names) || !names.every((n) => typeof n === "string"))
      throw new Error("bpr: stored model has no feature names");
    return new BprModel(
      {
        featureNames: names as string[],
        userFeature: num("userFeature"),
        itemFeature: num("itemFeature"),
        nUsers: num("nUsers"),
        nItems: num("nItems"),
        factors: num("factors"),
        epochs: num("epochs"),
        params: (h.params ?? {}) as Record<string, number | string>,
      },
      arrayOf(u, "U", Float32Array),
      arrayOf(u, "V", Float32Array),
      arrayOf(u, "itemBias", Float32Array),
    );
  }
}

/** Each user's positive items, sorted (CSR): the negatives are drawn outside them. */
function positivesByUser(
  users: Int32Array,
  items: Int32Array,
  positive: Uint8Array,
  nUsers: number,
): { offsets: Int32Array; items: Int32Array } {
  const sets: Set<number>[] = Array.from({ length: nUsers }, () => new Set<number>());
  for (let r = 0; r < users.length; r++) if (positive[r]) sets[users[r]!]!.add(items[r]!);
  const offsets = new Int32Array(nUsers + 1);
  for (let u = 0; u < nUsers; u++) offsets[u + 1] = offsets[u]! + sets[u]!.size;
  const flat = new Int32Array(offsets[nUsers]!);
  sets.forEach((s, u) =>
    flat.set(
      [...s].sort((a, b) => a - b),
      offsets[u]!,
    ),
  );
  return { offsets, items: flat };
}

function hasItem(pos: { offsets: Int32Array; items: Int32Array }, u: number, item: number): boolean {
  let lo = pos.offsets[u]!;
  let hi = pos.offsets[u + 1]! - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = pos.items[mid]!;
    if (v === item) return true;
    if (v < item) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** The champion's tables to fine-tune, checked against these data and params. */
function warmStartTables(
  ctx: FitContext,
  train: Dataset,
  f: number,
  userFeature: number,
  itemFeature: number,
) {
  const init = ctx.init;
  if (!init) return undefined;
  if (!(init instanceof BprModel)) throw new WarmStartError(`bpr: the champion is a ${init.algorithm} model`);
  checkSameFeatures(NAME, init.featureNames, train.X.names);
  const t = init.factorTables();
  if (t.factors !== f || t.userFeature !== userFeature || t.itemFeature !== itemFeature)
    throw new WarmStartError(
      `bpr: the champion has ${t.factors} factors over features ${t.userFeature} and ${t.itemFeature}; these params ask for ${f} over ${userFeature} and ${itemFeature}`,
    );
  return t;
}

async function fitBpr(train: Dataset, params: Params, ctx: FitContext): Promise<BprModel> {
  checkDatasetShape(NAME, "training", train);
  const p = new ParamReader(NAME, BPR_PARAMS, params);
  const n = train.X.nRows;
  if (n === 0) throw new Error("bpr: the training set has no rows");
  const y = train.y;
  if (!y) throw new Error("bpr: a label is required (rows with a label above 0 are the positives)");
  const userFeature = indexFeature("bpr", train.X, "user_column", p.string("user_column"), 0);
  const itemFeature = indexFeature("bpr", train.X, "item_column", p.string("item_column"), 1);
  if (userFeature === itemFeature)
    throw new Error("bpr: user_column and item_column must be different features");
  const f = p.number("factors");
  const champion = warmStartTables(ctx, train, f, userFeature, itemFeature);
  // A warm start keeps the champion's users and items (ids are row indices) and adds the new ones.
  const nUsers = Math.max(indexColumnSize("bpr", train.X, userFeature), champion?.nUsers ?? 0);
  const nItems = Math.max(indexColumnSize("bpr", train.X, itemFeature), champion?.nItems ?? 0);
  const users = Int32Array.from(train.X.columns[userFeature]!);
  const items = Int32Array.from(train.X.columns[itemFeature]!);
  const positive = new Uint8Array(n);
  let nPositive = 0;
  for (let r = 0; r < n; r++) {
    const v = y[r]!;
    if (!Number.isFinite(v)) throw new Error(`bpr: label at row ${r + 1} is ${v}; expected a finite number`);
    if (v > 0 && (train.weight === undefined || train.weight[r]! > 0)) {
      positive[r] = 1;
      nPositive++;
    }
  }
  if (nPositive === 0) throw new Error("bpr: no training row has a label above 0 (no positive interaction)");
  const positiveRows = new Int32Array(nPositive);
  for (let r = 0, k = 0; r < n; r++) if (positive[r]) positiveRows[k++] = r;
  const pos = positivesByUser(users, items, positive, nUsers);
  // Negatives are drawn among the items the training rows show, not indices no row has.
  const catalogue = Int32Array.from(new Set(items)).sort();

  const epochs = p.number("epochs");
  const lr = p.number("learning_rate");
  const l2 = p.number("l2");
  const negatives = p.number("negatives");
  let rng = new Rng(ctx.seed);
  const U = Float32Array.from({ length: nUsers * f }, () => rng.normal() * 0.1);
  const V = Float32Array.from({ length: nItems * f }, () => rng.normal() * 0.1);
  const b = new Float32Array(nItems);
  if (champion) {
    U.set(champion.U);
    V.set(champion.V);
    b.set(champion.itemBias);
  }
  const uRow = new Float64Array(f);

  let done = 0;
  // Resuming: the saved tables, row order and generator replace the fresh ones.
  const saved = ctx.checkpoint ? await ctx.checkpoint.load() : undefined;
  if (saved) {
    const c = decodeBprCheckpoint(saved, [positiveRows.length, U.length, V.length, b.length]);
    U.set(c.U);
    V.set(c.V);
    b.set(c.b);
    positiveRows.set(c.order);
    rng = Rng.fromState(c.rng);
    done = c.epochs;
  }
  for (let epoch = done; epoch < epochs; epoch++) {
    if (ctx.signal?.aborted) throw new Error("bpr: training was interrupted");
    rng.shuffle(positiveRows);
    for (let k = 0; k < positiveRows.length; k++) {
      const r = positiveRows[k]!;
      const u = users[r]!;
      const i = items[r]!;
      for (let s = 0; s < negatives; s++) {
        let j = -1;
        for (let tries = 0; tries < NEGATIVE_TRIES; tries++) {
          const c = catalogue[rng.int(catalogue.length)]!;
          if (!hasItem(pos, u, c)) {
            j = c;
            break;
          }
        }
        if (j < 0) continue;
        const uo = u * f;
        const io = i * f;
        const jo = j * f;
        let x = b[i]! - b[j]!;
        for (let d = 0; d < f; d++) x += U[uo + d]! * (V[io + d]! - V[jo + d]!);
        // d/dx ln σ(x) = σ(−x)
        const g = 1 / (1 + Math.exp(x));
        for (let d = 0; d < f; d++) uRow[d] = U[uo + d]!;
        for (let d = 0; d < f; d++) {
          const vi = V[io + d]!;
          const vj = V[jo + d]!;
          U[uo + d] = uRow[d]! + lr * (g * (vi - vj) - l2 * uRow[d]!);
          V[io + d] = vi + lr * (g * uRow[d]! - l2 * vi);
          V[jo + d] = vj + lr * (-g * uRow[d]! - l2 * vj);
        }
        b[i] = b[i]! + lr * (g - l2 * b[i]!);
        b[j] = b[j]! + lr * (-g - l2 * b[j]!);
      }
    }
    done = epoch + 1;
    if (ctx.onProgress?.({ iteration: done, total: epochs }) === "stop") break;
    if (ctx.checkpoint && done % ctx.checkpoint.every === 0 && done < epochs)
      await ctx.checkpoint.save(
        done,
        encodeBprCheckpoint({ epochs: done, rng: rng.state(), order: positiveRows, U, V, b }),
      );
  }
  return new BprModel(
    {
      featureNames: [...train.X.names],
      userFeature,
      itemFeature,
      nUsers,
      nItems,
      factors: f,
      epochs: done,
      params: { ...params } as Record<string, number | string>,
    },
    U,
    V,
    b,
  );
}

export const bprEstimator: Estimator = {
  algorithm: NAME,
  tasks: ["ranking"],
  params: BPR_PARAMS,
  fit: (train, valid, params, task, ctx) => {
    if (task.kind !== "ranking")
      return Promise.reject(
        new Error(
          `bpr: ranks items per user (a rank task), not ${task.kind}; use matrix_factorization for ratings`,
        ),
      );
    if (valid) checkDatasetShape(NAME, "validation", valid);
    return fitBpr(train, params, ctx);
  },
  deserialize: (bytes) => BprModel.deserialize(bytes),
};
