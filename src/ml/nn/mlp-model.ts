// A trained multi-layer perceptron (classification or regression): tfjs prediction in batches of
// 1024, float32 weights + JSON header as bytes, and the same network exported as ONNX Gemm nodes.
import type { OnnxGraph } from "../../onnx/builder.js";
import type { Task, TrainedModel } from "../estimator.js";
import type { Matrix } from "../matrix.js";
import { tfSync } from "./backend.js";
import {
  denseToOnnx,
  layerShapes,
  netArrays,
  netFromFile,
  predictStandardized,
  standardizeToOnnx,
  type Activation,
  type DenseLayer,
  type StandardizedNet,
} from "./dense-net.js";
import { packModel, unpackModel } from "./packed-bytes.js";

const FILE_KIND = "mlp";

interface MlpState {
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
    const tf = tfSync();
    const out = predictStandardized(tf, this.algorithm, this.state, X, this.outputWidth, (logits) => {
      if (this.task.kind === "binary") return tf.sigmoid(logits);
      if (this.task.kind === "multiclass") return tf.softmax(logits);
      return logits;
    });
    for (let i = 0; i < out.length; i++) out[i] = out[i]! * this.state.yScale + this.state.yMean;
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
    return packModel(
      FILE_KIND,
      {
        task: s.task,
        featureNames: s.featureNames,
        activation: s.activation,
        shapes: layerShapes(s.layers),
        yMean: s.yMean,
        yScale: s.yScale,
        bestEpoch: s.bestEpoch,
        params: s.params,
      },
      netArrays(s),
    );
  }

  static deserialize(bytes: Uint8Array): MlpModel {
    const u = unpackModel(FILE_KIND, bytes);
    const h = u.header as unknown as Omit<MlpState, keyof StandardizedNet> & { shapes: [number, number][] };
    return new MlpModel({
      task: h.task,
      featureNames: h.featureNames,
      activation: h.activation,
      yMean: h.yMean,
      yScale: h.yScale,
      bestEpoch: h.bestEpoch,
      params: h.params,
      ...netFromFile(u, h.shapes),
    });
  }
}
