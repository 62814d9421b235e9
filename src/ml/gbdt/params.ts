// The GBDT's parameters (XGBoost-like names) with docs and defaults, and their typed form.
import type { ParamSpec, Task } from "../estimator.js";
import { ParamError, resolveParams } from "../tree/params.js";
import type { ObjectiveName } from "./objectives.js";

export const GBDT_PARAMS: readonly ParamSpec[] = [
  {
    name: "trees",
    type: "int",
    default: 100,
    min: 1,
    max: 100000,
    doc: "Boosting rounds (trees per output).",
  },
  {
    name: "learning_rate",
    type: "float",
    default: 0.1,
    min: 1e-6,
    max: 1,
    doc: "Shrinkage applied to every leaf (XGBoost eta).",
  },
  {
    name: "max_depth",
    type: "int",
    default: 6,
    min: 0,
    max: 24,
    doc: "Maximum tree depth; 0 = unlimited (then max_leaves bounds the tree).",
  },
  {
    name: "max_leaves",
    type: "int",
    default: 0,
    min: 0,
    max: 65536,
    doc: "Maximum leaves per tree; 0 = unlimited. Setting it switches grow=auto to leaf-wise growth.",
  },
  {
    name: "grow",
    type: "string",
    default: "auto",
    values: ["auto", "depthwise", "lossguide"],
    doc: "Growth policy: depthwise (level by level, as XGBoost) or lossguide (best leaf first, as LightGBM); auto = lossguide when max_leaves > 0.",
  },
  {
    name: "min_child_weight",
    type: "float",
    default: 1,
    min: 0,
    doc: "Minimum hessian sum in each child of a split.",
  },
  {
    name: "min_split_gain",
    type: "float",
    default: 0,
    min: 0,
    doc: "Minimum loss reduction ½[G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)] to split (XGBoost gamma/2).",
  },
  { name: "lambda", type: "float", default: 1, min: 0, doc: "L2 regularisation of leaf weights." },
  { name: "alpha", type: "float", default: 0, min: 0, doc: "L1 regularisation of leaf weights." },
  {
    name: "subsample",
    type: "float",
    default: 1,
    min: 1e-6,
    max: 1,
    doc: "Fraction of rows drawn (without replacement) for each round.",
  },
  {
    name: "colsample",
    type: "float",
    default: 1,
    min: 1e-6,
    max: 1,
    doc: "Fraction of features drawn for each tree.",
  },
  {
    name: "max_bins",
    type: "int",
    default: 255,
    min: 2,
    max: 255,
    doc: "Quantile bins per feature (computed on a sample of at most 200,000 rows); missing values get their own bin.",
  },
  {
    name: "early_stop",
    type: "int",
    default: 0,
    min: 0,
    doc: "Stop when the validation metric has not improved for this many rounds (0 = off); the model keeps the best round.",
  },
  {
    name: "objective",
    type: "string",
    default: "auto",
    values: ["auto", "binary", "multiclass", "squared", "absolute", "huber", "lambdarank"],
    doc: "Loss: auto picks binary logloss, multiclass softmax, squared error or lambdarank from the task. Validation metric: logloss, mlogloss, rmse (squared), huber loss (huber), mae (absolute), ndcg@k (lambdarank).",
  },
  {
    name: "boost_from_average",
    type: "bool",
    default: false,
    doc: "Classification: start from the training average (log-odds of the positive rate, log class priors) instead of a zero margin (XGBoost 1.7's base_score 0.5). Regression always starts from the weighted mean (median for absolute).",
  },
  {
    name: "huber_delta",
    type: "float",
    default: 1,
    min: 1e-12,
    doc: "Huber loss: residuals beyond this are penalised linearly.",
  },
  {
    name: "ndcg_at",
    type: "int",
    default: 10,
    min: 1,
    doc: "Lambdarank: the k of the NDCG@k validation metric.",
  },
  {
    name: "scale_pos_weight",
    type: "float",
    default: 1,
    min: 0,
    doc: "Binary: weight multiplier of positive rows.",
  },
  {
    name: "class_weights",
    type: "string",
    default: "",
    doc: "Comma-separated weight per class index (binary or multiclass), multiplied into row weights; empty = none.",
  },
  {
    name: "threads",
    type: "int",
    default: 0,
    min: 0,
    max: 256,
    doc: "Histogram threads; 0 = the context's threads or all cores. Results do not depend on it; threads are used from 50,000 rows.",
  },
  {
    name: "seed",
    type: "int",
    default: -1,
    min: -1,
    doc: "Random seed for subsampling and binning; -1 = the run's seed.",
  },
];

interface GbdtConfig {
  trees: number;
  learningRate: number;
  maxDepth: number;
  maxLeaves: number;
  lossguide: boolean;
  minChildWeight: number;
  minSplitGain: number;
  lambda: number;
  alpha: number;
  subsample: number;
  colsample: number;
  maxBins: number;
  earlyStop: number;
  objective: ObjectiveName;
  huberDelta: number;
  boostFromAverage: boolean;
  ndcgAt: number;
  scalePosWeight: number;
  classWeights: string;
  threads: number;
  seed: number;
}

const TASK_OBJECTIVES: Record<Task["kind"], readonly ObjectiveName[]> = {
  binary: ["binary"],
  multiclass: ["multiclass"],
  regression: ["squared", "absolute", "huber"],
  ranking: ["lambdarank", "squared"],
  anomaly: [],
};

export function gbdtConfig(params: Record<string, number | string | boolean>, task: Task): GbdtConfig {
  const p = resolveParams("gbdt", GBDT_PARAMS, params);
  const allowed = TASK_OBJECTIVES[task.kind];
  if (allowed.length === 0)
    throw new ParamError(
      `gbdt: task '${task.kind}' is not supported (use binary, multiclass, regression or ranking)`,
    );
  const objective = p.objective === "auto" ? allowed[0]! : (p.objective as ObjectiveName);
  if (!allowed.includes(objective))
    throw new ParamError(
      `gbdt: objective '${objective}' does not fit a ${task.kind} task (use ${allowed.join(" or ")})`,
    );
  const maxDepth = p.max_depth as number;
  const maxLeaves = p.max_leaves as number;
  const lossguide = p.grow === "lossguide" || (p.grow === "auto" && maxLeaves > 0);
  if (maxDepth === 0 && maxLeaves === 0)
    throw new ParamError("gbdt: max_depth = 0 (unlimited) needs max_leaves > 0 to bound the trees");
  return {
    trees: p.trees as number,
    learningRate: p.learning_rate as number,
    maxDepth,
    maxLeaves,
    lossguide,
    minChildWeight: p.min_child_weight as number,
    minSplitGain: p.min_split_gain as number,
    lambda: p.lambda as number,
    alpha: p.alpha as number,
    subsample: p.subsample as number,
    colsample: p.colsample as number,
    maxBins: p.max_bins as number,
    earlyStop: p.early_stop as number,
    objective,
    huberDelta: p.huber_delta as number,
    boostFromAverage: p.boost_from_average as boolean,
    ndcgAt: p.ndcg_at as number,
    scalePosWeight: p.scale_pos_weight as number,
    classWeights: p.class_weights as string,
    threads: p.threads as number,
    seed: p.seed as number,
  };
}
