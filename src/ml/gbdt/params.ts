// The GBDT's parameters (XGBoost-like names) with docs and defaults, and their typed form.
import type { ParamSpec, Task } from "../estimator.js";
import { ParamError, resolveParams } from "../tree/params.js";
import type { ObjectiveName } from "./objectives.js";
import { GBDT_PARAMS as GBDT_SPEC } from "../../ir/params/gbdt.js";

export const GBDT_PARAMS: readonly ParamSpec[] = GBDT_SPEC.params;

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
