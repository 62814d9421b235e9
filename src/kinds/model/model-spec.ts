// Reads a model node's config (lowered from a `model` block) into a typed ModelSpec: task and
// label, data and features, algorithm, fixed params and the search space, and the tune settings.
import { isCall, isObjectLit, isRef } from "../../ir/expr-json.js";
import { readBlock, nestedBlock, type BlockConfig } from "../../ir/node-config.js";
import type { ParamValue, Params } from "../../ml/estimator.js";
import type { Distribution, ParamDef } from "../../ml/tune/space.js";
import type { PickRule } from "../../ml/tune/trial.js";
import type { Json } from "../../ir/graph-ir.js";
import { NodeFailure } from "../../ir/executor.js";
import type { AnomalyThresholdRule } from "../../ml/anomaly-threshold.js";
import type { DecisionSpec, OutcomeCosts } from "../../ml/decision-threshold.js";
import { MODEL_MEASURES, objectiveKey, type TuneObjective } from "./objective-values.js";
import { readEnsembleSpec, type EnsembleSpec } from "./ensemble-spec.js";

export { objectiveKey, type TuneObjective } from "./objective-values.js";

export type TaskSpec =
  | { kind: "classify"; label: string; positive?: string }
  | { kind: "regress"; label: string }
  | { kind: "rank"; label: string; group: string; k: number; item?: string; relevant?: number }
  | { kind: "detect_anomalies"; label?: string; contamination: number; k: number };

export interface TuneSpec {
  method: "tpe" | "random" | "grid";
  trials: number;
  parallel: number;
  pruner: "none" | "median" | "successive_halving" | "hyperband";
  /** In spec order, at least one; the first drives pruning (it is the one a learner reports per round). */
  objectives: TuneObjective[];
  /** Several objectives: how the refitted trial is chosen from the Pareto front (default closest_to_ideal). */
  pick?: PickRule;
}

export interface ModelSpec {
  name: string;
  task: TaskSpec;
  /** The split node's block name. */
  data: string;
  /** The features block the model reads, and which of its features (undefined = all). */
  features: { from: string; select?: string[] };
  algorithm: { name: string; file?: string };
  fixed: Params;
  space: ParamDef[];
  tune?: TuneSpec;
  seed?: number;
  threshold: number;
  /**
   * An anomaly model's decision rule: `threshold = contamination(…) | precision(…) | recall(…)`, or
   * the task's `contamination` when no rule is given; undefined for other tasks and for contamination 0.
   */
  anomalyRule?: AnomalyThresholdRule;
  /** A classifier's `decision { … }`: its threshold rule and what each outcome costs (a profit negated). */
  decision?: DecisionSpec;
  calibrate: "none" | "isotonic" | "platt";
  /** `algorithm = stack(…)` or `vote(…)`: the member models and their combination (src/kinds/model/ensemble.ts). */
  ensemble?: EnsembleSpec;
}

const DISTRIBUTIONS = new Set(["uniform", "loguniform", "int", "choice"]);

function nameOf(j: Json | undefined): string | undefined {
  if (typeof j === "string") return j;
  if (j !== undefined && isRef(j)) return j.$ref.join(".");
  if (j !== undefined && isCall(j) && j.args.length === 0 && Object.keys(j.named).length === 0)
    return j.$call;
  return undefined;
}

function argOf(
  call: { args: Json[]; named: { [k: string]: Json } },
  index: number,
  name: string,
): Json | undefined {
  return call.named[name] ?? call.args[index];
}

function literal(j: Json | undefined, where: string): ParamValue {
  if (typeof j === "number" || typeof j === "string" || typeof j === "boolean") return j;
  const n = nameOf(j);
  if (n !== undefined) return n;
  throw new NodeFailure(`${where}: expected a number, string or boolean`);
}

function num(j: Json | undefined, where: string): number {
  if (typeof j !== "number") throw new NodeFailure(`${where}: expected a number`);
  return j;
}

