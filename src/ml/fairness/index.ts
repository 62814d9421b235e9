// Fairness by a group column for binary classifiers: per-group rates and metrics, and the
// parity measures gates assert on. Re-exports only.
export { groupRates } from "./groups.js";
export {
  demographicParityDifference,
  disparateImpactRatio,
  equalizedOddsDifference,
  equalOpportunityDifference,
  fairnessReport,
  type FairnessReport,
  type GroupMetricRow,
} from "./measures.js";
