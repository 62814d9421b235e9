// A stack of dense layers held as plain float32 arrays: seeded Glorot initialisation, the tfjs
// forward pass used for training and prediction, and the same network as ONNX Gemm nodes.
import type { OnnxGraph } from "../../onnx/builder.js";
import { standardizeRows } from "../linear/standardize.js";
import { checkFeatures } from "../matrix.js";
import type { Matrix } from "../matrix.js";
import type { Tf } from "./backend.js";
import { dropoutMask } from "./batch-rows.js";
import { arrayOf, type Unpacked } from "./packed-bytes.js";
import { predictInBatches } from "./predict-batches.js";
import type { Rng } from "../random.js";
import type { Activation } from "../../ir/params/nn.js";

export type { Activation } from "../../ir/params/nn.js";

export interface DenseLayer {
  inputs: number;
  outputs: number;
  /** Row-major inputs × outputs. */
  W: Float32Array;
  b: Float32Array;
}

/** Glorot-uniform weights and zero biases for layer sizes [in, h1, …, out]. */
export function initDense(sizes: number[], rng: Rng): DenseLayer[] {
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inputs = sizes[l]!;
    const outputs = sizes[l + 1]!;
    const limit = Math.sqrt(6 / (inputs + outputs));
    const W = new Float32Array(inputs * outputs);
    for (let i = 0; i < W.length; i++) W[i] = (rng.next() * 2 - 1) * limit;
    layers.push({ inputs, outputs, W, b: new Float32Array(outputs) });
  }
  return layers;
}

interface TfDense {
  W: import("@tensorflow/tfjs").Variable[];
  b: import("@tensorflow/tfjs").Variable[];
}

export function toVariables(tf: Tf, layers: DenseLayer[], prefix: string): TfDense {
  // inside tidy, so the tensors the variables are made from are released with them
  return tf.tidy(() => ({
    W: layers.map((l, i) =>
      tf.variable(tf.tensor2d(l.W, [l.inputs, l.outputs]), true, `${prefix}_W${i}_${uniq++}`),
    ),
    b: layers.map((l, i) => tf.variable(tf.tensor1d(l.b), true, `${prefix}_b${i}_${uniq++}`)),
  }));
}
let uniq = 0;

/** Reads trained variables back into plain arrays (the model's own copy). */
export function fromVariables(v: TfDense): DenseLayer[] {
  return v.W.map((w, i) => ({
    inputs: w.shape[0]!,
    outputs: w.shape[1]!,
    W: Float32Array.from(w.dataSync()),
    b: Float32Array.from(v.b[i]!.dataSync()),
  }));
}

function activate(
  tf: Tf,
  x: import("@tensorflow/tfjs").Tensor,
  a: Activation,
): import("@tensorflow/tfjs").Tensor {
  return a === "relu" ? tf.relu(x) : a === "tanh" ? tf.tanh(x) : tf.sigmoid(x);
}

/**
 * Forward pass: hidden layers use `activation`, the last layer is linear (logits / values).
 * `dropoutMasks[l]`, when given, multiplies hidden layer l's output (already scaled by 1/(1−rate)).
 */
export function forward(
  tf: Tf,
  net: { W: import("@tensorflow/tfjs").Tensor[]; b: import("@tensorflow/tfjs").Tensor[] },
  x: import("@tensorflow/tfjs").Tensor,
  activation: Activation,
  dropoutMasks?: (import("@tensorflow/tfjs").Tensor | undefined)[],
): import("@tensorflow/tfjs").Tensor {
  let h = x;
  const last = net.W.length - 1;
  for (let l = 0; l <= last; l++) {
    h = tf.add(tf.matMul(h, net.W[l]!), net.b[l]!);
    if (l < last) {
      h = activate(tf, h, activation);
      const mask = dropoutMasks?.[l];
      if (mask) h = tf.mul(h, mask);
    }
  }
  return h;
}

/** One seeded dropout mask per hidden layer for a batch of `rows` rows; none when `rate` is 0. */
export function dropoutMasks(
  tf: Tf,
  rng: Rng,
  hidden: number[],
  rows: number,
  rate: number,
): import("@tensorflow/tfjs").Tensor2D[] {
  return rate > 0 ? hidden.map((h) => tf.tensor2d(dropoutMask(rng, rows * h, rate), [rows, h])) : [];
}