function parseTask(j: Json | undefined, model: string): TaskSpec {
  if (j === undefined || !isCall(j))
    throw new NodeFailure(
      `model ${model}: task must be classify(…), regress(…), rank(…) or detect_anomalies(…)`,
    );
  const label = nameOf(argOf(j, 0, "label"));
  const need = (): string => {
    if (!label) throw new NodeFailure(`model ${model}: ${j.$call}(…) needs a label column`);
    return label;
  };
  switch (j.$call) {
    case "classify": {
      const positive = argOf(j, 1, "positive");
      return {
        kind: "classify",
        label: need(),
        ...(positive !== undefined && positive !== null ? { positive: String(positive) } : {}),
      };
    }
    case "regress":
      return { kind: "regress", label: need() };
    case "rank": {
      const group = nameOf(argOf(j, 1, "group"));
      if (!group) throw new NodeFailure(`model ${model}: rank(…) needs group = COLUMN`);
      const k = argOf(j, 2, "k");
      const item = nameOf(argOf(j, 3, "item"));
      const relevant = argOf(j, 4, "relevant");
      return {
        kind: "rank",
        label: need(),
        group,
        k: typeof k === "number" ? k : 10,
        ...(item ? { item } : {}),
        ...(typeof relevant === "number" ? { relevant } : {}),
      };
    }
    case "detect_anomalies": {
      const c = argOf(j, 1, "contamination");
      const k = argOf(j, 2, "k");
      return {
        kind: "detect_anomalies",
        ...(label ? { label } : {}),
        contamination: typeof c === "number" ? c : 0.1,
        k: typeof k === "number" ? k : 10,
      };
    }
    default:
      throw new NodeFailure(`model ${model}: unknown task ${j.$call}(…)`);
  }
}

function parseDistribution(
  name: string,
  j: { $call: string; args: Json[]; named: { [k: string]: Json } },
): Distribution {
  const where = `params.${name} = ${j.$call}(…)`;
  switch (j.$call) {
    case "uniform":
      return { kind: "uniform", low: num(argOf(j, 0, "low"), where), high: num(argOf(j, 1, "high"), where) };
    case "loguniform":
      return {
        kind: "loguniform",
        low: num(argOf(j, 0, "low"), where),
        high: num(argOf(j, 1, "high"), where),
      };
    case "int": {
      const log = argOf(j, 2, "log");
      return {
        kind: "int",
        low: num(argOf(j, 0, "low"), where),
        high: num(argOf(j, 1, "high"), where),
        ...(log === true ? { log: true } : {}),
      };
    }
    case "choice": {
      const first = argOf(j, 0, "values");
      const values = Array.isArray(first) ? first : j.args;
      return { kind: "choice", values: values.map((v, i) => literal(v, `${where} value ${i + 1}`)) };
    }
    default:
      throw new NodeFailure(`${where}: not a search-space distribution`);
  }
}

function parseObjective(objective: Json, model: string): TuneObjective {
  if (!isCall(objective) || (objective.$call !== "maximize" && objective.$call !== "minimize")) {
    throw new NodeFailure(
      `model ${model}: tune.objective must be maximize(SPLIT.METRIC) or minimize(SPLIT.METRIC), or a list of them`,
    );
  }
  const target = argOf(objective, 0, "metric");
  const path = target !== undefined && isRef(target) ? target.$ref : undefined;
  if (!path || path.length !== 2)
    throw new NodeFailure(`model ${model}: tune.objective names a metric as SPLIT.METRIC, e.g. valid.auc`);
  if (path[0] === "model" && !(MODEL_MEASURES as readonly string[]).includes(path[1]!)) {
    throw new NodeFailure(
      `model ${model}: tune.objective model.${path[1]} is not a model measure (${MODEL_MEASURES.map((m) => `model.${m}`).join(", ")})`,
    );
  }
  return { split: path[0]!, metric: path[1]!, direction: objective.$call };
}

function parsePick(j: Json | undefined, objectives: number, model: string): PickRule | undefined {
  if (objectives < 2) return undefined;
  if (j === undefined) return { kind: "closest_to_ideal" };
  const name = nameOf(j);
  if (name === "closest_to_ideal" || name === "first") return { kind: name };
  if (isCall(j) && j.$call === "weighted") {
    const w = argOf(j, 0, "weights");
    if (!Array.isArray(w) || !w.every((x) => typeof x === "number" && x >= 0))
      throw new NodeFailure(`model ${model}: tune.pick weighted(…) takes a list of non-negative numbers`);
    if (w.length !== objectives)
      throw new NodeFailure(`model ${model}: tune.pick has ${w.length} weights for ${objectives} objectives`);
    return { kind: "weighted", weights: w as number[] };
  }
  throw new NodeFailure(`model ${model}: tune.pick must be closest_to_ideal, first or weighted([…])`);
}

