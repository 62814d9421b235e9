// Registers the random forest as the "random_forest" estimator (classification and regression,
// same histogram tree code as the GBDT; categorical columns one-hot expanded upstream).
import type { Estimator } from "../estimator.js";
import { registerEstimator } from "../estimator-registry.js";
import { TreeModel } from "../tree/model.js";
import { fitForest, FOREST_PARAMS } from "./forest.js";

export const forestEstimator: Estimator = {
  algorithm: "random_forest",
  tasks: ["binary", "multiclass", "regression"],
  params: FOREST_PARAMS,
  fit: (train, valid, params, task, ctx) => fitForest(train, valid, params, task, ctx),
  deserialize: (bytes) => TreeModel.deserialize("random_forest", bytes),
};

registerEstimator(forestEstimator);

export { fitForest, FOREST_PARAMS } from "./forest.js";
