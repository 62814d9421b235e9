// Matrix factorisation ("matrix_factorization"): user and item embeddings plus biases whose dot
// product scores a (user index, item index) pair: the two-tower model with ID-only towers.
// Unseen or invalid indices score with zero embeddings and zero biases (the global bias).
// A warm start (`ctx.init`) fine-tunes the champion's tables; users and items it never saw start fresh.
import type { OnnxGraph } from "../../onnx/builder.js";
import type { Dataset, Estimator, FitContext, Params, ParamSpec, Task, TrainedModel } from "../estimator.js";
import { checkFeatures } from "../matrix.js";
import type { Matrix } from "../matrix.js";
import { loadTf, tfSync, type Tf } from "./backend.js";
import { gatherValues } from "./batch-rows.js";
import { embeddingLookup } from "./embedding-lookup.js";
import { validationMetric } from "./mlp.js";
import { arrayOf, packModel, unpackModel } from "./packed-bytes.js";
import { ParamReader } from "./param-values.js";
import { predictInBatches } from "./predict-batches.js";
import { Rng } from "../random.js";
import { trainWithAdam } from "./train-loop.js";
import { MATRIX_FACTORIZATION_PARAMS } from "../../ir/params/nn.js";
import { checkDatasetShape } from "../dataset-shape.js";
import { checkSameFeatures, checkSameTask, WarmStartError } from "../warm-start.js";
import type { FactorTables } from "../recommend/factor-tables.js";
import { indexColumnSize, indexFeature } from "../index-columns.js";

const FILE_KIND = "matrix-factorization";

export const MF_PARAMS: readonly ParamSpec[] = MATRIX_FACTORIZATION_PARAMS.params;

interface MfState {
  task: Task;
  featureNames: string[];
  userFeature: number;
  itemFeature: number;
  nUsers: number;
  nItems: number;
  factors: number;
  globalBias: number;
  /** nUsers × factors and nItems × factors, row-major. */
  U: Float32Array;
  V: Float32Array;
  userBias: Float32Array;
  itemBias: Float32Array;
  bestEpoch: number;
  params: Record<string, number | string>;
}

class MatrixFactorizationModel implements TrainedModel {
  readonly algorithm = "matrix_factorization";
  readonly task: Task;
  readonly featureNames: string[];
  readonly outputWidth = 1;
  readonly bestIteration: number;

  constructor(readonly state: MfState) {
    this.task = state.task;
    this.featureNames = state.featureNames;
    this.bestIteration = state.bestEpoch;
  }

  factorTables(): FactorTables {
    const s = this.state;
    return {
      userFeature: s.userFeature,
      itemFeature: s.itemFeature,
      nUsers: s.nUsers,
      nItems: s.nItems,
      factors: s.factors,
      U: s.U,
      V: s.V,
      userBias: s.userBias,
      itemBias: s.itemBias,
      globalBias: s.globalBias,
      link: this.task.kind === "binary" ? "sigmoid" : "identity",
    };
  }

  predict(X: Matrix): Float64Array {
    checkFeatures(this.algorithm, this.featureNames, X);
    const tf = tfSync();
    const s = this.state;
    const users = indexOrSentinel(X.columns[s.userFeature]!, s.nUsers);
    const items = indexOrSentinel(X.columns[s.itemFeature]!, s.nItems);
    const t = tablesWithSentinel(tf, s);
    try {
      return predictInBatches(tf, X.nRows, 1, (start, end) => {
        const { score } = scoreOf(
          tf,
          t,
          tf.tensor1d(users.subarray(start, end), "int32"),
          tf.tensor1d(items.subarray(start, end), "int32"),
          s.globalBias,
        );
        return this.task.kind === "binary" ? tf.sigmoid(score) : score;
      });
    } finally {
      tf.dispose([t.U, t.V, t.bu, t.bi]);
    }
  }

