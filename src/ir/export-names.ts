// The names of a model's edge-export measurements: `export.PRECISION.MEASURE`, recorded by the
// model executor for each precision its `export { quantize = … }` block declares and checked in
// gates at validate. No imports.

export const EXPORT_PRECISIONS = ["float16", "int8"] as const;
export type ExportPrecision = (typeof EXPORT_PRECISIONS)[number];

/** Algorithms whose graph is a tree ensemble: thresholds in node attributes, nothing to quantise. */
export const TREE_ALGORITHMS = ["gbdt", "random_forest", "isolation_forest"] as const;

/**
 * What an export records per precision: the quantised model.onnx's bytes and its ratio to the
 * float graph's, the largest score difference on the test rows, and the change of the task's
 * metrics there (after − before): `auc_delta` and `accuracy_delta` for a classifier (AUC for a
 * binary one only), `rmse_delta` for a regressor.
 */
export function exportMeasures(task: "classify" | "regress" | undefined): string[] {
  const common = ["size_bytes", "size_ratio", "max_abs_diff"];
  if (task === "classify") return [...common, "auc_delta", "accuracy_delta"];
  if (task === "regress") return [...common, "rmse_delta"];
  return [...common, "auc_delta", "accuracy_delta", "rmse_delta"];
}
