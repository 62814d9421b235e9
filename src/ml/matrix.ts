// The numeric data every estimator consumes: a column-major matrix of float32 features
// (NaN = missing) with names. Column-major because histogram binning and feature
// transforms work a column at a time; row-major views are made where a learner needs them.

export interface Matrix {
  nRows: number;
  /** One Float32Array of length nRows per feature; NaN marks a missing value. */
  columns: Float32Array[];
  names: string[];
}

/** Row-major copy (n × d), for learners and ONNX feeds that want contiguous rows. */
export function toRowMajor(m: Matrix): Float32Array {
  const d = m.columns.length;
  const out = new Float32Array(m.nRows * d);
  for (let j = 0; j < d; j++) {
    const col = m.columns[j]!;
    for (let i = 0; i < m.nRows; i++) out[i * d + j] = col[i]!;
  }
  return out;
}

/** The rows at the given indices, in that order. */
export function takeRows(m: Matrix, idx: ArrayLike<number>): Matrix {
  const n = idx.length;
  return {
    nRows: n,
    names: m.names,
    columns: m.columns.map((c) => {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = c[idx[i]!]!;
      return out;
    }),
  };
}

/**
 * Checks that a matrix has as many features as the model was trained on, each with one value per
 * row: every model's predict calls it first, so a wrong width is this clear error rather than a failure deep inside.
 */
export function checkFeatures(algorithm: string, expected: string[], X: Matrix): void {
  if (X.columns.length !== expected.length) {
    throw new Error(
      `${algorithm}: model expects ${expected.length} features (${expected.slice(0, 5).join(", ")}${expected.length > 5 ? ", …" : ""}), got ${X.columns.length}`,
    );
  }
  X.columns.forEach((c, j) => {
    if (c.length !== X.nRows)
      throw new Error(`${algorithm}: feature '${X.names[j]}' has ${c.length} values for ${X.nRows} rows`);
  });
}
