// Estimators by algorithm name: one registration per algorithm.
import type { Estimator } from "./estimator.js";

const estimators = new Map<string, Estimator>();

export function registerEstimator(e: Estimator): void {
  if (estimators.has(e.algorithm)) throw new Error(`estimator '${e.algorithm}' registered twice`);
  estimators.set(e.algorithm, e);
}

export function estimatorFor(algorithm: string): Estimator | undefined {
  return estimators.get(algorithm);
}

export function registeredAlgorithms(): string[] {
  return [...estimators.keys()].sort();
}
