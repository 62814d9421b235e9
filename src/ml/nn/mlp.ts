// Trains the MLP ("mlp"): standardised inputs, dense hidden layers with dropout, Adam on the
// task's loss (sigmoid / softmax cross-entropy or squared error on the standardised target).
// A warm start (`ctx.init`) fine-tunes the champion's weights in the champion's standardisation; the
// champion may be an imported ONNX model whose graph is a plain MLP (`continues: ["onnx"]`).
import type { Dataset, Estimator, FitContext, Params, ParamSpec, Task } from "../estimator.js";
import { fitStandardizer, standardizeRows } from "../linear/standardize.js";
import { loadTf, type Tf } from "./backend.js";
import { gatherRows, gatherValues } from "./batch-rows.js";
import {
  dropoutMasks,
  forward,
  fromVariables,
  initDense,
  toVariables,
  type Activation,
  type DenseLayer,
} from "./dense-net.js";
import { MlpModel } from "./mlp-model.js";
import { ParamReader } from "./param-values.js";
import { Rng } from "../random.js";
import { trainWithAdam } from "./train-loop.js";
import { MLP_PARAMS as MLP_SPEC } from "../../ir/params/nn.js";
import { checkDatasetShape } from "../dataset-shape.js";
import { checkSameTask, WarmStartError } from "../warm-start.js";
import { warmStartLayers } from "./warm-start-net.js";
import { ImportedOnnxModel } from "../onnx-import/imported-model.js";
import { mlpFromOnnx } from "./mlp-from-onnx.js";

export const MLP_PARAMS: readonly ParamSpec[] = MLP_SPEC.params;

export async function fitMlp(
  train: Dataset,
  valid: Dataset | undefined,
  params: Params,
  task: Task,
  ctx: FitContext,
): Promise<MlpModel> {
  checkDatasetShape("mlp", "training", train);
  if (valid) checkDatasetShape("mlp", "validation", valid);
  const p = new ParamReader("mlp", MLP_PARAMS, params);
  const { tf } = await loadTf();
  const n = train.X.nRows;
  const d = train.X.columns.length;
  if (n === 0) throw new Error("mlp: the training set has no rows");
  const k = task.kind === "multiclass" ? task.classes.length : 1;
  const y = checkTargets(train, task);
  const activation = p.string("activation") as Activation;
  const hidden = p.intList("hidden");
  const dropout = p.number("dropout");
  const l2 = p.number("l2");
  const rng = new Rng(ctx.seed);
  // an imported ONNX champion continues as an MLP when its graph is one (mlp-from-onnx.ts)
  const init = ctx.init instanceof ImportedOnnxModel ? mlpFromOnnx(ctx.init, activation) : ctx.init;
  if (init && !(init instanceof MlpModel))
    throw new WarmStartError(`mlp: the champion is a ${init.algorithm} model, not an MLP`);
  if (init) checkSameTask("mlp", init.task, task);

  let yMean = 0;
  let yScale = 1;
  const yFit = new Float32Array(n);
  if (init) {
    yMean = init.state.yMean;
    yScale = init.state.yScale;
  } else if (task.kind === "regression") {
    // Training on the standardised target keeps the learning rate meaningful for any units.
    let sq = 0;
    for (let i = 0; i < n; i++) yMean += y[i]! / n;
    for (let i = 0; i < n; i++) sq += (y[i]! - yMean) ** 2 / n;
    yScale = Math.sqrt(sq) || 1;
  }
  for (let i = 0; i < n; i++) yFit[i] = (y[i]! - yMean) / yScale;

  const std = init ? { mean: init.state.mean, scale: init.state.scale } : fitStandardizer(train.X);
  const Z = Float32Array.from(standardizeRows(train.X, std));
  const start = init
    ? warmStartLayers("mlp", init.state, train.X, [d, ...hidden, k], activation)
    : initDense([d, ...hidden, k], rng);
  const vars = toVariables(tf, start, "mlp");
  const modelOf = (layers: DenseLayer[], bestEpoch: number) =>
    new MlpModel({
      task,
      featureNames: [...train.X.names],
      mean: std.mean,
      scale: std.scale,
      activation,
      layers,
      yMean,
      yScale,
      bestEpoch,
      params: { ...params } as Record<string, number | string>,
    });
  const validY = valid?.y ? checkTargets(valid, task) : undefined;
  const result = await trainWithAdam(
    tf,
    {
      nRows: n,
      rng,
      params: p,
      variables: [...vars.W, ...vars.b],
      step(batch, minimize) {
        const b = batch.length;
        const masks = dropoutMasks(tf, rng, hidden, b, dropout);
        const xs = tf.tensor2d(gatherRows(Z, d, batch), [b, d]);
        const ys = tf.tensor1d(gatherValues(yFit, batch, 0));
        const ws = tf.tensor1d(gatherValues(train.weight, batch));
        minimize(() => lossOf(tf, task, forward(tf, vars, xs, activation, masks), ys, ws, k, vars.W, l2));
        tf.dispose([xs, ys, ws, ...masks]);
      },
      validate:
        valid && validY
          ? () => validationMetric(modelOf(fromVariables(vars), 0).predict(valid.X), validY, task)
          : undefined,
      snapshot: () => fromVariables(vars),
    },
    ctx,
  );
  return modelOf(result.weights, result.bestEpoch);
}

