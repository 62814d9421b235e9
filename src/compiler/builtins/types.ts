// The shape of a built-in function registration: families, parameters, return types and the
// metadata lowering and the runtime read (fitted statistics, ONNX form, metric direction).
import type { Expr } from "../ast.js";
import type { DefaultValue, ExprType, ValueType } from "../schema/types.js";

/**
 * Families group built-ins by where they may be called: `transform` and `window` in feature
 * expressions, `expectation` in `expect`/`warn`, `distribution` only as a value in `params`,
 * `gate` in gate assertions, `drift` in monitor assertions, and the rest as attribute values
 * (`task = classify(churn)`, `method = stratified(churn)`, `serve = rest { port = 8080 }`…).
 * `metric` built-ins are names in metric paths (`test.auc`), never calls.
 */
export type BuiltinFamily =
  | "transform"
  | "window"
  | "expectation"
  | "distribution"
  | "metric"
  | "task"
  | "threshold"
  | "split"
  | "gate"
  | "drift"
  | "action"
  | "rollout"
  | "serving"
  | "algorithm"
  | "tuner"
  | "objective"
  | "pick"
  | "connection"
  | "online"
  | "log"
  | "cache"
  | "store"
  | "secret"
  | "column-type";

export const BUILTIN_FAMILIES: readonly BuiltinFamily[] = [
  "transform",
  "window",
  "expectation",
  "distribution",
  "metric",
  "task",
  "threshold",
  "split",
  "gate",
  "drift",
  "action",
  "rollout",
  "serving",
  "algorithm",
  "tuner",
  "objective",
  "pick",
  "connection",
  "online",
  "log",
  "cache",
  "store",
  "secret",
  "column-type",
];

export const FAMILY_DOCS: Record<BuiltinFamily, string> = {
  transform:
    "Feature transforms: called in feature expressions and in expectations; arithmetic and comparison are operators.",
  window:
    "Window aggregations per entity over a time window ending at each row's timestamp (point-in-time correct).",
  expectation: "Data expectations: aggregate checks over a whole table, used in `expect` and `warn` blocks.",
  distribution: "Search-space distributions: allowed only as values in a model's `params` block.",
  metric:
    "Metrics: names in metric paths (`valid.auc`, `test.rmse.lower`, `champion.test.auc`), each produced by some tasks. Rank metrics are computed per group (query or user) at the task's `k` and averaged over the groups with a relevant item (a group with none, an empty history, is left out); tied scores count as their expected value over the orders of the tied items, so row order never changes a value; a row is relevant when its label is > 0, or >= `relevant`.",
  task: "Learning tasks: the value of a model's `task` attribute.",
  threshold:
    "Decision rules of an anomaly model: the value of a `detect_anomalies` model's `threshold` attribute, calibrated on the validation part. `precision(…)` and `recall(…)` are also rules of a classifier's `decision { threshold = … }` (which fails with MLC2213 when the valid rows cannot meet the target).",
  split: "Split methods: the value of a split's `method` attribute.",
  gate: "Gate helpers: called in gate assertions.",
  drift:
    "Monitor checks: drift tests and data-quality measures of a deployment's logged inputs and outputs against its reference profile, called in monitor assertions.",
  action:
    "Monitor actions: what `mlc monitor` does, in order, when an assertion of a monitor breaks (`on_breach`).",
  rollout: "Rollout strategies of a deployment.",
  serving: "Serving targets of a deployment, usually written in brace form: `rest { port = 8080 }`.",
  algorithm: "Learning algorithms: the value of a model's `algorithm` attribute.",
  tuner: "Hyperparameter search methods: the value of `tune { method = … }`.",
  objective:
    "Search objectives: `maximize(metric)` or `minimize(metric)`; `tune { objective = … }` takes one, or a list of several (a Pareto search).",
  pick: "How a search with several objectives chooses its one trial from the Pareto front: the value of `tune { pick = … }`.",
  connection: "Database connections of a source.",
  online:
    "Online feature stores of a deployment: where the latest window aggregations and joined values per entity are kept for `mlc serve` to look up.",
  log: "Prediction logs of a deployment: where `mlc serve` logs every prediction and stores feedback labels, how long they are kept and which request fields are left out.",
  cache:
    "Answer caches of a deployment (`cache = redis { … }`): where `POST /v1/recommend` keeps its top-K answers for a while, per model version.",
  store:
    "Shared artifact stores of a project (`project { artifacts = … }`): where content-addressed objects are kept besides the local cache `.mlc/objects`.",
  secret: "Secrets read from the environment at run time; never stored in state or printed.",
  "column-type": "Column type modifiers in a source's `schema` block.",
};

export interface ParamSpec {
  name: string;
  type: ValueType;
  required: boolean;
  default?: DefaultValue;
  doc: string;
  /** The last parameter may take all remaining positional arguments (`coalesce(a, b, c)`). */
  variadic?: boolean;
  /** Only by name (`over = 7d`), never positionally. */
  namedOnly?: boolean;
}

/** Arguments bound to parameter names (a variadic parameter holds several). */
export type BoundArgs = ReadonlyMap<string, readonly Expr[]>;

/** A problem found by `checkArgs`: reported at the argument, as a value-not-allowed error. */
export interface ArgProblem {
  param: string;
  message: string;
}

/** What `checkArgs` may ask about the call's surroundings. */
export interface ArgContext {
  /** Whether a reference names a feature of the features block being checked (not an input column). */
  isOwnFeature(ref: Expr): boolean;
}

export type TaskName = "classify" | "regress" | "rank" | "detect_anomalies";

export interface FunctionBuiltin {
  family: Exclude<BuiltinFamily, "metric">;
  name: string;
  doc: string;
  params: readonly ParamSpec[];
  /** The expression type of the call's result (attribute-value families return "any"). */
  returns: ExprType;
  /** Statistics are fitted on the training split only and stored with the model branch. */
  fitted?: boolean;
  /**
   * For transforms and windows: how the serving path computes it. `onnx`: inside the deployable
   * ONNX bundle; `lookup`: from the online feature store; `batch-only`: not at all, so a deployed
   * model must not use it.
   */
  serving?: "onnx" | "lookup" | "batch-only";
  /**
   * For expression families: the result type follows an argument (`if` returns the type of its
   * branches, `coalesce` of its first argument) instead of `returns`.
   */
  returnsArg?: number;
  /** Extra argument checks (ranges, ordering) beyond types; returns problems as messages. */
  checkArgs?: (args: BoundArgs, ctx: ArgContext) => ArgProblem[];
}

export interface MetricBuiltin {
  family: "metric";
  name: string;
  doc: string;
  /** The tasks whose evaluation produces this metric. */
  tasks: readonly TaskName[];
  /** Whether larger is better; `maximize`/`minimize` objectives are checked against it. */
  direction: "maximize" | "minimize";
  /** Needs the item of each row: produced only by `rank(…, item = COLUMN)`. */
  needsItem?: boolean;
  /** Needs what each outcome costs: produced only by a model with `decision { cost = … }` or `profit = …`. */
  needsCosts?: boolean;
}

export type BuiltinSpec = FunctionBuiltin | MetricBuiltin;
