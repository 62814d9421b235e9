// Learning tasks: what a model predicts. The task decides which metrics exist (see metrics.ts)
// and which column is the label (checked for existence and for leakage).
import { d, t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import type { FunctionBuiltin } from "./types.js";

const label = {
  name: "label",
  type: t.column(),
  required: true,
  doc: "the label column of the model's data",
} as const;

for (const b of [
  {
    family: "task",
    name: "classify",
    returns: "any",
    doc: "Binary or multiclass classification of `label`.",
    params: [
      label,
      {
        name: "positive",
        type: t.union(t.string(), t.number(), t.bool()),
        required: false,
        doc: 'the label value of the positive class for binary metrics (`"yes"`); default: true or 1',
      },
    ],
  },
  {
    family: "task",
    name: "regress",
    returns: "any",
    doc: "Regression of a numeric `label`.",
    params: [label],
  },
  {
    family: "task",
    name: "rank",
    returns: "any",
    doc: "Learning to rank: order the items of each group by relevance `label`.",
    params: [
      label,
      { name: "group", type: t.column(), required: true, doc: "the column identifying a query or user" },
      {
        name: "k",
        type: t.int(1),
        required: false,
        default: d.number(10),
        doc: "the cut-off of the top-k metrics (`ndcg`, `map`, `precision_at_k`, …)",
      },
      {
        name: "item",
        type: t.column(),
        required: false,
        doc: "the column identifying the item: enables `coverage`, `popularity_bias` and the popularity baseline (`baseline.test.ndcg`)",
      },
      {
        name: "relevant",
        type: t.number(),
        required: false,
        doc: "a row is relevant when its label is at least this (graded labels such as 1–5 ratings); default: label > 0",
      },
    ],
  },
  {
    family: "task",
    name: "detect_anomalies",
    returns: "any",
    doc: "Unsupervised anomaly scoring; with `label`, the labelled metrics are computed too.",
    params: [
      { name: "label", type: t.column(), required: false, doc: "an optional column marking known anomalies" },
      {
        name: "contamination",
        type: t.number(0, 0.5),
        required: false,
        default: d.number(0.1),
        doc: "expected share of anomalies: without a model `threshold`, the decision threshold is the validation scores' (1 − contamination) quantile, recorded with the version; served, streamed and batch predictions carry `anomaly` (score ≥ threshold) and `threshold` beside the score. 0: the score only",
      },
      {
        name: "k",
        type: t.int(1),
        required: false,
        default: d.number(10),
        doc: "the cut-off of `precision_at_k`: the share of labelled anomalies among the k highest scores",
      },
    ],
  },
] satisfies FunctionBuiltin[])
  registerBuiltin(b);
