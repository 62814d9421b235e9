// The metric registry: every metric by canonical name with its direction and tasks, the
// default set per task for evaluation. Ranking metrics carry the names the language uses (`ndcg`,
// `precision_at_k`, …) and read their cut-off k from the input (the task's `k`).
import type { TaskKind } from "../estimator.js";
import { averagePrecision, aucRoc } from "./curves.js";
import { averagedPrf, averagedPrfOf, macroAucOvr, multiclassAccuracy } from "./multiclass.js";
import { brier, expectedCalibrationError, logloss } from "./probability.js";
import { catalogueCoverage, popularityBias, rankingMetric, type RankingKind } from "./ranking.js";
import { mae, mape, r2, rmse } from "./regression.js";
import {
  bestF1,
  binaryCounts,
  binaryCountsSorted,
  f1Of,
  precisionOf,
  recallOf,
  totalCost,
  type BinaryCounts,
} from "./threshold.js";
import { precisionAtK } from "./top-k.js";
import { checkShape, type Metric, type MetricInput } from "./types.js";

export type { Direction, Metric, MetricInput } from "./types.js";
export { aucRoc, averagePrecision, prCurve, rocCurve, type Curve } from "./curves.js";
export {
  accuracyAt,
  bestF1,
  binaryCounts,
  f1At,
  meanCostAt,
  precisionAt,
  recallAt,
  totalCost,
  type BinaryCounts,
  type OutcomeCosts,
} from "./threshold.js";
export { averagedPrf, confusionMatrix, macroAucOvr, multiclassAccuracy } from "./multiclass.js";
export { brier, expectedCalibrationError, logloss } from "./probability.js";
export { mae, mape, r2, rmse } from "./regression.js";
export {
  catalogueCoverage,
  groupRanges,
  popularityBias,
  queryMetric,
  rankingMetric,
  type RankingOptions,
} from "./ranking.js";
export { precisionAtK } from "./top-k.js";

const BIN: readonly TaskKind[] = ["binary"];
const CLS: readonly TaskKind[] = ["binary", "multiclass"];
const SCORE: readonly TaskKind[] = ["binary", "anomaly"];
const REG: readonly TaskKind[] = ["regression"];

function metric(
  name: string,
  direction: Metric["direction"],
  tasks: readonly TaskKind[],
  doc: string,
  f: (m: MetricInput) => number,
): Metric {
  return {
    name,
    direction,
    tasks,
    doc,
    compute(m) {
      checkShape(m, name);
      return m.y.length === 0 ? NaN : f(m);
    },
  };
}

function binaryOnly(name: string, m: MetricInput): void {
  if (m.width !== 1) throw new Error(`metric ${name} needs one score per row (binary), got width ${m.width}`);
}

/** A binary input's decision threshold (default 0.5). */
const cut = (m: MetricInput): number => m.decision?.threshold ?? 0.5;

/** A binary input's confusion counts at its threshold: by binary search when a resample brings byClass. */
const countsAt = (m: MetricInput): BinaryCounts =>
  m.byClass ? binaryCountsSorted(m.byClass, cut(m)) : binaryCounts(m.y, m.pred, cut(m));

/** countsAt as the 2 × 2 confusion matrix of averagedPrfOf (row = true class, column = predicted). */
const matrixAt = (m: MetricInput): Float64Array => {
  const c = countsAt(m);
  return Float64Array.of(c.tn, c.fp, c.fn, c.tp);
};

