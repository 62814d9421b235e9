// Every algorithm's parameter specs by name: the one source the learners, the compiler's check
// of `params { … }` and the generated reference read. Pure data; imports nothing heavy.
import { BPR_PARAMS } from "./bpr.js";
import { GBDT_PARAMS } from "./gbdt.js";
import { ISOLATION_FOREST_PARAMS } from "./isolation-forest.js";
import { LINEAR_PARAMS, LOGISTIC_PARAMS } from "./linear.js";
import { AUTOENCODER_PARAMS, MATRIX_FACTORIZATION_PARAMS, MLP_PARAMS } from "./nn.js";
import { ONNX_IMPORT_PARAMS } from "./onnx-import.js";
import { RANDOM_FOREST_PARAMS } from "./random-forest.js";
import type { AlgorithmParams } from "./spec.js";
import { TWO_TOWER_PARAMS } from "./two-tower.js";

export type { AlgorithmParams, ParamAlias, ParamSpec, ParamValue } from "./spec.js";
export { describeParamType, describeRange, inRange, paramValueProblem, parseIntList } from "./spec.js";

const ALL: readonly AlgorithmParams[] = [
  GBDT_PARAMS,
  RANDOM_FOREST_PARAMS,
  LINEAR_PARAMS,
  LOGISTIC_PARAMS,
  ISOLATION_FOREST_PARAMS,
  MLP_PARAMS,
  AUTOENCODER_PARAMS,
  MATRIX_FACTORIZATION_PARAMS,
  BPR_PARAMS,
  TWO_TOWER_PARAMS,
  ONNX_IMPORT_PARAMS,
];

const BY_NAME = new Map(ALL.map((a) => [a.algorithm, a]));

/** The parameter specs of an algorithm, or undefined for a name mlc does not know. */
export function algorithmParams(algorithm: string): AlgorithmParams | undefined {
  return BY_NAME.get(algorithm);
}

/** Every algorithm with parameter specs, sorted by name. */
export function algorithmsWithParams(): readonly AlgorithmParams[] {
  return [...ALL].sort((a, b) => (a.algorithm < b.algorithm ? -1 : 1));
}
