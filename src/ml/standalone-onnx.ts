// Wraps a TrainedModel as a standalone ONNX file: input "features" float [N, d], output "score".
import { OnnxGraph } from "../onnx/builder.js";
import type { TrainedModel } from "./estimator.js";

export function modelToOnnxBytes(model: TrainedModel): Uint8Array {
  const g = new OnnxGraph(model.algorithm);
  const input = g.input("features", "float", ["N", model.featureNames.length]);
  const out = model.toOnnx(g, input);
  g.node("Identity", [out], ["score"]);
  g.output("score", "float", ["N", model.outputWidth]);
  return g.toBytes();
}
