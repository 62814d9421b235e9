// Registers the histogram GBDT as the "gbdt" estimator. Categorical columns are expected
// one-hot expanded upstream (every column is treated as numeric; missing values get a learned direction).
import type { Estimator } from "../estimator.js";
import { registerEstimator } from "../estimator-registry.js";
import { TreeModel } from "../tree/model.js";
import { fitGbdt } from "./booster.js";
import { GBDT_PARAMS } from "./params.js";

export const gbdtEstimator: Estimator = {
  algorithm: "gbdt",
  tasks: ["binary", "multiclass", "regression", "ranking"],
  params: GBDT_PARAMS,
  fit: (train, valid, params, task, ctx) => fitGbdt(train, valid, params, task, ctx),
  deserialize: (bytes) => TreeModel.deserialize("gbdt", bytes),
};

registerEstimator(gbdtEstimator);

export { fitGbdt } from "./booster.js";
export { GBDT_PARAMS } from "./params.js";