/** Constant tensors for inference with stored weights. */
function toConstants(
  tf: Tf,
  layers: DenseLayer[],
): { W: import("@tensorflow/tfjs").Tensor[]; b: import("@tensorflow/tfjs").Tensor[] } {
  return {
    W: layers.map((l) => tf.tensor2d(l.W, [l.inputs, l.outputs])),
    b: layers.map((l) => tf.tensor1d(l.b)),
  };
}

/** The same network in ONNX: Gemm per layer, the activation between layers, last layer linear. */
export function denseToOnnx(
  graph: OnnxGraph,
  input: string,
  layers: DenseLayer[],
  activation: Activation,
): string {
  const op = activation === "relu" ? "Relu" : activation === "tanh" ? "Tanh" : "Sigmoid";
  let h = input;
  layers.forEach((l, i) => {
    const W = graph.constant("float", [l.inputs, l.outputs], l.W, "nn_w");
    const b = graph.constant("float", [l.outputs], l.b, "nn_b");
    h = graph.op("Gemm", [h, W, b]);
    if (i < layers.length - 1) h = graph.op(op, [h]);
  });
  return h;
}

/** Standardises inputs in ONNX: (x − mean) / scale with NaN replaced by 0, as `standardizeRows` does. */
export function standardizeToOnnx(
  graph: OnnxGraph,
  input: string,
  mean: Float64Array,
  scale: Float64Array,
): string {
  const d = mean.length;
  const m = graph.constant("float", [d], mean, "nn_mean");
  const s = graph.constant("float", [d], scale, "nn_scale");
  const z = graph.op("Div", [graph.op("Sub", [input, m]), s]);
  const zero = graph.constant("float", [], [0], "nn_zero");
  return graph.op("Where", [graph.op("IsNaN", [z]), zero, z]);
}

function denseArrays(layers: DenseLayer[], prefix: string): [string, Float32Array][] {
  return layers.flatMap((l, i): [string, Float32Array][] => [
    [`${prefix}W${i}`, l.W],
    [`${prefix}b${i}`, l.b],
  ]);
}

function denseFromArrays(
  get: (name: string) => Float32Array,
  shapes: [number, number][],
  prefix: string,
): DenseLayer[] {
  return shapes.map(([inputs, outputs], i) => {
    const W = get(`${prefix}W${i}`);
    const b = get(`${prefix}b${i}`);
    if (W.length !== inputs * outputs || b.length !== outputs)
      throw new Error(`model file: layer ${i} does not match its declared shape ${inputs}×${outputs}`);
    return { inputs, outputs, W, b };
  });
}

/** A dense stack over standardised inputs, as the MLP and the autoencoder both hold it. */
export interface StandardizedNet {
  mean: Float64Array;
  scale: Float64Array;
  layers: DenseLayer[];
}

/**
 * Predicts with a stored net in batches: `head` turns the net's output for a batch (and the batch's
 * standardised inputs) into the model's `width` values per row.
 */
export function predictStandardized(
  tf: Tf,
  algorithm: string,
  net: StandardizedNet & { featureNames: string[]; activation: Activation },
  X: Matrix,
  width: number,
  head: (
    out: import("@tensorflow/tfjs").Tensor,
    z: import("@tensorflow/tfjs").Tensor,
  ) => import("@tensorflow/tfjs").Tensor,
): Float64Array {
  checkFeatures(algorithm, net.featureNames, X);
  const d = net.featureNames.length;
  const Z = Float32Array.from(standardizeRows(X, net));
  const c = toConstants(tf, net.layers);
  try {
    return predictInBatches(tf, X.nRows, width, (start, end) => {
      const z = tf.tensor2d(Z.subarray(start * d, end * d), [end - start, d]);
      return head(forward(tf, c, z, net.activation), z);
    });
  } finally {
    tf.dispose([...c.W, ...c.b]);
  }
}

/** [inputs, outputs] of each layer: what a model file's header records to read the layers back. */
export function layerShapes(layers: DenseLayer[]): [number, number][] {
  return layers.map((l) => [l.inputs, l.outputs]);
}

/** The model-file arrays of a standardised net: input mean and scale, then each layer's W and b. */
export function netArrays(net: StandardizedNet): [string, Float64Array | Float32Array][] {
  return [["mean", net.mean], ["scale", net.scale], ...denseArrays(net.layers, "")];
}

export function netFromFile(u: Unpacked, shapes: [number, number][]): StandardizedNet {
  return {
    mean: arrayOf(u, "mean", Float64Array),
    scale: arrayOf(u, "scale", Float64Array),
    layers: denseFromArrays((name) => arrayOf(u, name, Float32Array), shapes, ""),
  };
}
