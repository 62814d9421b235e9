// "two_tower": a recommendation model for implicit feedback whose user and item towers each add an
// ID embedding (with a reserved "unknown" row) to embeddings of small categorical side features and
// learned projections of standardised numeric ones (src/ml/nn/two-tower-towers.ts), trained with
// TensorFlow.js and Adam on the pairwise loss −ln σ(s(u,i) − s(u,j)) with sampled negatives j. IDs
// are replaced by the unknown row with probability `id_dropout`, so the features alone place a user
// or item training never saw. Seeded: the same data and seed give the same bytes.
import type { OnnxGraph } from "../../onnx/builder.js";
import type { Dataset, Estimator, FitContext, Params, ParamSpec, Task, TrainedModel } from "../estimator.js";
import { checkFeatures, type Matrix } from "../matrix.js";
import { loadTf, type Tf } from "./backend.js";
import { embeddingLookup } from "./embedding-lookup.js";
import { packModel, unpackModel } from "./packed-bytes.js";
import { ParamReader } from "./param-values.js";
import { Rng } from "../random.js";
import { trainWithAdam } from "./train-loop.js";
import { TWO_TOWER_PARAMS as SPEC } from "../../ir/params/two-tower.js";
import { checkDatasetShape } from "../dataset-shape.js";
import {
  pairScores,
  packTowers,
  rowOf,
  towerVector,
  twoTowerOnnx,
  unpackTowers,
  type Tower,
  type TowerFeature,
  type TwoTowers,
} from "./two-tower-towers.js";
import { indexColumnSize, indexFeature } from "../index-columns.js";

const NAME = "two_tower";
const FILE_KIND = "two-tower";
/** Draws of a negative item before one the user has a positive with is taken anyway. */
const NEGATIVE_TRIES = 32;

export const TWO_TOWER_PARAMS: readonly ParamSpec[] = SPEC.params;

type Tensor = import("@tensorflow/tfjs").Tensor;
type Variable = import("@tensorflow/tfjs").Variable;

class TwoTowerModel implements TrainedModel {
  readonly algorithm = NAME;
  readonly task: Task = { kind: "ranking" };
  readonly outputWidth = 1;

  constructor(
    readonly towers: TwoTowers,
    readonly featureNames: string[],
    readonly bestIteration: number,
    private readonly params: Record<string, number | string>,
  ) {}

  twoTowers(): TwoTowers {
    return this.towers;
  }

  predict(X: Matrix): Float64Array {
    checkFeatures(NAME, this.featureNames, X);
    return pairScores(this.towers, X);
  }

  toOnnx(graph: OnnxGraph, input: string): string {
    return twoTowerOnnx(graph, input, this.towers);
  }

  serialize(): Uint8Array {
    const { header, arrays } = packTowers(this.towers);
    return packModel(
      FILE_KIND,
      { featureNames: this.featureNames, bestEpoch: this.bestIteration, params: this.params, towers: header },
      arrays,
    );
  }

  static deserialize(bytes: Uint8Array): TwoTowerModel {
    const u = unpackModel(FILE_KIND, bytes);
    const h = u.header;
    const names = h.featureNames;
    if (!Array.isArray(names) || !names.every((n) => typeof n === "string"))
      throw new Error("two_tower: stored model has no feature names");
    if (typeof h.bestEpoch !== "number") throw new Error("two_tower: stored model has no epoch count");
    return new TwoTowerModel(
      unpackTowers(h.towers, u, "two_tower model file"),
      names as string[],
      h.bestEpoch,
      (h.params ?? {}) as Record<string, number | string>,
    );
  }
}

/** The side features of each tower, checked: features of X, not an ID, every other feature in exactly one. */
function sideColumns(
  X: Matrix,
  p: ParamReader,
  userColumn: number,
  itemColumn: number,
): [number[], number[]] {
  const list = (param: string): number[] =>
    p
      .string(param)
      .split(/[,\s]+/)
      .filter((s) => s !== "")
      .map((name) => {
        const j = X.names.indexOf(name);
        if (j < 0)
          throw new Error(
            `two_tower: ${param} names '${name}', which is not a feature (features: ${X.names.join(", ")})`,
          );
        if (j === userColumn || j === itemColumn)
          throw new Error(
            `two_tower: ${param} names '${name}', the ${j === userColumn ? "user" : "item"} column`,
          );
        return j;
      });
  const user = list("user_features");
  const item = list("item_features");
  const owner = new Map<number, string>();
  for (const [param, cols] of [
    ["user_features", user],
    ["item_features", item],
  ] as const)
    for (const j of cols) {
      const before = owner.get(j);
      if (before)
        throw new Error(
          `two_tower: feature '${X.names[j]}' is named twice (${before} and ${param}); a feature belongs to one tower`,
        );
      owner.set(j, param);
    }
  X.names.forEach((name, j) => {
    if (j !== userColumn && j !== itemColumn && !owner.has(j))
      throw new Error(
        `two_tower: feature '${name}' is in neither user_features nor item_features; name it in one, or leave it out of the model's features`,
      );
  });
  return [user, item];
}

