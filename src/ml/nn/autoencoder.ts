// The autoencoder ("autoencoder") for anomaly detection: a mirrored dense network trained to
// reconstruct standardised inputs; the anomaly score is the row's mean squared reconstruction error.
// A warm start (`ctx.init`) fine-tunes the champion's weights in the champion's standardisation.
import type { OnnxGraph } from "../../onnx/builder.js";
import type { Dataset, Estimator, FitContext, Params, ParamSpec, Task, TrainedModel } from "../estimator.js";
import { fitStandardizer, standardizeRows } from "../linear/standardize.js";
import { checkFeatures, type Matrix } from "../matrix.js";
import { autoencoderFeatureErrors, matrixRow } from "../explain/anomaly-reasons.js";
import { loadTf, tfSync } from "./backend.js";
import { gatherRows, gatherValues } from "./batch-rows.js";
import {
  denseToOnnx,
  dropoutMasks,
  forward,
  fromVariables,
  initDense,
  layerShapes,
  netArrays,
  netFromFile,
  predictStandardized,
  standardizeToOnnx,
  toVariables,
  type Activation,
  type DenseLayer,
  type StandardizedNet,
} from "./dense-net.js";
import { packModel, unpackModel } from "./packed-bytes.js";
import { ParamReader } from "./param-values.js";
import { Rng } from "../random.js";
import { trainWithAdam } from "./train-loop.js";
import { AUTOENCODER_PARAMS as AUTOENCODER_SPEC } from "../../ir/params/nn.js";
import { checkDatasetShape } from "../dataset-shape.js";
import { WarmStartError } from "../warm-start.js";
import { warmStartLayers } from "./warm-start-net.js";

const FILE_KIND = "autoencoder";

export const AUTOENCODER_PARAMS: readonly ParamSpec[] = AUTOENCODER_SPEC.params;

interface AutoencoderState {
  featureNames: string[];
  mean: Float64Array;
  scale: Float64Array;
  activation: Activation;
  layers: DenseLayer[];
  bestEpoch: number;
  params: Record<string, number | string>;
}

class AutoencoderModel implements TrainedModel {
  readonly algorithm = "autoencoder";
  readonly task: Task = { kind: "anomaly" };
  readonly outputWidth = 1;
  readonly featureNames: string[];
  readonly bestIteration: number;

  constructor(readonly state: AutoencoderState) {
    this.featureNames = state.featureNames;
    this.bestIteration = state.bestEpoch;
  }

  /** Mean squared reconstruction error of each row, in standardised units (higher = more anomalous). */
  predict(X: Matrix): Float64Array {
    const tf = tfSync();
    return predictStandardized(tf, this.algorithm, this.state, X, 1, (recon, z) =>
      tf.mean(tf.square(tf.sub(recon, z)), 1),
    );
  }

  /** Per-feature squared reconstruction errors per row (row-major n × features); their mean is the score. */
  featureContributions(X: Matrix): Float64Array {
    checkFeatures(this.algorithm, this.featureNames, X);
    const d = this.featureNames.length;
    const out = new Float64Array(X.nRows * d);
    for (let i = 0; i < X.nRows; i++) out.set(autoencoderFeatureErrors(this.state, matrixRow(X, i)), i * d);
    return out;
  }

  toOnnx(graph: OnnxGraph, input: string): string {
    const z = standardizeToOnnx(graph, input, this.state.mean, this.state.scale);
    const recon = denseToOnnx(graph, z, this.state.layers, this.state.activation);
    const diff = graph.op("Sub", [recon, z]);
    return graph.op("ReduceMean", [graph.op("Mul", [diff, diff])], { axes: [1], keepdims: 1 });
  }

  serialize(): Uint8Array {
    const s = this.state;
    return packModel(
      FILE_KIND,
      {
        featureNames: s.featureNames,
        activation: s.activation,
        shapes: layerShapes(s.layers),
        bestEpoch: s.bestEpoch,
        params: s.params,
      },
      netArrays(s),
    );
  }

