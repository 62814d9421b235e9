// A trained multi-layer perceptron (classification or regression): tfjs prediction in batches of
// 1024, float32 weights + JSON header as bytes, and the same network exported as ONNX Gemm nodes.
import type { OnnxGraph } from "../../onnx/builder.js";
import type { Task, TrainedModel } from "../estimator.js";
import { checkFeatures, standardizeRows } from "../linear/standardize.js";
import type { Matrix } from "../matrix.js";
import { tfSync } from "./backend.js";
import { denseArrays, denseFromArrays, denseToOnnx, forward, standardizeToOnnx, toConstants, type Activation, type DenseLayer } from "./dense-net.js";
import { arrayOf, packModel, unpackModel } from "./packed-bytes.js";

export const PREDICT_BATCH = 1024;
const FILE_KIND = "mlp";

export interface MlpState {
  task: Task;
  featureNames: string[];
  mean: Float64Array;
  scale: Float64Array;
  activation: Activation;
  layers: DenseLayer[];
  /** Regression target standardisation (0 and 1 for classifiers). */
  yMean: number;
  yScale: number;
  bestEpoch: number;
  params: Record<string, number | string>;
}

export class MlpModel implements TrainedModel {
  readonly algorithm = "mlp";
  readonly task: Task;
  readonly featureNames: string[];
  readonly outputWidth: number;
  readonly bestIteration: number;

  constructor(readonly state: MlpState) {
    this.task = state.task;
    this.featureNames = state.featureNames;
    this.outputWidth = state.task.kind === "multiclass" ? state.task.classes.length : 1;
    this.bestIteration = state.bestEpoch;
  }

  predict(X: Matrix): Float64Array {
    checkFeatures(this.algorithm, this.featureNames, X);
    const tf = tfSync();
    const d = this.featureNames.length;
    const k = this.outputWidth;
    const Z = Float32Array.from(standardizeRows(X, this.state));
    const out = new Float64Array(X.nRows * k);
    const net = toConstants(tf, this.state.layers);
    try {
      for (let start = 0; start < X.nRows; start += PREDICT_BATCH) {
        const end = Math.min(start + PREDICT_BATCH, X.nRows);
        // tidy must return the tensor, not its data: tidy walks a returned typed array element by element.
        const result = tf.tidy(() => {
          const logits = forward(tf, net, tf.tensor2d(Z.subarray(start * d, end * d), [end - start, d]), this.state.activation);
          if (this.task.kind === "binary") return tf.sigmoid(logits);
          if (this.task.kind === "multiclass") return tf.softmax(logits);
          return logits;
        });
        const values = result.dataSync();
        result.dispose();
        for (let i = 0; i < values.length; i++) out[start * k + i] = values[i]! * this.state.yScale + this.state.yMean;
      }
    } finally {
      tf.dispose([...net.W, ...net.b]);
    }
    return out;
  }

  toOnnx(graph: OnnxGraph, input: string): string {
    const z = standardizeToOnnx(graph, input, this.state.mean, this.state.scale);
    const logits = denseToOnnx(graph, z, this.state.layers, this.state.activation);
    if (this.task.kind === "binary") return graph.op("Sigmoid", [logits]);
    if (this.task.kind === "multiclass") return graph.op("Softmax", [logits], { axis: 1 });
    const s = graph.constant("float", [], [this.state.yScale], "mlp_yscale");
    const m = graph.constant("float", [], [this.state.yMean], "mlp_ymean");
    return graph.op("Add", [graph.op("Mul", [logits, s]), m]);
  }

  serialize(): Uint8Array {
    const s = this.state;
    const shapes = s.layers.map((l) => [l.inputs, l.outputs]);
    return packModel(
      FILE_KIND,
      { task: s.task, featureNames: s.featureNames, activation: s.activation, shapes, yMean: s.yMean, yScale: s.yScale, bestEpoch: s.bestEpoch, params: s.params },
      [["mean", s.mean], ["scale", s.scale], ...denseArrays(s.layers, "")],
    );
  }

  static deserialize(bytes: Uint8Array): MlpModel {
    const u = unpackModel(FILE_KIND, bytes);
    const h = u.header as unknown as Omit<MlpState, "mean" | "scale" | "layers"> & { shapes: [number, number][] };
    return new MlpModel({
      task: h.task,
      featureNames: h.featureNames,
      activation: h.activation,
      yMean: h.yMean,
      yScale: h.yScale,
      bestEpoch: h.bestEpoch,
      params: h.params,
      mean: arrayOf(u, "mean", Float64Array),
      scale: arrayOf(u, "scale", Float64Array),
      layers: denseFromArrays((name) => arrayOf(u, name, Float32Array), h.shapes, ""),
    });
  }
}