  toOnnx(graph: OnnxGraph, input: string): string {
    const s = this.state;
    const index = (feature: number, count: number): string => {
      const col = graph.op("Gather", [input, graph.constant("int64", [], [feature], "mf_col")], { axis: 1 });
      const limit = graph.constant("float", [], [count], "mf_count");
      const zero = graph.constant("float", [], [0], "mf_zero");
      const valid = graph.op("And", [
        graph.op("GreaterOrEqual", [col, zero]),
        graph.op("Less", [col, limit]),
      ]);
      // NaN fails both comparisons, so it maps to the zero sentinel row like an unseen index.
      return graph.op("Cast", [graph.op("Where", [valid, col, limit])], { to: 7 });
    };
    const u = index(s.userFeature, s.nUsers);
    const i = index(s.itemFeature, s.nItems);
    const f = s.factors;
    const U = graph.constant("float", [s.nUsers + 1, f], withZeroRow(s.U, f), "mf_users");
    const V = graph.constant("float", [s.nItems + 1, f], withZeroRow(s.V, f), "mf_items");
    const bu = graph.constant("float", [s.nUsers + 1, 1], withZeroRow(s.userBias, 1), "mf_user_bias");
    const bi = graph.constant("float", [s.nItems + 1, 1], withZeroRow(s.itemBias, 1), "mf_item_bias");
    const dotp = graph.op(
      "ReduceSum",
      [
        graph.op("Mul", [graph.op("Gather", [U, u]), graph.op("Gather", [V, i])]),
        graph.constant("int64", [1], [1], "mf_axes"),
      ],
      { keepdims: 1 },
    );
    const biases = graph.op("Add", [graph.op("Gather", [bu, u]), graph.op("Gather", [bi, i])]);
    const score = graph.op("Add", [
      graph.op("Add", [dotp, biases]),
      graph.constant("float", [], [s.globalBias], "mf_global"),
    ]);
    return this.task.kind === "binary" ? graph.op("Sigmoid", [score]) : score;
  }

  serialize(): Uint8Array {
    const s = this.state;
    return packModel(
      FILE_KIND,
      {
        task: s.task,
        featureNames: s.featureNames,
        userFeature: s.userFeature,
        itemFeature: s.itemFeature,
        nUsers: s.nUsers,
        nItems: s.nItems,
        factors: s.factors,
        globalBias: s.globalBias,
        bestEpoch: s.bestEpoch,
        params: s.params,
      },
      [
        ["U", s.U],
        ["V", s.V],
        ["userBias", s.userBias],
        ["itemBias", s.itemBias],
      ],
    );
  }

  static deserialize(bytes: Uint8Array): MatrixFactorizationModel {
    const u = unpackModel(FILE_KIND, bytes);
    const h = u.header as unknown as Omit<MfState, "U" | "V" | "userBias" | "itemBias">;
    return new MatrixFactorizationModel({
      ...h,
      U: arrayOf(u, "U", Float32Array),
      V: arrayOf(u, "V", Float32Array),
      userBias: arrayOf(u, "userBias", Float32Array),
      itemBias: arrayOf(u, "itemBias", Float32Array),
    });
  }
}

type Tensor = import("@tensorflow/tfjs").Tensor;
interface Tables {
  U: Tensor;
  V: Tensor;
  bu: Tensor;
  bi: Tensor;
}

function scoreOf(
  tf: Tf,
  t: Tables,
  users: Tensor,
  items: Tensor,
  globalBias: number,
): { score: Tensor; u: Tensor; v: Tensor } {
  const u = embeddingLookup(tf, t.U, users);
  const v = embeddingLookup(tf, t.V, items);
  const dotp = tf.sum(tf.mul(u, v), 1);
  return {
    score: tf.add(
      tf.add(dotp, tf.add(embeddingLookup(tf, t.bu, users), embeddingLookup(tf, t.bi, items))),
      globalBias,
    ),
    u,
    v,
  };
}

