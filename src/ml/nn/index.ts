// Registers the TensorFlow.js learners ("mlp", "autoencoder", "matrix_factorization", "two_tower"). Importing
// this module initialises TensorFlow.js first, so their synchronous predict always has a backend.
import { registerEstimator } from "../estimator-registry.js";
import { autoencoderEstimator } from "./autoencoder.js";
import { loadTf } from "./backend.js";
import { matrixFactorizationEstimator } from "./matrix-factorization.js";
import { mlpEstimator } from "./mlp.js";
import { twoTowerEstimator } from "./two-tower.js";

await loadTf();

registerEstimator(mlpEstimator);
registerEstimator(autoencoderEstimator);
registerEstimator(matrixFactorizationEstimator);
registerEstimator(twoTowerEstimator);

export { autoencoderEstimator, matrixFactorizationEstimator, mlpEstimator, twoTowerEstimator };
