// Model-agnostic explanations: permutation importance and partial dependence for any trained
// model (TreeSHAP for trees lives in src/ml/tree-shap.ts). Re-exports only.
export { permutationImportance, rankImportances } from "./permutation.js";
export { featureGrid, partialDependence, type PartialDependence } from "./partial-dependence.js";
