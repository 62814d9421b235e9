// The isolation forest's parameters: types, ranges, defaults, meanings and the names
// scikit-learn gives them. Pure data, read by the compiler and the learner.
import type { AlgorithmParams } from "./spec.js";

export const ISOLATION_FOREST_PARAMS: AlgorithmParams = {
  algorithm: "isolation_forest",
  params: [
    {
      name: "trees",
      type: "int",
      default: 100,
      min: 1,
      max: 10000,
      doc: "number of isolation trees",
      aliases: [{ name: "n_estimators", library: "scikit-learn" }],
    },
    {
      name: "sample_size",
      type: "int",
      default: 256,
      min: 2,
      doc: "rows subsampled (without replacement) per tree, ψ; capped at the training rows",
      aliases: [{ name: "max_samples", library: "scikit-learn" }],
    },
    {
      name: "max_depth",
      type: "int",
      default: 0,
      min: 0,
      doc: "depth limit; 0 means ceil(log2 ψ) as in the original paper",
    },
    {
      name: "contamination",
      type: "float",
      default: 0.1,
      min: 0,
      max: 0.5,
      doc: "expected outlier share; sets the model's `threshold` to the training score quantile 1 − contamination (scores themselves are unaffected)",
    },
  ],
};