const fixed: Metric[] = [
  metric(
    "auc",
    "maximize",
    [...SCORE, "multiclass"],
    "area under the ROC curve (ties count ½); multiclass: one-vs-rest macro average",
    (m) => (m.width === 1 ? aucRoc(m.y, m.pred, m.ascending, m.byClass) : macroAucOvr(m.y, m.pred, m.width)),
  ),
  metric(
    "pr_auc",
    "maximize",
    SCORE,
    "average precision (step-wise area under the precision–recall curve)",
    (m) => {
      binaryOnly("pr_auc", m);
      return averagePrecision(m.y, m.pred, m.ascending, m.byClass);
    },
  ),
  metric(
    "logloss",
    "minimize",
    CLS,
    "mean negative log-likelihood, probabilities clipped to [1e-15, 1 − 1e-15]",
    (m) => logloss(m.y, m.pred, m.width),
  ),
  metric(
    "accuracy",
    "maximize",
    CLS,
    "fraction correct (binary: P(positive) >= the decision threshold, default 0.5; multiclass: argmax)",
    (m) => {
      if (m.width !== 1 || !m.byClass) return multiclassAccuracy(m.y, m.pred, m.width, cut(m));
      const c = countsAt(m);
      return (c.tn + c.tp) / m.y.length;
    },
  ),
  metric(
    "precision",
    "maximize",
    BIN,
    "precision of the positive class at the decision threshold (default 0.5)",
    (m) => {
      binaryOnly("precision", m);
      return precisionOf(countsAt(m));
    },
  ),
  metric(
    "recall",
    "maximize",
    BIN,
    "recall of the positive class at the decision threshold (default 0.5)",
    (m) => {
      binaryOnly("recall", m);
      return recallOf(countsAt(m));
    },
  ),
  metric("f1", "maximize", BIN, "F1 of the positive class at the decision threshold (default 0.5)", (m) => {
    binaryOnly("f1", m);
    return f1Of(countsAt(m));
  }),
  metric(
    "cost",
    "minimize",
    BIN,
    "mean cost per row of the decisions at the decision threshold, from the decision's cost (or −profit) per outcome; NaN without one",
    (m) => {
      binaryOnly("cost", m);
      return m.decision?.costs ? totalCost(countsAt(m), m.decision.costs) / m.y.length : NaN;
    },
  ),
  metric(
    "profit",
    "maximize",
    BIN,
    "mean profit per row of the decisions at the decision threshold: −cost; NaN without the decision's values",
    (m) => {
      binaryOnly("profit", m);
      return m.decision?.costs ? -(totalCost(countsAt(m), m.decision.costs) / m.y.length) : NaN;
    },
  ),
  metric(
    "f1_best",
    "maximize",
    BIN,
    "F1 at the threshold that maximises it on these rows (optimistic)",
    (m) => {
      binaryOnly("f1_best", m);
      return bestF1(m.y, m.pred, m.ascending, m.byClass).f1;
    },
  ),
  metric("brier", "minimize", CLS, "mean squared error of the probabilities", (m) =>
    brier(m.y, m.pred, m.width),
  ),
  metric(
    "ece",
    "minimize",
    CLS,
    "expected calibration error, 10 equal-width bins (multiclass: top-label confidence)",
    (m) => expectedCalibrationError(m.y, m.pred, m.width),
  ),
  metric("rmse", "minimize", REG, "root mean squared error", (m) => rmse(m.y, m.pred)),
  metric("mae", "minimize", REG, "mean absolute error", (m) => mae(m.y, m.pred)),
  metric("r2", "maximize", REG, "coefficient of determination 1 − SSE/SST", (m) => r2(m.y, m.pred)),
  metric(
    "mape",
    "minimize",
    REG,
    "mean absolute percentage error as a fraction, rows with y = 0 skipped",
    (m) => mape(m.y, m.pred),
  ),
];
for (const kind of ["precision", "recall", "f1"] as const) {
  for (const avg of ["macro", "micro"] as const) {
    fixed.push(
      metric(
        `${kind}_${avg}`,
        "maximize",
        CLS,
        `${avg}-averaged ${kind} over classes (binary: both classes, at the decision threshold)`,
        (m) =>
          m.width === 1 && m.byClass
            ? averagedPrfOf(kind, avg, 2, matrixAt(m))
            : averagedPrf(kind, avg, m.y, m.pred, m.width, cut(m)),
      ),
    );
  }
}

/** The cut-off when an input names none (the language's default `k`). */
export const DEFAULT_K = 10;

const rankOpts = (m: MetricInput): { k: number; relevant?: number } => m.ranking ?? { k: DEFAULT_K };

const ranking = (name: string, kind: RankingKind, doc: string): Metric =>
  metric(name, "maximize", ["ranking"], doc, (m) => {
    binaryOnly(name, m);
    return rankingMetric(kind, rankOpts(m), m.y, m.pred, m.group);
  });

/** Coverage and popularity bias: NaN without the rows' item ids (a rank task without `item = …`). */
const catalogue = (
  name: string,
  direction: Metric["direction"],
  doc: string,
  f: typeof catalogueCoverage,
  bootstrapBias?: Metric["bootstrapBias"],
): Metric => ({
  ...metric(name, direction, ["ranking"], doc, (m) => {
    binaryOnly(name, m);
    if (!m.item || !m.popularity) return NaN;
    return f(rankOpts(m).k, m.pred, m.group, { item: m.item, popularity: m.popularity });
  }),
  ...(bootstrapBias ? { bootstrapBias } : {}),
});

