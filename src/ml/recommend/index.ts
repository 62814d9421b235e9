// Registers the recommendation learners that need no TensorFlow.js ("bpr").
import { registerEstimator } from "../estimator-registry.js";
import { bprEstimator } from "./bpr.js";

registerEstimator(bprEstimator);

export { bprEstimator };