function tablesWithSentinel(tf: Tf, s: MfState): Tables {
  const f = s.factors;
  return {
    U: tf.tensor2d(withZeroRow(s.U, f), [s.nUsers + 1, f]),
    V: tf.tensor2d(withZeroRow(s.V, f), [s.nItems + 1, f]),
    bu: tf.tensor1d(withZeroRow(s.userBias, 1)),
    bi: tf.tensor1d(withZeroRow(s.itemBias, 1)),
  };
}

function withZeroRow(a: Float32Array, width: number): Float32Array {
  const out = new Float32Array(a.length + width);
  out.set(a);
  return out;
}

/** Row indices for lookup: valid indices truncated, anything else (NaN, negative, unseen) → count. */
function indexOrSentinel(col: Float32Array, count: number): Int32Array {
  const out = new Int32Array(col.length);
  for (let i = 0; i < col.length; i++) {
    const v = col[i]!;
    out[i] = v >= 0 && v < count ? Math.trunc(v) : count;
  }
  return out;
}

/** The champion's tables to fine-tune, checked against these data and params. */
function warmStartFactors(
  ctx: FitContext,
  train: Dataset,
  task: Task,
  factors: number,
  userFeature: number,
  itemFeature: number,
): MfState | undefined {
  const init = ctx.init;
  if (!init) return undefined;
  if (!(init instanceof MatrixFactorizationModel))
    throw new WarmStartError(`matrix_factorization: the champion is a ${init.algorithm} model`);
  const c = init.state;
  checkSameTask("matrix_factorization", c.task, task);
  checkSameFeatures("matrix_factorization", c.featureNames, train.X.names);
  if (c.factors !== factors || c.userFeature !== userFeature || c.itemFeature !== itemFeature)
    throw new WarmStartError(
      `matrix_factorization: the champion has ${c.factors} factors over features ${c.userFeature} and ${c.itemFeature}; these params ask for ${factors} over ${userFeature} and ${itemFeature}`,
    );
  return c;
}