/** How a side feature enters its tower: an embedding per small whole-number code, else a dense input. */
function describeFeature(X: Matrix, j: number, maxCategories: number): TowerFeature {
  const col = X.columns[j]!;
  let codes = true;
  let max = -1;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < col.length; i++) {
    const v = col[i]!;
    if (Number.isNaN(v)) continue;
    if (!Number.isFinite(v))
      throw new Error(`two_tower: feature '${X.names[j]}' at row ${i + 1} is ${v}; expected a finite number`);
    if (!(Number.isInteger(v) && v >= 0 && v < maxCategories)) codes = false;
    if (v > max) max = v;
    sum += v;
    n++;
  }
  if (codes) return { name: X.names[j]!, column: j, kind: "embed", size: max + 1, mean: 0, scale: 1 };
  const mean = n > 0 ? sum / n : 0;
  let ss = 0;
  for (let i = 0; i < col.length; i++) if (!Number.isNaN(col[i]!)) ss += (col[i]! - mean) ** 2;
  const sd = n > 0 ? Math.sqrt(ss / n) : 0;
  return { name: X.names[j]!, column: j, kind: "dense", size: 1, mean, scale: sd > 0 ? sd : 1 };
}

/** A tower's inputs for a list of rows of X: ID rows, code rows per embedded feature, dense values. */
interface TowerInputs {
  ids: Int32Array;
  codes: Int32Array[];
  dense: Float32Array[];
}

interface TowerTensors {
  ids: Tensor;
  codes: Tensor[];
  dense: Tensor[];
}

const disposeInputs = (tf: Tf, t: TowerTensors): void => tf.dispose([t.ids, ...t.codes, ...t.dense]);

/** The training variables of one tower, and the TF forward pass over a batch of its inputs. */
class TowerVars {
  readonly id: Variable;
  readonly tables: Variable[];

  constructor(
    private readonly tf: Tf,
    readonly spec: Omit<Tower, "idTable" | "tables">,
    factors: number,
    rng: Rng,
  ) {
    const init = (rows: number): Tensor =>
      tf.tensor2d(
        Float32Array.from({ length: rows * factors }, () => rng.normal() * 0.1),
        [rows, factors],
      );
    this.id = tf.tidy(() => tf.variable(init(spec.ids + 1)));
    this.tables = spec.features.map((f) =>
      tf.tidy(() => tf.variable(init(f.kind === "embed" ? f.size + 1 : 1))),
    );
  }

  inputs(X: Matrix, rows: ArrayLike<number>, idOf: (k: number) => number): TowerInputs {
    const m = rows.length;
    const ids = Int32Array.from({ length: m }, (_, k) => idOf(k));
    const codes: Int32Array[] = [];
    const dense: Float32Array[] = [];
    for (const f of this.spec.features) {
      const col = X.columns[f.column]!;
      if (f.kind === "embed")
        codes.push(Int32Array.from({ length: m }, (_, k) => rowOf(col[rows[k]!]!, f.size)));
      else
        dense.push(
          Float32Array.from({ length: m }, (_, k) => {
            const v = col[rows[k]!]!;
            return Number.isNaN(v) ? 0 : (v - f.mean) / f.scale;
          }),
        );
    }
    return { ids, codes, dense };
  }

  /** The inputs as tensors, made outside the optimiser's scope (the lookups' gradients read the indices). */
  tensors(inp: TowerInputs): TowerTensors {
    const tf = this.tf;
    const m = inp.ids.length;
    return {
      ids: tf.tensor1d(inp.ids, "int32"),
      codes: inp.codes.map((c) => tf.tensor1d(c, "int32")),
      dense: inp.dense.map((d) => tf.tensor2d(d, [m, 1])),
    };
  }

  forward(t: TowerTensors): Tensor {
    const tf = this.tf;
    let e = embeddingLookup(tf, this.id, t.ids);
    let c = 0;
    let d = 0;
    this.spec.features.forEach((f, k) => {
      const part =
        f.kind === "embed"
          ? embeddingLookup(tf, this.tables[k]!, t.codes[c++]!)
          : tf.mul(t.dense[d++]!, this.tables[k]!);
      e = tf.add(e, part);
    });
    return e;
  }