fixed.push(
  ranking("ndcg", "ndcg", "normalised discounted cumulative gain of the top k per query (gain 2^rel − 1)"),
  ranking("map", "map", "mean average precision of the top k per query, divided by min(k, relevant items)"),
  ranking("mrr", "mrr", "mean reciprocal rank of the first relevant item in the top k (0 when none)"),
  // one name, two tasks: a rank task's rows come with their queries (group) or cut (ranking), an anomaly task's do not
  metric(
    "precision_at_k",
    "maximize",
    ["ranking", "anomaly"],
    "ranking: fraction of the top k per query that is relevant, over k; anomaly detection: share of labelled anomalies among the k highest scores over the part's rows (ties at the cut-off count fractionally); k is the task's `k`",
    (m) => {
      binaryOnly("precision_at_k", m);
      return m.group !== undefined || m.ranking !== undefined
        ? rankingMetric("precision", rankOpts(m), m.y, m.pred, m.group)
        : precisionAtK(m.y, m.pred, m.k ?? DEFAULT_K);
    },
  ),
  ranking("recall_at_k", "recall", "fraction of a query's relevant items found in its top k"),
  ranking("hit_rate", "hit_rate", "share of queries with at least one relevant item in the top k"),
  catalogue(
    "coverage",
    "maximize",
    "share of the catalogue's items shown in at least one query's top k",
    catalogueCoverage,
    "shift",
  ),
  catalogue(
    "popularity_bias",
    "minimize",
    "mean training popularity of the top-k items over the catalogue's mean popularity (1 = neutral)",
    popularityBias,
  ),
);

/** The ranking metrics that need item ids (`rank(…, item = COLUMN)`). */
export const CATALOGUE_METRICS: readonly string[] = ["coverage", "popularity_bias"];

/** The binary metrics that need a decision's outcome costs (`decision { cost = … }` or `profit = …`). */
export const COST_METRICS: readonly string[] = ["cost", "profit"];

const byName = new Map(fixed.map((m) => [m.name, m]));

/** A metric by its name ("auc", "f1_macro", "ndcg"); ranking metrics read k from their input. */
export function metricFor(name: string): Metric | undefined {
  return byName.get(name);
}

/** Every metric name that `metricFor` accepts. */
export function metricNames(): string[] {
  return [...byName.keys()];
}

const DEFAULTS: Record<TaskKind, string[]> = {
  // Only metrics a gate or objective can name (src/compiler/builtins/metrics.ts): `f1_best` is computed
  // on request (metricFor) but not reported, since no spec could refer to it.
  binary: [
    "auc",
    "pr_auc",
    "logloss",
    "accuracy",
    "precision",
    "recall",
    "f1",
    "f1_macro",
    "f1_micro",
    "precision_macro",
    "recall_macro",
    "brier",
    "ece",
    "cost",
    "profit",
  ],
  multiclass: [
    "accuracy",
    "logloss",
    "auc",
    "f1_macro",
    "f1_micro",
    "precision_macro",
    "recall_macro",
    "brier",
    "ece",
  ],
  regression: ["rmse", "mae", "r2", "mape"],
  ranking: ["ndcg", "map", "mrr", "precision_at_k", "recall_at_k", "hit_rate", "coverage", "popularity_bias"],
  anomaly: ["auc", "pr_auc", "precision_at_k"],
};

/**
 * The metrics evaluated for every model of this task (anomaly metrics need labels); a ranking
 * task without item ids leaves out coverage and popularity bias, a binary task without a
 * decision's outcome costs leaves out cost and profit.
 */
export function metricsForTask(task: TaskKind, opts: { items?: boolean; costs?: boolean } = {}): Metric[] {
  return DEFAULTS[task]
    .filter((n) => task !== "ranking" || opts.items || !CATALOGUE_METRICS.includes(n))
    .filter((n) => opts.costs || !COST_METRICS.includes(n))
    .map((n) => metricFor(n)!);
}

/** Whether `metricFor(name)` exists and applies to the task: what the checker asks of a gate. */
export function metricAppliesTo(name: string, task: TaskKind): boolean {
  return metricFor(name)?.tasks.includes(task) ?? false;
}

/** True when `a` is better than `b` in the metric's direction. */
export function isBetter(metricOrDirection: Metric | Metric["direction"], a: number, b: number): boolean {
  const d = typeof metricOrDirection === "string" ? metricOrDirection : metricOrDirection.direction;
  return d === "maximize" ? a > b : a < b;
}