function parseTune(b: BlockConfig | undefined, model: string): TuneSpec | undefined {
  if (!b) return undefined;
  const a = b.attributes;
  if (a.objective === undefined)
    throw new NodeFailure(`model ${model}: tune needs an objective, e.g. maximize(valid.auc)`);
  const objectives = (Array.isArray(a.objective) ? a.objective : [a.objective]).map((o) =>
    parseObjective(o, model),
  );
  if (objectives.length === 0) throw new NodeFailure(`model ${model}: tune.objective lists no objective`);
  const keys = objectives.map(objectiveKey);
  const twice = keys.find((k, i) => keys.indexOf(k) !== i);
  if (twice !== undefined) throw new NodeFailure(`model ${model}: tune.objective names ${twice} twice`);
  const pick = parsePick(a.pick, objectives.length, model);
  const method = nameOf(a.method) ?? "tpe";
  if (method !== "tpe" && method !== "random" && method !== "grid")
    throw new NodeFailure(`model ${model}: unknown tune.method ${method}`);
  const pruner = nameOf(a.pruner) ?? "none";
  if (pruner !== "none" && pruner !== "median" && pruner !== "successive_halving" && pruner !== "hyperband")
    throw new NodeFailure(`model ${model}: unknown tune.pruner ${pruner}`);
  return {
    method,
    trials: typeof a.trials === "number" ? a.trials : 20,
    parallel: typeof a.parallel === "number" ? a.parallel : 1,
    pruner,
    objectives,
    ...(pick ? { pick } : {}),
  };
}

function parseFeatures(j: Json | undefined, model: string): ModelSpec["features"] {
  if (j !== undefined && isRef(j)) {
    if (j.star || j.$ref.length === 1) return { from: j.$ref[0]! };
    return { from: j.$ref[0]!, select: [j.$ref.slice(1).join(".")] };
  }
  if (Array.isArray(j) && j.length > 0 && j.every((x) => isRef(x) && x.$ref.length === 2)) {
    const refs = j as { $ref: string[] }[];
    const from = refs[0]!.$ref[0]!;
    if (refs.some((r) => r.$ref[0] !== from))
      throw new NodeFailure(`model ${model}: features must all come from one features block`);
    return { from, select: refs.map((r) => r.$ref[1]!) };
  }
  throw new NodeFailure(`model ${model}: features must be BLOCK.* or a list [BLOCK.a, BLOCK.b]`);
}

export function readModelSpec(name: string, config: { [k: string]: Json }): ModelSpec {
  const b = readBlock(config, "model");
  const a = b.attributes;
  const fixed: Params = {};
  const space: ParamDef[] = [];
  const params = nestedBlock(b, "params");
  for (const [k, v] of Object.entries(params?.attributes ?? {}).sort(([x], [y]) =>
    x < y ? -1 : x > y ? 1 : 0,
  )) {
    if (isCall(v) && DISTRIBUTIONS.has(v.$call)) space.push({ name: k, dist: parseDistribution(k, v) });
    else fixed[k] = literal(v, `model ${name}: params.${k}`);
  }
  const algorithm = a.algorithm;
  let algo: ModelSpec["algorithm"];
  if (algorithm !== undefined && isCall(algorithm) && algorithm.$call === "onnx") {
    const file = argOf(algorithm, 0, "file");
    if (typeof file !== "string") throw new NodeFailure(`model ${name}: onnx("file.onnx") needs a file name`);
    algo = { name: "onnx", file };
  } else {
    algo = { name: nameOf(algorithm) ?? "gbdt" };
  }
  const ensemble = readEnsembleSpec(algorithm, name);
  if (ensemble) algo = { name: ensemble.kind };
  const tune = parseTune(nestedBlock(b, "tune"), name);
  if (space.length > 0 && !tune)
    throw new NodeFailure(
      `model ${name}: params hold search distributions but the model has no tune { … } block`,
    );
  const calibrate = nameOf(a.calibrate) ?? "none";
  if (calibrate !== "none" && calibrate !== "isotonic" && calibrate !== "platt")
    throw new NodeFailure(`model ${name}: calibrate must be none, isotonic or platt`);
  const data = nameOf(a.data);
  if (!data) throw new NodeFailure(`model ${name}: data must name a split`);
  const task = parseTask(a.task, name);
  const anomalyRule = parseAnomalyRule(task, a.threshold, name);
  const decision = parseDecision(task, nestedBlock(b, "decision"), name);
  return {
    name,
    task,
    data,
    features: parseFeatures(a.features, name),
    algorithm: algo,
    fixed,
    space,
    ...(tune ? { tune } : {}),
    ...(typeof a.seed === "number" ? { seed: a.seed } : {}),
    threshold: typeof a.threshold === "number" ? a.threshold : 0.5,
    ...(anomalyRule ? { anomalyRule } : {}),
    ...(decision ? { decision } : {}),
    calibrate,
    ...(ensemble ? { ensemble } : {}),
  };
}

