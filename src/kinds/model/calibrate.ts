// `calibrate = isotonic|platt` on a model: fits the calibrator on the validation predictions and
// wraps the trained model so that batch predictions and its ONNX form both end in the calibrator.
import {
  applyCalibrator,
  calibratorToOnnx,
  expectedCalibrationError,
  fitCalibrator,
  serializeCalibrator,
  type Calibrator,
} from "../../ml/calibration/index.js";
import type { Dataset, TrainedModel } from "../../ml/estimator.js";
import type { Matrix } from "../../ml/matrix.js";
import type { OnnxGraph } from "../../onnx/builder.js";
import { NodeFailure } from "../../ir/executor.js";
import type { ModelSpec } from "./model-spec.js";

export interface CalibrationOutcome {
  calibrator: Calibrator;
  /** The trained model followed by the calibrator (predict, toOnnx); serialize() stays the raw model's. */
  model: TrainedModel;
  bytes: Uint8Array;
  split: "valid";
  eceBefore: number;
  eceAfter: number;
}

/**
 * The model with its predictions passed through `c`. Serialisation is the raw model's (the
 * calibrator is its own artifact); the ONNX form appends the calibrator after the score, so serving
 * and batch predictions agree.
 */
export function calibratedModel(model: TrainedModel, c: Calibrator): TrainedModel {
  const wrapped: TrainedModel = {
    algorithm: model.algorithm,
    task: model.task,
    featureNames: model.featureNames,
    outputWidth: model.outputWidth,
    predict: (X: Matrix) => applyCalibrator(c, model.predict(X)),
    serialize: () => model.serialize(),
    toOnnx: (g: OnnxGraph, input: string) => calibratorToOnnx(c, g, model.toOnnx(g, input)),
    ...(model.bestIteration !== undefined ? { bestIteration: model.bestIteration } : {}),
  };
  if (model.predictAsync) {
    const pa = model.predictAsync.bind(model);
    wrapped.predictAsync = async (X: Matrix) => applyCalibrator(c, await pa(X));
  }
  if (model.importance) wrapped.importance = model.importance.bind(model);
  return wrapped;
}

/** Fits the spec's calibrator on the valid rows; undefined when the spec asks for none. */
export function calibrateModel(
  spec: ModelSpec,
  model: TrainedModel,
  valid: Dataset | undefined,
): CalibrationOutcome | undefined {
  if (spec.calibrate === "none") return undefined;
  if (model.task.kind !== "binary" || model.outputWidth !== 1) {
    throw new NodeFailure(
      `model ${spec.name}: calibrate = ${spec.calibrate} applies to binary classifiers (this model is ${model.task.kind})`,
      { code: "MLC2205" },
    );
  }
  if (!valid?.y || valid.X.nRows === 0)
    throw new NodeFailure(
      `model ${spec.name}: calibrate = ${spec.calibrate} is fitted on validation rows: give the split a valid share`,
      { code: "MLC2205" },
    );
  const raw = model.predict(valid.X);
  const calibrator = fitCalibrator(spec.calibrate, raw, valid.y, 1);
  return {
    calibrator,
    model: calibratedModel(model, calibrator),
    bytes: serializeCalibrator(calibrator),
    split: "valid",
    eceBefore: expectedCalibrationError(valid.y, raw, 1),
    eceAfter: expectedCalibrationError(valid.y, applyCalibrator(calibrator, raw), 1),
  };
}