  variables(): Variable[] {
    return [this.id, ...this.tables];
  }

  /** The tower as plain arrays; IDs no training row shows get the unknown row. */
  snapshot(factors: number, shown: Uint8Array): Tower {
    const idTable = Float32Array.from(this.id.dataSync());
    const unknown = idTable.slice(this.spec.ids * factors);
    for (let id = 0; id < this.spec.ids; id++) if (!shown[id]) idTable.set(unknown, id * factors);
    return { ...this.spec, idTable, tables: this.tables.map((t) => Float32Array.from(t.dataSync())) };
  }
}

const sq = (tf: Tf, e: Tensor): Tensor => tf.mean(tf.sum(tf.square(e), 1));

async function fitTwoTower(
  train: Dataset,
  valid: Dataset | undefined,
  params: Params,
  ctx: FitContext,
): Promise<TwoTowerModel> {
  checkDatasetShape(NAME, "training", train);
  if (valid) checkDatasetShape(NAME, "validation", valid);
  const p = new ParamReader(NAME, TWO_TOWER_PARAMS, params);
  const X = train.X;
  const n = X.nRows;
  if (n === 0) throw new Error("two_tower: the training set has no rows");
  const y = train.y;
  if (!y) throw new Error("two_tower: a label is required (rows with a label above 0 are the positives)");
  const userColumn = indexFeature("two_tower", X, "user_column", p.string("user_column"), 0);
  const itemColumn = indexFeature("two_tower", X, "item_column", p.string("item_column"), 1);
  if (userColumn === itemColumn)
    throw new Error("two_tower: user_column and item_column must be different features");
  const [userSide, itemSide] = sideColumns(X, p, userColumn, itemColumn);
  const nUsers = indexColumnSize("two_tower", X, userColumn);
  const nItems = indexColumnSize("two_tower", X, itemColumn);
  const maxCategories = p.number("max_categories");
  const f = p.number("factors");
  const l2 = p.number("l2");
  const negatives = p.number("negatives");
  const idDropout = p.number("id_dropout");

  const users = X.columns[userColumn]!;
  const items = X.columns[itemColumn]!;
  const positiveRows: number[] = [];
  const positiveKeys = new Set<number>();
  for (let r = 0; r < n; r++) {
    const v = y[r]!;
    if (!Number.isFinite(v))
      throw new Error(`two_tower: label at row ${r + 1} is ${v}; expected a finite number`);
    if (v > 0 && (train.weight === undefined || train.weight[r]! > 0)) {
      positiveRows.push(r);
      positiveKeys.add(users[r]! * nItems + items[r]!);
    }
  }
  if (positiveRows.length === 0)
    throw new Error("two_tower: no training row has a label above 0 (no positive interaction)");
  // each item's last training row gives its features when it is drawn as a negative
  const lastRow = new Int32Array(nItems).fill(-1);
  const userShown = new Uint8Array(nUsers);
  for (let r = 0; r < n; r++) {
    lastRow[items[r]!] = r;
    userShown[users[r]!] = 1;
  }
  const itemShown = Uint8Array.from(lastRow, (r) => (r >= 0 ? 1 : 0));
  const catalogue = Int32Array.from(Array.from(lastRow.keys()).filter((i) => lastRow[i]! >= 0));

  const { tf } = await loadTf();
  const rng = new Rng(ctx.seed);
  const side = (idColumn: number, ids: number, cols: number[]) => ({
    idColumn,
    idName: X.names[idColumn]!,
    ids,
    features: cols.map((j) => describeFeature(X, j, maxCategories)),
  });
  const userVars = new TowerVars(tf, side(userColumn, nUsers, userSide), f, rng);
  const itemVars = new TowerVars(tf, side(itemColumn, nItems, itemSide), f, rng);
  const snapshot = (): TwoTowers => ({
    factors: f,
    user: userVars.snapshot(f, userShown),
    item: itemVars.snapshot(f, itemShown),
  });
  const drop = (id: number, count: number): number => (idDropout > 0 && rng.next() < idDropout ? count : id);
  const drawNegative = (u: number): number => {
    let j = catalogue[rng.int(catalogue.length)]!;
    for (let t = 1; t < NEGATIVE_TRIES && positiveKeys.has(u * nItems + j); t++)
      j = catalogue[rng.int(catalogue.length)]!;
    return j;
  };
  const validate = validationLoss(valid, catalogue, lastRow, X, negatives, ctx.seed);
  const positives = Int32Array.from(positiveRows);

  const result = await trainWithAdam(
    tf,
    {
      nRows: positives.length,
      rng,
      params: p,
      variables: [...userVars.variables(), ...itemVars.variables()],
      step(batch, minimize) {
        const b = batch.length;
        const rows = Int32Array.from(batch, (k) => positives[k]!);
        const uIn = userVars.tensors(userVars.inputs(X, rows, (k) => drop(users[rows[k]!]!, nUsers)));
        const iIn = itemVars.tensors(itemVars.inputs(X, rows, (k) => drop(items[rows[k]!]!, nItems)));
        const negItems = new Int32Array(b * negatives);
        for (let k = 0; k < b; k++)
          for (let s = 0; s < negatives; s++) negItems[k * negatives + s] = drawNegative(users[rows[k]!]!);
        const negRows = Int32Array.from(negItems, (j) => lastRow[j]!);
        const jIn = itemVars.tensors(itemVars.inputs(X, negRows, (k) => drop(negItems[k]!, nItems)));
        minimize(() => {
          const eu = userVars.forward(uIn);
          const ei = itemVars.forward(iIn);
          const ej = itemVars.forward(jIn);
          const pos = tf.sum(tf.mul(eu, ei), 1, true); // [b, 1]
          const neg = tf.sum(tf.mul(tf.expandDims(eu, 1), tf.reshape(ej, [b, negatives, f])), 2); // [b, neg]
          const x = tf.sub(pos, neg);
          // −ln σ(x) = softplus(−x) = relu(−x) + ln(1 + e^(−|x|))
          const loss = tf.mean(tf.add(tf.relu(tf.neg(x)), tf.log1p(tf.exp(tf.neg(tf.abs(x))))));
          return tf.add(
            loss,
            tf.mul(l2, tf.add(tf.add(sq(tf, eu), sq(tf, ei)), sq(tf, ej))),
          ) as import("@tensorflow/tfjs").Scalar;
        });
        for (const t of [uIn, iIn, jIn]) disposeInputs(tf, t);
      },
      validate: validate ? () => validate(snapshot()) : undefined,
      snapshot,
    },
    ctx,
  );
  return new TwoTowerModel(result.weights, [...X.names], result.bestEpoch, { ...params } as Record<
    string,
    number | string
  >);
}