function lossOf(
  tf: Tf,
  task: Task,
  logits: import("@tensorflow/tfjs").Tensor,
  y: import("@tensorflow/tfjs").Tensor1D,
  w: import("@tensorflow/tfjs").Tensor1D,
  k: number,
  weights: import("@tensorflow/tfjs").Tensor[],
  l2: number,
): import("@tensorflow/tfjs").Scalar {
  let perRow: import("@tensorflow/tfjs").Tensor;
  if (task.kind === "binary") {
    const z = tf.reshape(logits, [-1]);
    // Stable sigmoid cross-entropy: max(z, 0) − z·y + log(1 + e^−|z|).
    perRow = tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
  } else if (task.kind === "multiclass") {
    const oneHot = tf.oneHot(tf.cast(y, "int32"), k);
    perRow = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1));
  } else {
    perRow = tf.mul(0.5, tf.square(tf.sub(tf.reshape(logits, [-1]), y)));
  }
  let loss = tf.div(tf.sum(tf.mul(perRow, w)), tf.sum(w)) as import("@tensorflow/tfjs").Scalar;
  if (l2 > 0) for (const W of weights) loss = tf.add(loss, tf.mul(l2, tf.sum(tf.square(W))));
  return loss;
}

export function checkTargets(data: Dataset, task: Task): Float64Array {
  const y = data.y;
  if (!y) throw new Error("mlp: a target column is required");
  if (y.length !== data.X.nRows) throw new Error(`mlp: ${y.length} targets for ${data.X.nRows} rows`);
  const k = task.kind === "multiclass" ? task.classes.length : 2;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (task.kind === "regression") {
      if (!Number.isFinite(v)) throw new Error(`mlp: target is missing or not finite at row ${i + 1}`);
    } else if (!(Number.isInteger(v) && v >= 0 && v < k)) {
      throw new Error(`mlp: target at row ${i + 1} is ${v}; expected a class index in 0..${k - 1}`);
    }
  }
  return y;
}

/** Validation log-loss for classifiers, RMSE for regression (lower is better). */
export function validationMetric(
  pred: Float64Array,
  y: Float64Array,
  task: Task,
): { name: string; value: number } {
  const n = y.length;
  let total = 0;
  if (task.kind === "regression") {
    for (let i = 0; i < n; i++) total += (pred[i]! - y[i]!) ** 2;
    return { name: "rmse", value: Math.sqrt(total / Math.max(n, 1)) };
  }
  if (task.kind === "binary") {
    for (let i = 0; i < n; i++)
      total -= Math.log(Math.min(Math.max(y[i] ? pred[i]! : 1 - pred[i]!, 1e-15), 1));
  } else {
    const k = pred.length / Math.max(n, 1);
    for (let i = 0; i < n; i++) total -= Math.log(Math.max(pred[i * k + y[i]!]!, 1e-15));
  }
  return { name: "logloss", value: total / Math.max(n, 1) };
}

export const mlpEstimator: Estimator = {
  algorithm: "mlp",
  tasks: ["binary", "multiclass", "regression"],
  params: MLP_PARAMS,
  continues: ["onnx"],
  fit: (train, valid, params, task, ctx) => {
    if (task.kind !== "binary" && task.kind !== "multiclass" && task.kind !== "regression") {
      return Promise.reject(new Error(`mlp: supports binary, multiclass and regression, not ${task.kind}`));
    }
    return fitMlp(train, valid, params, task, ctx);
  },
  deserialize: (bytes) => MlpModel.deserialize(bytes),
};
