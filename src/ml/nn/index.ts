// Registers the TensorFlow.js learners ("mlp", "autoencoder", "matrix_factorization"). Importing
// this module initialises TensorFlow.js first, so their synchronous predict always has a backend.
import { registerEstimator } from "../estimator-registry.js";
import { loadTf } from "./backend.js";
import { mlpEstimator } from "./mlp.js";

await loadTf();

registerEstimator(mlpEstimator);

export { mlpEstimator };
