// Metrics by name, with the tasks whose evaluation produces them and their direction. Gates,
// tune objectives and monitors name them in metric paths; src/ml/metrics computes them.
import { registerBuiltin } from "./registry.js";
import type { MetricBuiltin, TaskName } from "./types.js";

const m = (
  name: string,
  tasks: TaskName[],
  direction: "maximize" | "minimize",
  doc: string,
  needsItem = false,
): MetricBuiltin => ({ family: "metric", name, tasks, direction, doc, ...(needsItem ? { needsItem } : {}) });
const C: TaskName[] = ["classify"];
const R: TaskName[] = ["regress"];
const K: TaskName[] = ["rank"];

for (const b of [
  m(
    "auc",
    ["classify", "detect_anomalies"],
    "maximize",
    "Area under the ROC curve (one-vs-rest macro average for several classes).",
  ),
  m(
    "pr_auc",
    ["classify", "detect_anomalies"],
    "maximize",
    "Area under the precision-recall curve (average precision).",
  ),
  m("logloss", C, "minimize", "Mean negative log-likelihood of the true class."),
  m("accuracy", C, "maximize", "Share of rows whose predicted class is the true class."),
  m(
    "precision",
    C,
    "maximize",
    "Precision of the positive class at the decision threshold (macro average for several classes).",
  ),
  m(
    "recall",
    C,
    "maximize",
    "Recall of the positive class at the decision threshold (macro average for several classes).",
  ),
  m("f1", C, "maximize", "Harmonic mean of precision and recall at the decision threshold."),
  m("f1_macro", C, "maximize", "F1 of each class, averaged over classes (binary: both classes)."),
  m("f1_micro", C, "maximize", "F1 counted over all classes together (binary: both classes)."),
  m("precision_macro", C, "maximize", "Precision of each class, averaged over classes."),
  m("recall_macro", C, "maximize", "Recall of each class, averaged over classes."),
  {
    ...m(
      "cost",
      C,
      "minimize",
      "Mean cost per row of a binary classifier's decisions at its decision threshold, from its `decision { cost = { fp = 1, fn = 20 } }` (or minus its `profit`). Only a model whose decision declares a cost or profit produces it.",
    ),
    needsCosts: true,
  },
  {
    ...m(
      "profit",
      C,
      "maximize",
      "Mean profit per row of a binary classifier's decisions at its decision threshold: minus `cost`. Only a model whose decision declares a cost or profit produces it.",
    ),
    needsCosts: true,
  },
  m("brier", C, "minimize", "Mean squared difference between predicted probability and outcome."),
  m("ece", C, "minimize", "Expected calibration error over 10 equal-width probability bins."),
  m("rmse", R, "minimize", "Root mean squared error."),
  m("mae", R, "minimize", "Mean absolute error."),
  m("r2", R, "maximize", "Coefficient of determination."),
  m("mape", R, "minimize", "Mean absolute percentage error (rows with a zero label are skipped)."),
  m(
    "ndcg",
    K,
    "maximize",
    "Normalised discounted cumulative gain of the top `k` (gain 2^label − 1), averaged over groups with a relevant item.",
  ),
  m(
    "map",
    K,
    "maximize",
    "Mean average precision of the top `k`, each group's sum divided by min(`k`, its relevant items).",
  ),
  m("mrr", K, "maximize", "Mean reciprocal rank of the first relevant item in the top `k` (0 when none)."),
  m(
    "precision_at_k",
    ["rank", "detect_anomalies"],
    "maximize",
    "Share of the top `k` that is relevant, over `k` (fewer items still divide by `k`); anomaly detection: the share of labelled anomalies among the `k` highest scores over the part's rows (ties at the cut-off count fractionally).",
  ),
  m("recall_at_k", K, "maximize", "Share of a group's relevant items found in its top `k`."),
  m("hit_rate", K, "maximize", "Share of groups with at least one relevant item in the top `k`."),
  m(
    "coverage",
    K,
    "maximize",
    "Catalogue coverage: share of the items that appear in at least one group's top `k` (needs `rank(…, item = COLUMN)`).",
    true,
  ),
  m(
    "popularity_bias",
    K,
    "minimize",
    "Mean training popularity of the top-`k` items over the catalogue's mean popularity: 1 neutral, above 1 leans to popular items (needs `rank(…, item = COLUMN)`).",
    true,
  ),
])
  registerBuiltin(b);
