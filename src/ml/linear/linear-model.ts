// The trained linear / logistic model: standardised coefficients plus the scaler, folded into
// raw-feature coefficients for prediction, export and inspection. Byte format and ONNX graph live here.
import type { OnnxGraph } from "../../onnx/builder.js";
import type { Task, TrainedModel } from "../estimator.js";
import type { Matrix } from "../matrix.js";
import { arrayOf, packModel, unpackModel } from "../nn/packed-bytes.js";
import { sigmoid } from "./objectives.js";
import { checkFeatures } from "../matrix.js";

export type LinearAlgorithm = "linear" | "logistic";

interface LinearState {
  algorithm: LinearAlgorithm;
  task: Task;
  featureNames: string[];
  mean: Float64Array;
  scale: Float64Array;
  /** Standardised-space parameters, k blocks of d coefficients + intercept. */
  wz: Float64Array;
  /** Regression target standardisation (0 and 1 for classifiers). */
  yMean: number;
  yScale: number;
  iterations: number;
  params: Record<string, number>;
}

const FILE_KIND = "linear-model";

export class LinearModel implements TrainedModel {
  readonly algorithm: LinearAlgorithm;
  readonly task: Task;
  readonly featureNames: string[];
  readonly outputWidth: number;
  readonly bestIteration: number;
  /** Outputs of the linear map: 1 for regression and binary, k for multiclass. */
  private readonly k: number;
  /** Raw-feature coefficients applied to (x − mean), k × d, and the intercepts at x = mean. */
  private readonly wRaw: Float64Array;
  private readonly bCentered: Float64Array;

  constructor(readonly state: LinearState) {
    this.algorithm = state.algorithm;
    this.task = state.task;
    this.featureNames = state.featureNames;
    this.k = state.task.kind === "multiclass" ? state.task.classes.length : 1;
    this.outputWidth = this.k;
    this.bestIteration = state.iterations;
    const d = state.featureNames.length;
    this.wRaw = new Float64Array(this.k * d);
    this.bCentered = new Float64Array(this.k);
    for (let c = 0; c < this.k; c++) {
      const base = c * (d + 1);
      for (let j = 0; j < d; j++)
        this.wRaw[c * d + j] = (state.yScale * state.wz[base + j]!) / state.scale[j]!;
      this.bCentered[c] = state.yMean + state.yScale * state.wz[base + d]!;
    }
  }

  /** Coefficients on the raw features (scaling folded in): k × d weights and k intercepts. */
  coefficients(): { weights: Float64Array; intercepts: Float64Array } {
    const d = this.featureNames.length;
    const intercepts = new Float64Array(this.k);
    for (let c = 0; c < this.k; c++) {
      let b = this.bCentered[c]!;
      for (let j = 0; j < d; j++) b -= this.wRaw[c * d + j]! * this.state.mean[j]!;
      intercepts[c] = b;
    }
    return { weights: Float64Array.from(this.wRaw), intercepts };
  }

  /** Magnitude of the standardised coefficients, summed over classes. */
  importance(): Float64Array {
    const d = this.featureNames.length;
    const out = new Float64Array(d);
    for (let c = 0; c < this.k; c++)
      for (let j = 0; j < d; j++) out[j] = out[j]! + Math.abs(this.state.wz[c * (d + 1) + j]!);
    return out;
  }

  /** Linear margins n × k (before the link). Missing values contribute nothing (mean imputation). */
  margins(X: Matrix): Float64Array {
    checkFeatures(this.algorithm, this.featureNames, X);
    const n = X.nRows;
    const d = this.featureNames.length;
    const k = this.k;
    const out = new Float64Array(n * k);
    for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) out[i * k + c] = this.bCentered[c]!;
    for (let j = 0; j < d; j++) {
      const col = X.columns[j]!;
      const m = this.state.mean[j]!;
      for (let c = 0; c < k; c++) {
        const w = this.wRaw[c * d + j]!;
        if (w === 0) continue;
        for (let i = 0; i < n; i++) {
          const v = col[i]!;
          if (v === v) {
            const at = i * k + c;
            out[at] = out[at]! + w * (v - m);
          }
        }
      }
    }
    return out;
  }

  predict(X: Matrix): Float64Array {
    const out = this.margins(X);
    if (this.task.kind === "binary") {
      for (let i = 0; i < out.length; i++) out[i] = sigmoid(out[i]!);
    } else if (this.task.kind === "multiclass") {
      softmaxRows(out, this.k);
    }
    return out;
  }

  toOnnx(graph: OnnxGraph, input: string): string {
    const d = this.featureNames.length;
    const k = this.k;
    const mean = graph.constant("float", [d], this.state.mean, "lin_mean");
    const centred = graph.op("Sub", [input, mean]);
    const zero = graph.constant("float", [], [0], "lin_zero");
    const filled = graph.op("Where", [graph.op("IsNaN", [centred]), zero, centred]);
    const wT = new Float64Array(d * k);
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) wT[j * k + c] = this.wRaw[c * d + j]!;
    const W = graph.constant("float", [d, k], wT, "lin_w");
    const b = graph.constant("float", [k], this.bCentered, "lin_b");
    const margin = graph.op("Add", [graph.op("MatMul", [filled, W]), b]);
    if (this.task.kind === "binary") return graph.op("Sigmoid", [margin]);
    if (this.task.kind === "multiclass") return graph.op("Softmax", [margin], { axis: 1 });
    return margin;
  }

  serialize(): Uint8Array {
    const s = this.state;
    return packModel(
      FILE_KIND,
      {
        algorithm: s.algorithm,
        task: s.task,
        featureNames: s.featureNames,
        yMean: s.yMean,
        yScale: s.yScale,
        iterations: s.iterations,
        params: s.params,
      },
      [
        ["mean", s.mean],
        ["scale", s.scale],
        ["wz", s.wz],
      ],
    );
  }

  static deserialize(bytes: Uint8Array, expected: LinearAlgorithm): LinearModel {
    const u = unpackModel(FILE_KIND, bytes);
    const h = u.header as Omit<LinearState, "mean" | "scale" | "wz">;
    if (h.algorithm !== expected)
      throw new Error(`model file holds a '${h.algorithm}' model, expected '${expected}'`);
    return new LinearModel({
      ...h,
      mean: arrayOf(u, "mean", Float64Array),
      scale: arrayOf(u, "scale", Float64Array),
      wz: arrayOf(u, "wz", Float64Array),
    });
  }
}

export function softmaxRows(a: Float64Array, k: number): void {
  for (let r = 0; r < a.length; r += k) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, a[r + c]!);
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(a[r + c]! - max);
      a[r + c] = e;
      sum += e;
    }
    for (let c = 0; c < k; c++) a[r + c]! /= sum;
  }
}