  static deserialize(bytes: Uint8Array): AutoencoderModel {
    const u = unpackModel(FILE_KIND, bytes);
    const h = u.header as unknown as Omit<AutoencoderState, keyof StandardizedNet> & {
      shapes: [number, number][];
    };
    return new AutoencoderModel({
      featureNames: h.featureNames,
      activation: h.activation,
      bestEpoch: h.bestEpoch,
      params: h.params,
      ...netFromFile(u, h.shapes),
    });
  }
}

async function fitAutoencoder(
  train: Dataset,
  valid: Dataset | undefined,
  params: Params,
  ctx: FitContext,
): Promise<AutoencoderModel> {
  checkDatasetShape("autoencoder", "training", train);
  if (valid) checkDatasetShape("autoencoder", "validation", valid);
  const p = new ParamReader("autoencoder", AUTOENCODER_PARAMS, params);
  const { tf } = await loadTf();
  const n = train.X.nRows;
  const d = train.X.columns.length;
  if (n === 0) throw new Error("autoencoder: the training set has no rows");
  const encoder = p.intList("hidden");
  if (encoder.length === 0)
    throw new Error("autoencoder: parameter 'hidden' needs at least one layer width, e.g. \"16,4\"");
  const activation = p.string("activation") as Activation;
  const dropout = p.number("dropout");
  const rng = new Rng(ctx.seed);
  const sizes = [d, ...encoder, ...encoder.slice(0, -1).reverse(), d];
  const hidden = sizes.slice(1, -1);
  const init = ctx.init;
  if (init && !(init instanceof AutoencoderModel))
    throw new WarmStartError(`autoencoder: the champion is a ${init.algorithm} model, not an autoencoder`);
  const std = init ? { mean: init.state.mean, scale: init.state.scale } : fitStandardizer(train.X);
  const Z = Float32Array.from(standardizeRows(train.X, std));
  const start = init
    ? warmStartLayers("autoencoder", init.state, train.X, sizes, activation)
    : initDense(sizes, rng);
  const vars = toVariables(tf, start, "ae");
  const modelOf = (layers: DenseLayer[], bestEpoch: number) =>
    new AutoencoderModel({
      featureNames: [...train.X.names],
      mean: std.mean,
      scale: std.scale,
      activation,
      layers,
      bestEpoch,
      params: { ...params } as Record<string, number | string>,
    });
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
        const zs = tf.tensor2d(gatherRows(Z, d, batch), [b, d]);
        const ws = tf.tensor1d(gatherValues(train.weight, batch));
        minimize(
          () =>
            tf.div(
              tf.sum(tf.mul(tf.mean(tf.square(tf.sub(forward(tf, vars, zs, activation, masks), zs)), 1), ws)),
              tf.sum(ws),
            ) as import("@tensorflow/tfjs").Scalar,
        );
        tf.dispose([zs, ws, ...masks]);
      },
      validate: valid
        ? () => {
            const err = modelOf(fromVariables(vars), 0).predict(valid.X);
            return {
              name: "reconstruction_mse",
              value: err.reduce((a, b) => a + b, 0) / Math.max(err.length, 1),
            };
          }
        : undefined,
      snapshot: () => fromVariables(vars),
    },
    ctx,
  );
  return modelOf(result.weights, result.bestEpoch);
}

export const autoencoderEstimator: Estimator = {
  algorithm: "autoencoder",
  tasks: ["anomaly"],
  params: AUTOENCODER_PARAMS,
  fit: (train, valid, params, task, ctx) => {
    if (task.kind !== "anomaly")
      return Promise.reject(new Error(`autoencoder: supports the anomaly task only, not ${task.kind}`));
    return fitAutoencoder(train, valid, params, ctx);
  },
  deserialize: (bytes) => AutoencoderModel.deserialize(bytes),
};