/**
 * The decision a classifier's threshold comes from: its `decision { … }` block, else its fixed
 * `threshold` (default 0.5); undefined for other tasks.
 */
export function decisionOf(spec: ModelSpec): DecisionSpec | undefined {
  if (spec.decision) return spec.decision;
  return spec.task.kind === "classify" ? { rule: { kind: "fixed", threshold: spec.threshold } } : undefined;
}

/** `decision { cost = { fp = 1, fn = 20 } | profit = { … }, threshold = optimize | f1 | youden | precision(…) | recall(…) }`. */
function parseDecision(task: TaskSpec, b: BlockConfig | undefined, model: string): DecisionSpec | undefined {
  if (!b) return undefined;
  if (task.kind !== "classify")
    throw new NodeFailure(`model ${model}: a decision is for classify models`, { code: "MLC2213" });
  const a = b.attributes;
  const outcomes = (j: Json | undefined, sign: 1 | -1, what: string): OutcomeCosts | undefined => {
    if (j === undefined) return undefined;
    if (!isObjectLit(j))
      throw new NodeFailure(`model ${model}: decision.${what} must be { fp = 1, fn = 20 }`);
    const c: OutcomeCosts = { tp: 0, fp: 0, tn: 0, fn: 0 };
    for (const [k, v] of Object.entries(j.$object)) {
      if (!(k in c) || typeof v !== "number" || !Number.isFinite(v))
        throw new NodeFailure(`model ${model}: decision.${what}.${k} must be a number for tp, fp, tn or fn`);
      // -0 would print as a cost of "-0"
      c[k as keyof OutcomeCosts] = sign * v + 0;
    }
    return c;
  };
  const costs = outcomes(a.cost, 1, "cost") ?? outcomes(a.profit, -1, "profit");
  const t = a.threshold;
  const name = nameOf(t) ?? "optimize";
  let rule: DecisionSpec["rule"];
  if (t !== undefined && isCall(t) && (t.$call === "precision" || t.$call === "recall")) {
    const target = num(argOf(t, 0, "target"), `model ${model}: decision threshold = ${t.$call}(…)`);
    if (!(target > 0 && target <= 1))
      throw new NodeFailure(`model ${model}: decision threshold = ${t.$call}(${target}) is out of range`);
    rule = { kind: t.$call, target };
  } else if (name === "optimize" || name === "f1" || name === "youden") {
    rule = { kind: name };
  } else {
    throw new NodeFailure(
      `model ${model}: decision threshold must be optimize, f1, youden, precision(…) or recall(…)`,
    );
  }
  if (rule.kind === "optimize" && !costs)
    throw new NodeFailure(`model ${model}: decision threshold = optimize needs a cost or profit`);
  return { rule, ...(costs ? { costs } : {}) };
}

/** `threshold = contamination(0.02) | precision(0.9) | recall(0.8)` of an anomaly model, else the task's contamination. */
function parseAnomalyRule(
  task: TaskSpec,
  j: Json | undefined,
  model: string,
): AnomalyThresholdRule | undefined {
  if (task.kind !== "detect_anomalies") {
    if (j !== undefined && isCall(j))
      throw new NodeFailure(`model ${model}: threshold = ${j.$call}(…) is for detect_anomalies models`);
    return undefined;
  }
  if (j === undefined || typeof j === "number")
    return task.contamination > 0 ? { kind: "contamination", share: task.contamination } : undefined;
  if (!isCall(j))
    throw new NodeFailure(`model ${model}: threshold must be contamination(…), precision(…) or recall(…)`);
  const v = argOf(j, 0, j.$call === "contamination" ? "share" : "target");
  const value = num(v, `model ${model}: threshold = ${j.$call}(…)`);
  const inRange = j.$call === "contamination" ? value > 0 && value <= 0.5 : value > 0 && value <= 1;
  if (!inRange) throw new NodeFailure(`model ${model}: threshold = ${j.$call}(${value}) is out of range`);
  switch (j.$call) {
    case "contamination":
      return { kind: "contamination", share: value };
    case "precision":
    case "recall": {
      // `on = REVIEWS`: the reviewed events' labels (a source reference)
      const on = j.named.on;
      const reviews = on !== undefined && isRef(on) ? on.$ref[0] : undefined;
      if (!task.label && !reviews)
        throw new NodeFailure(
          `model ${model}: threshold = ${j.$call}(…) needs labels: the task has no label column and no \`on = REVIEWS\``,
        );
      return { kind: j.$call, target: value, ...(reviews ? { reviews } : {}) };
    }
    default:
      throw new NodeFailure(`model ${model}: unknown threshold rule ${j.$call}(…)`);
  }
}
