// Registers the isolation forest ("isolation_forest") for the anomaly task: unsupervised, the
// score is higher for rows that random splits isolate quickly.
import type { Estimator } from "../estimator.js";
import { registerEstimator } from "../estimator-registry.js";
import { fitIsolationForest, ISOLATION_FOREST_PARAMS } from "./fit.js";
import { IsolationForestModel } from "./isolation-forest-model.js";

export const isolationForestEstimator: Estimator = {
  algorithm: "isolation_forest",
  tasks: ["anomaly"],
  params: ISOLATION_FOREST_PARAMS,
  fit: (train, valid, params, task, ctx) => {
    if (task.kind !== "anomaly")
      return Promise.reject(new Error(`isolation_forest: supports the anomaly task only, not ${task.kind}`));
    return fitIsolationForest(train, valid, params, ctx);
  },
  deserialize: (bytes) => IsolationForestModel.deserialize(bytes),
};

registerEstimator(isolationForestEstimator);
