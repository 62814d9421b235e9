// The model report's explanations of a tree model's TreeSHAP values: the importance section (features
// by mean |SHAP|) and the partial dependence of its top features. One definition for the main thread
// (report.ts) and the report worker (report-worker.ts), so either gives the report the same numbers.
import type { TrainedModel } from "../../ml/estimator.js";
import { partialDependence, type PartialDependence } from "../../ml/explain/index.js";
import type { Matrix } from "../../ml/matrix.js";
import type { ReportJson } from "../../ml/report/index.js";

/** The features whose partial dependence the report shows: the first ones by importance. */
const PARTIAL_FEATURES = 3;
const PARTIAL_GRID = 15;
const PARTIAL_ROWS = 300;

/** An importance section and the feature indices in its order (most important first). */
export interface RankedImportance {
  section: NonNullable<ReportJson["importance"]>;
  order: number[];
}

/** The TreeSHAP importance section of mean |SHAP| values per feature (ties in feature order). */
export function treeShapImportanceSection(shap: Float64Array, names: readonly string[]): RankedImportance {
  const features = Array.from(shap, (value, i) => ({ feature: names[i]!, value, index: i })).sort(
    (a, b) => b.value - a.value || a.index - b.index,
  );
  return {
    section: { method: "treeshap", features: features.map(({ feature, value }) => ({ feature, value })) },
    order: features.map((f) => f.index),
  };
}

/** The partial dependence of the report's top features by `order`, on a seeded sample of X's rows. */
export function topPartialDependence(
  model: Pick<TrainedModel, "predict" | "outputWidth">,
  X: Matrix,
  order: readonly number[],
  seed: number,
): PartialDependence[] {
  return order
    .slice(0, PARTIAL_FEATURES)
    .map((f) => partialDependence(model, X, f, { gridSize: PARTIAL_GRID, maxRows: PARTIAL_ROWS, seed }));
}
