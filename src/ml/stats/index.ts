// Statistics for evaluation: bootstrap intervals, paired comparisons, DeLong and McNemar tests,
// and the distribution functions behind them. Re-exports only; each idea lives in its own file.
export {
  bootstrapCI,
  bootstrapCIs,
  pairedBootstrap,
  type BootstrapOptions,
  type Interval,
  type PairedComparison,
} from "./bootstrap.js";
export {
  delongAucInterval,
  delongComponents,
  delongTest,
  delongVariance,
  type DelongResult,
} from "./delong.js";
export { correctness, mcnemarTest, MCNEMAR_EXACT_BELOW, type McnemarResult } from "./mcnemar.js";
export {
  binomialCdf,
  chiSquareCdf,
  logGamma,
  normalCdf,
  normalQuantile,
  regularizedGammaP,
  twoSidedNormalP,
} from "./distributions.js";
export { median, quantileSorted } from "./quantile.js";
export { mixSeed, Rng } from "../random.js";
export { evaluateSplit, type MetricValue, type SplitEvaluation } from "./evaluate.js";
export { compareModels, type ComparisonTest, type MetricComparison } from "./compare.js";
