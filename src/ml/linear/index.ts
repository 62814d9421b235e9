// Registers the linear learners: "linear" (least squares) and "logistic" (binary and multinomial),
// both with L1/L2/elastic-net penalties on standardised features.
import type { Estimator } from "../estimator.js";
import { registerEstimator } from "../estimator-registry.js";
import { fitLinear, LINEAR_PARAMS, LOGISTIC_PARAMS } from "./fit.js";
import { LinearModel } from "./linear-model.js";

export const linearEstimator: Estimator = {
  algorithm: "linear",
  tasks: ["regression"],
  params: LINEAR_PARAMS,
  fit: (train, valid, params, task, ctx) => {
    if (task.kind !== "regression")
      return Promise.reject(
        new Error(`linear: supports regression only, not ${task.kind} (use logistic for classification)`),
      );
    return fitLinear("linear", train, valid, params, task, ctx);
  },
  deserialize: (bytes) => LinearModel.deserialize(bytes, "linear"),
};

export const logisticEstimator: Estimator = {
  algorithm: "logistic",
  tasks: ["binary", "multiclass"],
  params: LOGISTIC_PARAMS,
  fit: (train, valid, params, task, ctx) => {
    if (task.kind !== "binary" && task.kind !== "multiclass")
      return Promise.reject(
        new Error(`logistic: supports binary and multiclass classification, not ${task.kind}`),
      );
    return fitLinear("logistic", train, valid, params, task, ctx);
  },
  deserialize: (bytes) => LinearModel.deserialize(bytes, "logistic"),
};

registerEstimator(linearEstimator);
registerEstimator(logisticEstimator);
