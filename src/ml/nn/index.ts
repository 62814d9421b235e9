// Registers the TensorFlow.js learners ("mlp", "autoencoder", "matrix_factorization"). Importing
// this module initialises TensorFlow.js first, so their synchronous predict always has a backend.
import { registerEstimator } from "../estimator-registry.js";
import { autoencoderEstimator } from "./autoencoder.js";
import { loadTf } from "./backend.js";
import { matrixFactorizationEstimator } from "./matrix-factorization.js";
import { mlpEstimator } from "./mlp.js";

await loadTf();

registerEstimator(mlpEstimator);
registerEstimator(autoencoderEstimator);
registerEstimator(matrixFactorizationEstimator);

export { autoencoderEstimator, matrixFactorizationEstimator, mlpEstimator };
