// The user and item index columns of the factorisation learners (matrix_factorization, bpr,
// two_tower): which feature holds each, and how many ids a column holds, with the learner's name in
// every error so a bad column reads the same whichever learner met it.
import type { Matrix } from "./matrix.js";

/** The feature named by `param` (`name`), or the `fallback`-th feature when the name is empty. */
export function indexFeature(
  algorithm: string,
  X: Matrix,
  param: string,
  name: string,
  fallback: number,
): number {
  if (name === "") {
    if (X.columns.length <= fallback)
      throw new Error(
        `${algorithm}: needs a user and an item index column, got ${X.columns.length} feature(s)`,
      );
    return fallback;
  }
  const j = X.names.indexOf(name);
  if (j < 0)
    throw new Error(`${algorithm}: ${param} '${name}' is not a feature (features: ${X.names.join(", ")})`);
  return j;
}

/** One more than the largest id in column `j`; refuses a value that is not a non-negative integer (1-based row). */
export function indexColumnSize(algorithm: string, X: Matrix, j: number): number {
  const col = X.columns[j]!;
  let max = -1;
  for (let i = 0; i < col.length; i++) {
    const v = col[i]!;
    if (!(Number.isInteger(v) && v >= 0))
      throw new Error(
        `${algorithm}: column '${X.names[j]}' must hold non-negative integer indices; row ${i + 1} has ${v}`,
      );
    if (v > max) max = v;
  }
  return max + 1;
}
