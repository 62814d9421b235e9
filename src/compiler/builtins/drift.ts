// Drift and data-quality tests for monitors: each compares live inputs of a deployment with its
// training data, per feature; over a star reference the largest statistic counts.
import { d, t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import type { FunctionBuiltin } from "./types.js";

const feats = {
  name: "x",
  type: t.features(),
  required: true,
  doc: "the features compared (`usage.*` or `usage.f`)",
} as const;

for (const b of [
  {
    family: "drift",
    name: "psi",
    returns: "number",
    doc: "Population stability index over training-quantile bins.",
    params: [
      feats,
      { name: "bins", type: t.int(2), required: false, default: d.number(10), doc: "number of bins" },
    ],
  },
  {
    family: "drift",
    name: "ks",
    returns: "number",
    doc: "Kolmogorov-Smirnov statistic (numeric features).",
    params: [feats],
  },
  {
    family: "drift",
    name: "chi2",
    returns: "number",
    doc: "p-value of Pearson's chi-squared test (categorical features); small means drift.",
    params: [feats],
  },
  {
    family: "drift",
    name: "js",
    returns: "number",
    doc: "Jensen-Shannon distance between the binned distributions (0 to 1).",
    params: [feats],
  },
  {
    family: "drift",
    name: "wasserstein",
    returns: "number",
    doc: "Earth mover's distance, scaled by the training standard deviation.",
    params: [feats],
  },
  {
    family: "drift",
    name: "null_rate",
    returns: "number",
    doc: "Share of null values among live inputs.",
    params: [feats],
  },
] satisfies FunctionBuiltin[])
  registerBuiltin(b);