async function fitMatrixFactorization(
  train: Dataset,
  valid: Dataset | undefined,
  params: Params,
  task: Task,
  ctx: FitContext,
): Promise<MatrixFactorizationModel> {
  checkDatasetShape("matrix_factorization", "training", train);
  if (valid) checkDatasetShape("matrix_factorization", "validation", valid);
  const p = new ParamReader("matrix_factorization", MF_PARAMS, params);
  const { tf } = await loadTf();
  const n = train.X.nRows;
  if (n === 0) throw new Error("matrix_factorization: the training set has no rows");
  const y = train.y;
  if (!y) throw new Error("matrix_factorization: a target column is required");
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i]!) || (task.kind === "binary" && y[i] !== 0 && y[i] !== 1))
      throw new Error(
        `matrix_factorization: target at row ${i + 1} is ${y[i]}; expected ${task.kind === "binary" ? "0 or 1" : "a finite number"}`,
      );
  }
  const userFeature = indexFeature(
    "matrix_factorization",
    train.X,
    "user_column",
    p.string("user_column"),
    0,
  );
  const itemFeature = indexFeature(
    "matrix_factorization",
    train.X,
    "item_column",
    p.string("item_column"),
    1,
  );
  if (userFeature === itemFeature)
    throw new Error("matrix_factorization: user_column and item_column must be different features");
  const f = p.number("factors");
  const champion = warmStartFactors(ctx, train, task, f, userFeature, itemFeature);
  // A warm start keeps the champion's users and items (ids are row indices) and adds the new ones.
  const nUsers = Math.max(
    indexColumnSize("matrix_factorization", train.X, userFeature),
    champion?.nUsers ?? 0,
  );
  const nItems = Math.max(
    indexColumnSize("matrix_factorization", train.X, itemFeature),
    champion?.nItems ?? 0,
  );
  const l2 = p.number("l2");
  const rng = new Rng(ctx.seed);
  const init = (rows: number): Float32Array =>
    Float32Array.from({ length: rows * f }, () => rng.normal() * 0.1);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]! / n;
  const globalBias = champion
    ? champion.globalBias
    : task.kind === "binary"
      ? Math.log(Math.min(Math.max(mean, 1e-6), 1 - 1e-6) / (1 - Math.min(Math.max(mean, 1e-6), 1 - 1e-6)))
      : mean;
  const start = {
    U: init(nUsers),
    V: init(nItems),
    bu: new Float32Array(nUsers),
    bi: new Float32Array(nItems),
  };
  if (champion) {
    start.U.set(champion.U);
    start.V.set(champion.V);
    start.bu.set(champion.userBias);
    start.bi.set(champion.itemBias);
  }
  const vars = tf.tidy(() => ({
    U: tf.variable(tf.tensor2d(start.U, [nUsers, f])),
    V: tf.variable(tf.tensor2d(start.V, [nItems, f])),
    bu: tf.variable(tf.tensor1d(start.bu)),
    bi: tf.variable(tf.tensor1d(start.bi)),
  }));
  const users = Int32Array.from(train.X.columns[userFeature]!);
  const items = Int32Array.from(train.X.columns[itemFeature]!);
  const snapshot = () => ({
    U: Float32Array.from(vars.U.dataSync()),
    V: Float32Array.from(vars.V.dataSync()),
    userBias: Float32Array.from(vars.bu.dataSync()),
    itemBias: Float32Array.from(vars.bi.dataSync()),
  });
  const modelOf = (w: ReturnType<typeof snapshot>, bestEpoch: number) =>
    new MatrixFactorizationModel({
      task,
      featureNames: [...train.X.names],
      userFeature,
      itemFeature,
      nUsers,
      nItems,
      factors: f,
      globalBias,
      ...w,
      bestEpoch,
      params: { ...params } as Record<string, number | string>,
    });
  const result = await trainWithAdam(
    tf,
    {
      nRows: n,
      rng,
      params: p,
      variables: [vars.U, vars.V, vars.bu, vars.bi],
      step(batch, minimize) {
        const ub = tf.tensor1d(
          Int32Array.from(batch, (r) => users[r]!),
          "int32",
        );
        const ib = tf.tensor1d(
          Int32Array.from(batch, (r) => items[r]!),
          "int32",
        );
        const ys = tf.tensor1d(gatherValues(y, batch));
        const ws = tf.tensor1d(gatherValues(train.weight, batch));
        minimize(() => {
          const { score, u, v } = scoreOf(tf, vars, ub, ib, globalBias);
          const perRow =
            task.kind === "binary"
              ? tf.add(tf.sub(tf.relu(score), tf.mul(score, ys)), tf.log1p(tf.exp(tf.neg(tf.abs(score)))))
              : tf.mul(0.5, tf.square(tf.sub(score, ys)));
          const penalty = tf.mul(l2, tf.add(tf.sum(tf.square(u), 1), tf.sum(tf.square(v), 1)));
          return tf.div(
            tf.sum(tf.mul(tf.add(perRow, penalty), ws)),
            tf.sum(ws),
          ) as import("@tensorflow/tfjs").Scalar;
        });
        tf.dispose([ub, ib, ys, ws]);
      },
      validate: valid?.y
        ? () =>
            validationMetric(
              modelOf(snapshot(), 0).predict(valid.X),
              valid.y!,
              task.kind === "binary" ? task : { kind: "regression" },
            )
        : undefined,
      snapshot,
    },
    ctx,
  );
  return modelOf(result.weights, result.bestEpoch);
}

export const matrixFactorizationEstimator: Estimator = {
  algorithm: "matrix_factorization",
  tasks: ["regression", "binary", "ranking"],
  params: MF_PARAMS,
  fit: (train, valid, params, task, ctx) => {
    if (task.kind !== "regression" && task.kind !== "binary" && task.kind !== "ranking") {
      return Promise.reject(
        new Error(
          `matrix_factorization: supports regression (ratings), binary (interactions) and ranking (scores), not ${task.kind}`,
        ),
      );
    }
    return fitMatrixFactorization(train, valid, params, task, ctx);
  },
  deserialize: (bytes) => MatrixFactorizationModel.deserialize(bytes),
};