/**
 * The validation loss: mean −ln σ(s(u,i) − s(u,j)) over the valid positives, each against
 * `negatives` training items drawn once (seeded), so epochs are compared on the same triples.
 */
function validationLoss(
  valid: Dataset | undefined,
  catalogue: Int32Array,
  lastRow: Int32Array,
  trainX: Matrix,
  negatives: number,
  seed: number,
): ((m: TwoTowers) => { name: string; value: number }) | undefined {
  if (!valid?.y) return undefined;
  const rows: number[] = [];
  for (let r = 0; r < valid.X.nRows; r++) if (valid.y[r]! > 0) rows.push(r);
  if (rows.length === 0) return undefined;
  const rng = new Rng(seed + 1);
  const negs = Int32Array.from(
    { length: rows.length * negatives },
    () => catalogue[rng.int(catalogue.length)]!,
  );
  return (m) => {
    const f = m.factors;
    const u = new Float64Array(f);
    const i = new Float64Array(f);
    const j = new Float64Array(f);
    const V = valid.X.columns;
    let total = 0;
    rows.forEach((r, k) => {
      u.fill(0);
      i.fill(0);
      towerVector(m.user, f, (c) => V[c]![r]!, u);
      towerVector(m.item, f, (c) => V[c]![r]!, i);
      let pos = 0;
      for (let d = 0; d < f; d++) pos += u[d]! * i[d]!;
      for (let s = 0; s < negatives; s++) {
        const item = negs[k * negatives + s]!;
        const tr = lastRow[item]!;
        j.fill(0);
        towerVector(m.item, f, (c) => (c === m.item.idColumn ? item : trainX.columns[c]![tr]!), j);
        let neg = 0;
        for (let d = 0; d < f; d++) neg += u[d]! * j[d]!;
        const x = pos - neg;
        total += Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
      }
    });
    return { name: "bpr_loss", value: total / (rows.length * negatives) };
  };
}

export const twoTowerEstimator: Estimator = {
  algorithm: NAME,
  tasks: ["ranking"],
  params: TWO_TOWER_PARAMS,
  fit: (train, valid, params, task, ctx) => {
    if (task.kind !== "ranking")
      return Promise.reject(
        new Error(
          `two_tower: ranks items per user (a rank task), not ${task.kind}; use matrix_factorization for ratings`,
        ),
      );
    return fitTwoTower(train, valid, params, ctx);
  },
  deserialize: (bytes) => TwoTowerModel.deserialize(bytes),
};
