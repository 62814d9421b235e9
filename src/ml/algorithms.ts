// Where each algorithm's estimator lives. Loading is lazy, so training a GBDT never pays for
// starting TensorFlow.js. Adding an algorithm is one line here plus its own folder.
import type { Estimator } from "./estimator.js";
import { estimatorFor } from "./estimator-registry.js";

const LOADERS: Record<string, () => Promise<unknown>> = {
  gbdt: () => import("./gbdt/index.js"),
  random_forest: () => import("./forest/index.js"),
  linear: () => import("./linear/index.js"),
  logistic: () => import("./linear/index.js"),
  isolation_forest: () => import("./isolation-forest/index.js"),
  mlp: () => import("./nn/index.js"),
  autoencoder: () => import("./nn/index.js"),
  matrix_factorization: () => import("./nn/index.js"),
  bpr: () => import("./recommend/index.js"),
  two_tower: () => import("./nn/index.js"),
  onnx: () => import("./onnx-import/index.js"),
};

export const ALGORITHMS: readonly string[] = Object.keys(LOADERS).sort();

/** The estimator of an algorithm, loading its module on first use; undefined for an unknown name. */
export async function loadEstimator(algorithm: string): Promise<Estimator | undefined> {
  const load = LOADERS[algorithm];
  if (!load) return undefined;
  await load();
  return estimatorFor(algorithm);
}
