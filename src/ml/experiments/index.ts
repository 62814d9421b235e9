// Statistics of online experiments: sample sizes, the sequential and fixed tests, the sample-ratio
// check, CUPED and the per-arm analysis; pure functions over numbers, no I/O.
export {
  meanSampleSize,
  proportionEffectSize,
  proportionSampleSize,
  sampleSizeForEffect,
  twoSampleZPower,
  type PowerTarget,
  type SampleSize,
} from "./sample-size.js";
export {
  compareArms,
  fixedTest,
  momentsOf,
  sequentialTest,
  type ArmComparison,
  type ArmMoments,
  type TestKind,
} from "./compare-arms.js";
export { sampleRatioMismatch, SRM_THRESHOLD, type SrmResult } from "./srm.js";
export { cupedAdjust, fitCuped, type CupedFit } from "./cuped.js";
export {
  analyzeExperiment,
  type ArmStatus,
  type ExperimentDesign,
  type ExperimentRecord,
  type ExperimentStatus,
  type Guardrail,
  type GuardrailStatus,
  type MetricStatus,
  type Verdict,
} from "./analysis.js";
