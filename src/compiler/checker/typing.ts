// Type checking of expressions and attribute values against the schema type language, with
// reference resolution per scope (columns, metric paths, features) and built-in call checking.
import type { Expr } from "../ast.js";
import { builtinsOf, familiesOf, lookupBuiltin, lookupMetric, metricsOfTask } from "../builtins/registry.js";
import type { BuiltinFamily, FunctionBuiltin } from "../builtins/types.js";
import { FAMILY_NOUNS } from "./family-nouns.js";
import { blockKind, tableRole } from "../schema/registry.js";
import { typeToString } from "../schema/type-builders.js";
import type { ExprType, Scope, ValueType } from "../schema/types.js";
import { article } from "../resolve.js";
import { bindArgs } from "./bind.js";
import { CheckCode } from "./codes.js";
import { closest, didYouMean } from "../../ir/did-you-mean.js";
import type { Sink } from "./sink.js";
import { attributeOf, plainRef, type CheckState, type ColumnEnv } from "./state.js";
import { leftChain, type BinaryExpr } from "../binary-chain.js";
import { checkRobustnessPath } from "./robustness-paths.js";
import { checkExportPath } from "./export-paths.js";

type CallExpr = Extract<Expr, { type: "call" }>;
type RefExpr = Extract<Expr, { type: "ref" }>;

export interface Env {
  st: CheckState;
  /** The top-level block being checked. */
  block: string;
  scope: Scope;
  /** Columns bare identifiers resolve against. */
  columns?: ColumnEnv;
  /** For a features block: its own features resolve before input columns. */
  ownFeatures?: boolean;
  /** The feature being defined: its own name inside its expression means the input column. */
  currentFeature?: string;
  /** The model whose metric paths are used. */
  model?: string;
  /** Where the value sits, for dependencies: `from`, `params.depth`, `tune.objective`. */
  via: string;
  sink: Sink;
  /** Type errors are about a built-in's argument. */
  argument?: boolean;
  /** The `via` of a ref to a table whose columns are used one by one (`join.table`), not as a whole. */
  tableAttribute?: string;
}

const SCOPE_FAMILIES: Record<Scope, BuiltinFamily[]> = {
  row: ["transform", "window"],
  expect: ["expectation", "transform"],
  gate: ["gate"],
  monitor: ["drift"],
};

const SPLIT_PARTS = ["train", "valid", "test"];
const LATENCY = ["p50", "p90", "p95", "p99", "mean", "max"];
const SIZE = ["bytes", "mb"];
const BOUNDS = ["lower", "upper"];
/** Cross-validated metrics (a kfold split's folds): `cv.auc`, with its spread `cv.auc.sd`. */
const CV_PART = "cv";
const CV_SUFFIXES = ["sd"];
/** Measures of a fitted model that a search objective may name: `model.bytes`. */
const MODEL_MEASURES = ["bytes"];

/**
 * A fresh environment. Every field is present, the optional ones undefined, so that all
 * environments share one shape and the checker's many `{ ...env, via }` copies stay on V8's fast
 * path (mixed shapes made each copy a runtime call: the hottest line of the check's profile).
 */
export function newEnv(st: CheckState, block: string, scope: Scope, via: string, sink: Sink): Env {
  return {
    st,
    block,
    scope,
    columns: undefined,
    ownFeatures: undefined,
    currentFeature: undefined,
    model: undefined,
    via,
    sink,
    argument: undefined,
    tableAttribute: undefined,
  };
}

/** The environment of a feature expression in a features block. */
export function featureEnv(
  st: CheckState,
  block: string,
  via: string,
  sink: Sink,
  currentFeature?: string,
): Env {
  const env = newEnv(st, block, "row", via, sink);
  env.ownFeatures = true;
  env.columns = st.inputColumnsOf(block);
  if (currentFeature !== undefined) env.currentFeature = currentFeature;
  return env;
}

// ——— descriptions for messages ———

function describe(e: Expr): string {
  switch (e.type) {
    case "number":
      return `the number ${e.raw}`;
    case "string":
      return `the string ${JSON.stringify(e.value)}`;
    case "bool":
      return `\`${e.value}\``;
    case "null":
      return "`null`";
    case "duration":
      return `the duration ${e.raw}`;
    case "percent":
      return `the percentage ${e.raw}`;
    case "list":
      return "a list";
    case "object":
      return "an object";
    case "ref":
      return `\`${e.path.join(".")}${e.star ? ".*" : ""}\``;
    case "call":
      return `a call of \`${e.callee}\``;
    case "unary":
      return e.op === "-" && e.operand.type === "number" ? `the number -${e.operand.raw}` : "an expression";
    case "binary":
      return "an expression";
    case "paren":
      return describe(e.inner);
  }
}

const typeName = (t: ExprType): string => (t === "vector" ? "one-hot columns" : t);

function typeError(env: Env, span: Expr["span"], message: string, hint?: string): void {
  env.sink.report(
    env.argument ? CheckCode.wrongArgumentType : CheckCode.wrongType,
    span,
    message,
    hint ? { hint } : undefined,
  );
}

function compatible(actual: ExprType, expected: ExprType): boolean {
  if (expected === "any") return true;
  if (actual === "any" || actual === "null") return true;
  if (expected === "number") return actual === "number" || actual === "percent";
  return actual === expected;
}

// ——— expressions ———

export function checkExpr(e: Expr, env: Env): ExprType {
  switch (e.type) {
    case "number":
      return "number";
    case "string":
      return "string";
    case "bool":
      return "bool";
    case "null":
      return "null";
    case "duration":
      return "duration";
    case "percent":
      return "percent";
    case "list":
      e.items.forEach((i) => checkExpr(i, env));
      return "list";
    case "object":
      e.entries.forEach((en) => checkExpr(en.value, env));
      return "object";
    case "paren":
      return checkExpr(e.inner, env);
    case "unary": {
      const t = checkExpr(e.operand, env);
      if (e.op === "not") {
        if (!compatible(t, "bool"))
          typeError(env, e.operand.span, `\`not\` needs a boolean, found ${typeName(t)}`);
        return "bool";
      }
      if (t !== "any" && t !== "number" && t !== "percent" && t !== "duration")
        typeError(env, e.operand.span, `unary \`-\` needs a number, found ${typeName(t)}`);
      return t === "any" ? "any" : t;
    }
    case "binary":
      return checkBinary(e, env);
    case "ref":
      return checkRef(e, env);
    case "call":
      return checkCall(e, SCOPE_FAMILIES[env.scope], env);
  }
}

function checkBinary(e: BinaryExpr, env: Env): ExprType {
  const { first, links } = leftChain(e);
  let t = checkExpr(first, env);
  for (const link of links) t = binaryType(link, t, checkExpr(link.right, env), env);
  return t;
}

/** The type of one link `l op r` of a chain, from the types of its operands. */
function binaryType(e: BinaryExpr, l: ExprType, r: ExprType, env: Env): ExprType {
  const bad = (side: Expr, t: ExprType, need: string) =>
    typeError(env, side.span, `\`${e.op}\` needs ${need}, found ${typeName(t)}`);
  switch (e.op) {
    case "and":
    case "or":
      if (!compatible(l, "bool")) bad(e.left, l, "booleans");
      if (!compatible(r, "bool")) bad(e.right, r, "booleans");
      return "bool";
    case "==":
    case "!=":
      if (l !== "any" && r !== "any" && l !== "null" && r !== "null" && !comparable(l, r)) {
        typeError(env, e.span, `\`${e.op}\` compares ${typeName(l)} with ${typeName(r)}`);
      }
      return "bool";
    case "<":
    case "<=":
    case ">":
    case ">=": {
      const ordered = (t: ExprType) =>
        t === "any" || t === "number" || t === "percent" || t === "duration" || t === "timestamp";
      if (!ordered(l)) bad(e.left, l, "numbers, durations or timestamps");
      else if (!ordered(r)) bad(e.right, r, "numbers, durations or timestamps");
      else if (!comparable(l, r))
        typeError(env, e.span, `\`${e.op}\` compares ${typeName(l)} with ${typeName(r)}`);
      return "bool";
    }
    default: {
      const numeric = (t: ExprType) =>
        t === "any" || t === "number" || t === "percent" || t === "duration" || t === "timestamp";
      if (!numeric(l)) bad(e.left, l, "numbers");
      if (!numeric(r)) bad(e.right, r, "numbers");
      if (l === "duration" || r === "duration") return "duration";
      if (l === "any" || r === "any") return "any";
      return "number";
    }
  }
}

function comparable(a: ExprType, b: ExprType): boolean {
  if (a === "any" || b === "any") return true;
  const num = (t: ExprType) => t === "number" || t === "percent";
  return a === b || (num(a) && num(b));
}

// ——— references ———

function checkRef(e: RefExpr, env: Env): ExprType {
  if (env.scope === "gate") return checkMetricScopeRef(e, env);
  if (env.scope === "monitor") return checkLiveScopeRef(e, env);
  return checkColumnRef(e, env);
}

function useColumn(env: Env, origin: string, member: string, span: Expr["span"]): void {
  if (origin !== env.block) env.sink.use({ target: origin, member, via: env.via, span });
}

/** A column or feature in `row`/`expect` scope: `tenure`, `customers.tenure`, `rows`. */
function checkColumnRef(e: RefExpr, env: Env): ExprType {
  if (e.star) {
    typeError(
      env,
      e.span,
      `\`${e.path.join(".")}.*\` names several columns; it can be used only where a list of features is expected`,
    );
    return "any";
  }
  const st = env.st;
  if (e.path.length === 1) {
    const name = e.path[0]!;
    if (env.scope === "expect" && name === "rows" && !env.columns?.known.has("rows")) return "number";
    if (env.ownFeatures && name !== env.currentFeature && st.ownFeatures(env.block).has(name))
      return st.featureType(env.block, name);
    return resolveIn(env.columns, name, e.span, env, e.span);
  }
  if (e.path.length === 2) {
    const [blk, col] = e.path as [string, string];
    if (env.ownFeatures && blk === env.block) {
      if (st.ownFeatures(env.block).has(col)) return st.featureType(env.block, col);
      env.sink.report(
        CheckCode.unknownFeature,
        e.pathSpans[1]!,
        `\`${env.block}\` has no feature \`${col}\``,
        { hint: didYouMean(col, st.ownFeatures(env.block).keys()) },
      );
      return "any";
    }
    const target = st.block(blk);
    if (!target) {
      const isColumn = env.columns?.known.has(blk);
      env.sink.report(CheckCode.unresolvedReference, e.pathSpans[0]!, `unknown block \`${blk}\``, {
        hint: isColumn
          ? `\`${blk}\` is a column; a column has no members`
          : didYouMean(blk, st.symbols.byName.keys()),
      });
      return "any";
    }
    const input = env.columns?.block;
    if (input === undefined || !st.inInputChain(input, blk)) {
      const joined = st
        .joinsOf(env.block)
        .find((j) => j.table === blk)
        ?.columns.find((c) => c.column === col);
      env.sink.report(
        CheckCode.notAnInput,
        e.pathSpans[0]!,
        `\`${blk}\` is not an input of \`${env.block}\``,
        {
          hint: joined
            ? `\`${blk}\` is joined into \`${env.block}\`: its columns are named alone, write \`${joined.name}\``
            : input !== undefined
              ? `columns here come from \`${input}\`; write the column name alone`
              : undefined,
        },
      );
      return "any";
    }
    return resolveIn(st.columnsOf(blk), col, e.pathSpans[1]!, env, e.span);
  }
  env.sink.report(
    CheckCode.unresolvedReference,
    e.span,
    `\`${e.path.join(".")}\` is not a column: a column is \`name\` or \`block.name\``,
  );
  return "any";
}

function resolveIn(
  cols: ColumnEnv | undefined,
  name: string,
  span: Expr["span"],
  env: Env,
  useSpan: Expr["span"],
): ExprType {
  if (!cols) {
    env.sink.report(CheckCode.unresolvedReference, span, `\`${name}\` is not defined here`);
    return "any";
  }
  const c = cols.known.get(name);
  if (c) {
    useColumn(env, c.origin, c.member ?? name, useSpan);
    return c.type();
  }
  if (cols.open !== undefined) {
    useColumn(env, cols.open, name, useSpan);
    return "any";
  }
  const candidates = [...cols.known.keys(), ...(env.ownFeatures ? env.st.ownFeatures(env.block).keys() : [])];
  env.sink.report(CheckCode.unknownColumn, span, `unknown column \`${name}\` in \`${cols.block}\``, {
    hint:
      didYouMean(name, candidates) ??
      (candidates.length
        ? `columns: ${candidates.slice(0, 12).join(", ")}${candidates.length > 12 ? ", …" : ""}`
        : undefined),
  });
  return "any";
}

/** `test.auc`, `champion.test.auc.lower`, `latency.p99`, `size.mb`: the names of a gate assertion. */
function checkMetricScopeRef(e: RefExpr, env: Env): ExprType {
  const [root, ...rest] = e.path;
  const parts = [...SPLIT_PARTS, CV_PART];
  if (e.star) {
    typeError(env, e.span, "a `*` reference is not a value in a gate assertion: name one metric, `test.auc`");
    return "any";
  }
  if (root !== undefined && parts.includes(root)) return checkMetricPath(e, 0, env);
  if (root === "champion") {
    if (rest.length === 0 || !SPLIT_PARTS.includes(rest[0]!)) {
      env.sink.report(
        CheckCode.unresolvedReference,
        e.pathSpans[1] ?? e.span,
        "`champion` is followed by a split part and a metric: `champion.test.auc`",
        { hint: rest[0] ? didYouMean(rest[0], SPLIT_PARTS) : undefined },
      );
      return "any";
    }
    return checkMetricPath(e, 1, env);
  }
  if (root === "baseline" && env.scope === "gate") {
    if (rest.length === 0 || !SPLIT_PARTS.includes(rest[0]!)) {
      env.sink.report(
        CheckCode.unresolvedReference,
        e.pathSpans[1] ?? e.span,
        "`baseline` is followed by a split part and a metric: `baseline.test.ndcg`",
        { hint: rest[0] ? didYouMean(rest[0], SPLIT_PARTS) : undefined },
      );
      return "any";
    }
    if (env.model !== undefined && !rankItemColumn(env.st, env.model)) {
      env.sink.report(
        CheckCode.metricNotProduced,
        e.pathSpans[0]!,
        `\`baseline\` is the popularity baseline of a rank task with an item column; model \`${env.model}\` has none`,
        { hint: "write `task = rank(LABEL, group = USER, item = ITEM)`" },
      );
      return "any";
    }
    return checkMetricPath(e, 1, env);
  }
  if (root === "latency" || (root === "size" && env.scope === "gate")) {
    const allowed = root === "latency" ? LATENCY : SIZE;
    if (rest.length !== 1 || !allowed.includes(rest[0]!)) {
      env.sink.report(
        CheckCode.unresolvedReference,
        e.pathSpans[1] ?? e.span,
        `\`${root}\` is followed by one of ${allowed.join(", ")}`,
        { hint: rest[0] ? didYouMean(rest[0], allowed, (s) => `${root}.${s}`) : undefined },
      );
      return "any";
    }
    if (env.model !== undefined && env.model !== env.block)
      env.sink.use({ target: env.model, member: e.path.join("."), via: env.via, span: e.span });
    return root === "latency" ? "duration" : "number";
  }
  if ((root === "robustness" || root === "export") && env.scope === "gate") {
    const task = env.model !== undefined ? taskName(env.st, env.model) : undefined;
    (root === "robustness" ? checkRobustnessPath : checkExportPath)(e, env.st, env.sink, env.model, task);
    if (env.model !== undefined && env.model !== env.block)
      env.sink.use({ target: env.model, member: e.path.join("."), via: env.via, span: e.span });
    return "number";
  }
  const roots = [...SPLIT_PARTS, CV_PART, "champion", "baseline", "latency", "size", "robustness", "export"];
  const joined = e.path.join(".");
  const metricHint =
    e.path.length === 1 && lookupMetric(joined)
      ? `did you mean \`${parts[parts.length - 1]}.${joined}\`?`
      : undefined;
  env.sink.report(
    CheckCode.unresolvedReference,
    e.pathSpans[0]!,
    `unknown name \`${joined}\` in a ${env.scope} assertion: expected a metric path such as \`${parts[parts.length - 1]}.auc\``,
    {
      hint: metricHint ?? didYouMean(root ?? "", roots) ?? `names here start with ${roots.join(", ")}`,
    },
  );
  return "any";
}

/** `live.auc`, `live.auc.lower`, `latency.p99`: the names of a monitor assertion (a deployment's log). */
function checkLiveScopeRef(e: RefExpr, env: Env): ExprType {
  const [root, ...rest] = e.path;
  const roots = ["live", "latency"];
  if (e.star) {
    typeError(
      env,
      e.span,
      "a `*` reference is not a value in a monitor assertion: name one metric, `live.auc`",
    );
    return "any";
  }
  if (root === "live") return checkMetricPath(e, 0, env, ["live"]);
  if (root === "latency") {
    if (rest.length !== 1 || !LATENCY.includes(rest[0]!)) {
      env.sink.report(
        CheckCode.unresolvedReference,
        e.pathSpans[1] ?? e.span,
        `\`latency\` is followed by one of ${LATENCY.join(", ")}`,
        { hint: rest[0] ? didYouMean(rest[0], LATENCY, (s) => `latency.${s}`) : undefined },
      );
      return "any";
    }
    return "duration";
  }
  const joined = e.path.join(".");
  env.sink.report(
    CheckCode.unresolvedReference,
    e.pathSpans[0]!,
    `unknown name \`${joined}\` in a monitor assertion: expected \`live.METRIC\`, \`latency.p99\` or a monitor check such as \`drift(column)\``,
    {
      hint:
        e.path.length === 1 && lookupMetric(joined)
          ? `did you mean \`live.${joined}\`?`
          : (didYouMean(root ?? "", roots) ?? `names here start with ${roots.join(", ")}`),
    },
  );
  return "any";
}

/** Checks `PART.METRIC[.lower|.upper]` starting at path index `at`, against the model's task. */
function checkMetricPath(
  e: RefExpr,
  at: number,
  env: Env,
  allowedParts: string[] = [...SPLIT_PARTS, CV_PART, "live"],
): ExprType {
  const part = e.path[at]!;
  if (!allowedParts.includes(part)) {
    env.sink.report(
      CheckCode.unresolvedReference,
      e.pathSpans[at]!,
      `\`${part}\` is not a split part; a metric path starts with ${allowedParts.join(", ")}`,
      { hint: didYouMean(part, allowedParts) },
    );
    return "any";
  }
  const metricName = e.path[at + 1];
  if (metricName === undefined) {
    env.sink.report(
      CheckCode.unresolvedReference,
      e.span,
      `\`${e.path.join(".")}\` needs a metric: \`${e.path.join(".")}.auc\``,
    );
    return "any";
  }
  const metricSpan = e.pathSpans[at + 1]!;
  const task = env.model !== undefined ? taskName(env.st, env.model) : undefined;
  const metric = lookupMetric(metricName);
  if (!metric) {
    const pool = task ? metricsOfTask(task).map((m) => m.name) : builtinsOf("metric").map((m) => m.name);
    env.sink.report(CheckCode.unknownMetric, metricSpan, `unknown metric \`${metricName}\``, {
      hint:
        didYouMean(metricName, pool, (s) => [...e.path.slice(0, at + 1), s].join(".")) ??
        `metrics${task ? ` of ${task}` : ""}: ${pool.join(", ")}`,
    });
    return "any";
  }
  if (task && !(metric.tasks as readonly string[]).includes(task)) {
    const produced = metricsOfTask(task).map((m) => m.name);
    env.sink.report(
      CheckCode.metricNotProduced,
      metricSpan,
      `metric \`${metricName}\` is not produced by task \`${task}\` of model \`${env.model}\``,
      {
        hint: `${task} produces ${produced.join(", ")}${closest(metricName, produced) ? `; did you mean \`${closest(metricName, produced)}\`?` : ""}`,
      },
    );
    return "any";
  }
  if (
    metric.needsItem &&
    env.model !== undefined &&
    task === "rank" &&
    rankItemColumn(env.st, env.model) === undefined
  ) {
    env.sink.report(
      CheckCode.metricNotProduced,
      metricSpan,
      `metric \`${metricName}\` needs the item of each row; model \`${env.model}\`'s rank task names none`,
      { hint: "write `task = rank(LABEL, group = USER, item = ITEM)`" },
    );
    return "any";
  }
  if (metric.needsCosts && env.model !== undefined && !declaresCosts(env.st, env.model)) {
    env.sink.report(
      CheckCode.metricNotProduced,
      metricSpan,
      `metric \`${metricName}\` needs what each outcome costs; model \`${env.model}\` declares no decision values`,
      {
        hint: "give the model `decision { cost = { fp = 1, fn = 20 } }` (or `profit = { tp = 50, fp = -5 }`)",
      },
    );
    return "any";
  }
  const suffix = e.path.slice(at + 2);
  const suffixes = part === CV_PART ? CV_SUFFIXES : BOUNDS;
  if (suffix.length > 1 || (suffix.length === 1 && !suffixes.includes(suffix[0]!))) {
    env.sink.report(
      CheckCode.unresolvedReference,
      e.pathSpans[at + 2]!,
      part === CV_PART
        ? "a cross-validated metric is followed only by `.sd` (its standard deviation across folds)"
        : `a metric is followed only by \`.lower\` or \`.upper\` (its 95% interval)`,
      { hint: suffix[0] ? didYouMean(suffix[0], suffixes) : undefined },
    );
    return "any";
  }
  if (env.model !== undefined && env.model !== env.block)
    env.sink.use({ target: env.model, member: e.path.join("."), via: env.via, span: e.span });
  return "number";
}

/** `model.bytes`: a measure of the trial's fitted model itself (a search objective, not a split metric). */
function checkModelMeasure(e: RefExpr, env: Env): ExprType {
  const measure = e.path[1];
  if (e.path.length !== 2 || !MODEL_MEASURES.includes(measure!)) {
    env.sink.report(
      CheckCode.unresolvedReference,
      e.pathSpans[1] ?? e.span,
      `\`model\` is followed by one of ${MODEL_MEASURES.join(", ")} (the fitted model's serialized size)`,
      {
        hint: `write ${MODEL_MEASURES.map((m) => `\`model.${m}\``).join(" or ")}`,
      },
    );
    return "any";
  }
  return "number";
}

/** Whether a model block's `decision { … }` declares a `cost` or a `profit` per outcome. */
function declaresCosts(st: CheckState, model: string): boolean {
  const b = st.block(model);
  if (!b || blockKind(b.kind)?.modelBehind !== "self") return false;
  return b.body.some(
    (i) =>
      i.type === "block" &&
      i.kind === "decision" &&
      i.body.some((a) => a.type === "attribute" && (a.name === "cost" || a.name === "profit")),
  );
}

/** The `item = …` column of a model block's `rank(…)` task, when it names one. */
function rankItemColumn(st: CheckState, model: string): string | undefined {
  const b = st.block(model);
  if (!b || blockKind(b.kind)?.modelBehind !== "self") return undefined;
  const v = attributeOf(b, "task")?.value;
  if (v?.type !== "call" || v.callee !== "rank") return undefined;
  const named = v.named.find((n) => n.name === "item")?.value ?? v.args[3];
  return named ? plainRef(named) : undefined;
}

/** The task name (`classify`) of a model block, when its `task` is a call. */
export function taskName(st: CheckState, model: string): string | undefined {
  const b = st.block(model);
  if (!b || blockKind(b.kind)?.modelBehind !== "self") return undefined;
  const v = attributeOf(b, "task")?.value;
  if (v?.type === "call") return v.callee;
  return plainRef(v);
}

// ——— calls ———

function checkCall(e: CallExpr, families: readonly BuiltinFamily[], env: Env): ExprType {
  const spec = lookupBuiltin(e.callee, families);
  if (!spec) {
    reportUnknownCallee(e.callee, e.calleeSpan, families, env);
    return "any";
  }
  return checkBoundCall(spec, e, env);
}

function reportUnknownCallee(
  name: string,
  span: Expr["span"],
  families: readonly BuiltinFamily[],
  env: Env,
): void {
  const others = familiesOf(name).filter((f) => !families.includes(f));
  const noun = families.map((f) => FAMILY_NOUNS[f]).join(" or ");
  if (others.includes("distribution")) {
    env.sink.report(
      CheckCode.distributionOutsideParams,
      span,
      `search-space function \`${name}\` is only allowed as a value in a model's \`params\` block`,
      {
        hint: "move it into `params { … }` and add a `tune` block, or use a literal value",
      },
    );
  } else if (others.includes("metric")) {
    env.sink.report(CheckCode.builtinOutOfPlace, span, `\`${name}\` is a metric, not a function`, {
      hint: `write a metric path such as \`test.${name}\``,
    });
  } else if (others.length > 0) {
    env.sink.report(
      CheckCode.builtinOutOfPlace,
      span,
      `\`${name}\` is ${article(FAMILY_NOUNS[others[0]!])} ${FAMILY_NOUNS[others[0]!]}; here ${article(noun)} ${noun} is expected`,
      {
        hint: placeHint(others[0]!),
      },
    );
  } else {
    const pool = families.flatMap((f) => builtinsOf(f).map((b) => b.name));
    env.sink.report(CheckCode.unknownFunction, span, `unknown ${noun} \`${name}\``, {
      hint: didYouMean(name, pool) ?? (pool.length <= 12 ? `${noun}s: ${pool.join(", ")}` : undefined),
    });
  }
}

/** Where the built-ins of a family may be called, for those called in expressions. */
const PLACE_HINTS: Partial<Record<BuiltinFamily, string>> = {
  expectation: "expectations are used in `expect` and `warn` blocks",
  gate: "gate helpers are used in gate assertions",
  drift: "monitor checks are used in monitor assertions",
  transform: "feature transforms are used in features blocks and expectations",
  window: "feature transforms are used in features blocks and expectations",
};

function placeHint(f: BuiltinFamily): string {
  return PLACE_HINTS[f] ?? `${FAMILY_NOUNS[f]}s are attribute values (see the language reference)`;
}

/** Checks the arguments of a call of a known built-in; returns the call's result type. */
function checkBoundCall(
  spec: FunctionBuiltin,
  e: Pick<CallExpr, "args" | "named" | "span" | "calleeSpan"> & { callee: string },
  env: Env,
): ExprType {
  const { bound, extra, unknown, repeated } = bindArgs(spec, e);
  const positional = spec.params.filter((p) => !p.namedOnly);
  const signature = (): string =>
    `${spec.name}(${spec.params.map((p) => (p.required ? p.name : `${p.name}?`)).join(", ")})`;
  for (const x of extra) {
    env.sink.report(
      CheckCode.wrongArgumentCount,
      x.span,
      `\`${spec.name}\` takes ${positional.length === 0 ? "no" : `at most ${positional.length}`} positional argument${positional.length === 1 ? "" : "s"}, got ${e.args.length}`,
      { hint: `signature: ${signature()}` },
    );
  }
  for (const n of unknown) {
    env.sink.report(
      CheckCode.unknownNamedArgument,
      n.nameSpan,
      `\`${spec.name}\` has no argument \`${n.name}\``,
      {
        hint:
          didYouMean(
            n.name,
            spec.params.map((p) => p.name),
          ) ?? `signature: ${signature()}`,
      },
    );
  }
  for (const n of repeated) {
    env.sink.report(
      CheckCode.wrongArgumentCount,
      n.nameSpan,
      `argument \`${n.name}\` of \`${spec.name}\` is given twice`,
    );
  }
  for (const p of spec.params) {
    if (p.required && !bound.has(p.name)) {
      env.sink.report(
        CheckCode.wrongArgumentCount,
        e.span,
        `\`${spec.name}\` needs argument \`${p.name}\` (${p.doc})`,
        { hint: `signature: ${signature()}` },
      );
    }
  }
  const argTypes = new Map<string, ExprType>();
  for (const p of spec.params) {
    for (const a of bound.get(p.name) ?? []) {
      const t = checkValue(a, p.type, { ...env, argument: true });
      if (!argTypes.has(p.name)) argTypes.set(p.name, t);
    }
  }
  if (spec.checkArgs) {
    const isOwnFeature = (r: Expr): boolean => {
      if (r.type !== "ref" || !env.ownFeatures) return false;
      const name =
        r.path.length === 1
          ? r.path[0]!
          : r.path.length === 2 && r.path[0] === env.block
            ? r.path[1]!
            : undefined;
      return name !== undefined && name !== env.currentFeature && env.st.ownFeatures(env.block).has(name);
    };
    for (const problem of spec.checkArgs(bound, { isOwnFeature })) {
      const at = bound.get(problem.param)?.[0]?.span ?? e.span;
      env.sink.report(CheckCode.valueNotAllowed, at, problem.message);
    }
  }
  if (spec.family === "window" && !bound.has("at") && timestampOf(env) === undefined) {
    env.sink.report(
      CheckCode.windowWithoutTimestamp,
      e.span,
      `window aggregation \`${spec.name}\` needs a timestamp column`,
      {
        hint: "pass `at = COLUMN`, or set `timestamp = COLUMN` on the features block or its source",
      },
    );
  }
  if (spec.returnsArg !== undefined) {
    const p = spec.params[spec.returnsArg];
    return (p && argTypes.get(p.name)) ?? "any";
  }
  return spec.returns;
}

/** The timestamp column declared on the block or along its inputs. */
function timestampOf(env: Env): string | undefined {
  const seen = new Set<string>();
  for (
    let cur: string | undefined = env.block;
    cur !== undefined && !seen.has(cur);
    cur = env.st.inputOf(cur)
  ) {
    seen.add(cur);
    const b = env.st.block(cur);
    const ts = b ? plainRef(attributeOf(b, "timestamp")?.value) : undefined;
    if (ts !== undefined) return ts;
  }
  return undefined;
}

// ——— values against schema types ———

const literalNumber = (e: Expr): number | undefined =>
  e.type === "number"
    ? e.value
    : e.type === "unary" && e.op === "-" && e.operand.type === "number"
      ? -e.operand.value
      : e.type === "paren"
        ? literalNumber(e.inner)
        : undefined;

function isLiteral(e: Expr): boolean {
  switch (e.type) {
    case "number":
    case "string":
    case "bool":
    case "null":
    case "duration":
    case "percent":
      return true;
    case "unary":
      return literalNumber(e) !== undefined;
    case "list":
      return e.items.every(isLiteral);
    case "object":
      return e.entries.every((en) => isLiteral(en.value));
    case "ref":
      return e.path.length === 1 && !e.star;
    case "paren":
      return isLiteral(e.inner);
    default:
      return false;
  }
}

/** Whether `e` has the outward form of a value of type `ty` (to pick the branch of a union to report). */
function shapeMatches(e: Expr, ty: ValueType): boolean {
  switch (ty.kind) {
    case "number":
    case "int":
      return literalNumber(e) !== undefined;
    case "string":
      return e.type === "string";
    case "bool":
      return e.type === "bool";
    case "duration":
      return e.type === "duration";
    case "percent":
      return e.type === "percent";
    case "list":
      return e.type === "list";
    case "object":
      return e.type === "object";
    case "enum":
      return (e.type === "ref" && e.path.length === 1) || e.type === "string";
    case "ref":
    case "column":
    case "metric":
      return e.type === "ref";
    case "feature-list":
      return e.type === "ref" || e.type === "list";
    case "call":
      return e.type === "call" || (e.type === "ref" && e.path.length === 1 && !e.star);
    case "expr":
      return true;
    case "literal":
      return isLiteral(e);
    case "union":
      return ty.of.some((t) => shapeMatches(e, t));
  }
}

/** A number literal against an `int` or `number` type: integral when asked, within its range. */
function checkNumber(
  e: Expr,
  ty: { min?: number; max?: number },
  integer: boolean,
  env: Env,
  wrong: () => ExprType,
): ExprType {
  const n = literalNumber(e);
  if (n === undefined) return wrong();
  if (integer && !Number.isInteger(n)) typeError(env, e.span, `expected an integer, found ${describe(e)}`);
  else if ((ty.min !== undefined && n < ty.min) || (ty.max !== undefined && n > ty.max)) {
    env.sink.report(
      CheckCode.valueNotAllowed,
      e.span,
      `${n} is out of range: expected ${ty.min !== undefined && ty.max !== undefined ? `${ty.min} to ${ty.max}` : ty.min !== undefined ? `at least ${ty.min}` : `at most ${ty.max}`}`,
    );
  }
  return "number";
}

/**
 * Checks `e` against `ty`, reporting what does not fit. Returns the expression type where one is
 * meaningful (for `expr`, `column` and literals), "any" otherwise.
 */
export function checkValue(e: Expr, ty: ValueType, env: Env): ExprType {
  // the expected type's text is only needed for a report: made there, not for every value
  const wrong = (): ExprType => {
    if (e.type === "call" && familiesOf(e.callee).includes("distribution"))
      reportUnknownCallee(e.callee, e.calleeSpan, [], env);
    else typeError(env, e.span, `expected ${typeToString(ty)}, found ${describe(e)}`);
    return "any";
  };
  switch (ty.kind) {
    case "number":
      return checkNumber(e, ty, false, env, wrong);
    case "int":
      return checkNumber(e, ty, true, env, wrong);
    case "string":
      return e.type === "string" ? "string" : wrong();
    case "bool":
      return e.type === "bool" ? "bool" : wrong();
    case "duration":
      return e.type === "duration" ? "duration" : wrong();
    case "percent":
      if (e.type !== "percent") {
        const n = literalNumber(e);
        if (n !== undefined && n >= 0 && n <= 1) {
          typeError(
            env,
            e.span,
            `expected a percentage, found ${describe(e)}`,
            `write \`${+(n * 100).toFixed(6)}%\``,
          );
          return "percent";
        }
        return wrong();
      }
      if (e.value < 0 || e.value > 100)
        env.sink.report(CheckCode.valueNotAllowed, e.span, `${e.raw} is out of range: a share is 0% to 100%`);
      return "percent";
    case "list":
      if (e.type !== "list") return wrong();
      if (ty.minItems !== undefined && e.items.length < ty.minItems)
        env.sink.report(
          CheckCode.valueNotAllowed,
          e.span,
          `expected at least ${ty.minItems} item${ty.minItems === 1 ? "" : "s"}`,
        );
      e.items.forEach((i) => checkValue(i, ty.of, env));
      return "list";
    case "object":
      if (e.type !== "object") return wrong();
      if (ty.of)
        for (const en of e.entries) checkValue(en.value, ty.of, { ...env, via: `${env.via}.${en.key}` });
      return "object";
    case "enum": {
      const name =
        e.type === "string"
          ? e.value
          : e.type === "ref" && e.path.length === 1 && !e.star
            ? e.path[0]!
            : undefined;
      if (name === undefined) return wrong();
      if (!ty.values.includes(name)) {
        env.sink.report(
          CheckCode.valueNotAllowed,
          e.span,
          `\`${name}\` is not allowed here: expected one of ${ty.values.join(", ")}`,
          { hint: didYouMean(name, ty.values) },
        );
      }
      return "string";
    }
    case "ref":
      return checkBlockRef(e, ty.to, env, ty.weak === true);
    case "column":
      if (e.type !== "ref") return wrong();
      return checkColumnRef(e, env);
    case "feature-list":
      checkFeaturesValue(e, env);
      return "any";
    case "metric":
      if (e.type !== "ref") return wrong();
      if (e.star) return wrong();
      if (e.path[0] === "model") return checkModelMeasure(e, env);
      return checkMetricPath(e, 0, env, [...SPLIT_PARTS, CV_PART]);
    case "expr": {
      const inner: Env = ty.scope === env.scope ? env : { ...env, scope: ty.scope };
      const t = checkExpr(e, inner);
      if (!compatible(t, ty.of))
        typeError(env, e.span, `expected ${article(ty.of)} ${ty.of} expression, found ${typeName(t)}`);
      if (t === "vector" && ty.of !== "any")
        typeError(env, e.span, "one-hot columns cannot be used inside another expression");
      return t;
    }
    case "call": {
      if (e.type === "call") return checkCall(e, [ty.family], env);
      const name = plainRef(e);
      if (name === undefined) return wrong();
      const spec = lookupBuiltin(name, [ty.family]);
      if (!spec) {
        reportUnknownCallee(name, e.span, [ty.family], env);
        return "any";
      }
      return checkBoundCall(
        spec,
        { callee: name, args: [], named: [], span: e.span, calleeSpan: e.span },
        env,
      );
    }
    case "literal":
      return isLiteral(e) ? checkExpr(e, { ...env, sink: env.sink.child() }) : wrong();
    case "union": {
      for (const alt of ty.of) {
        const trial = env.sink.child();
        const t = checkValue(e, alt, { ...env, sink: trial });
        if (trial.ok) {
          env.sink.commit(trial);
          return t;
        }
      }
      const fit = ty.of.find((alt) => shapeMatches(e, alt));
      if (fit) return checkValue(e, fit, env);
      return wrong();
    }
  }
}

function checkBlockRef(e: Expr, kinds: readonly string[], env: Env, weak = false): ExprType {
  const name = plainRef(e);
  const expected = kinds.join(" or ");
  if (name === undefined) {
    typeError(
      env,
      e.span,
      `expected the name of ${article(expected)} ${expected} block, found ${describe(e)}`,
    );
    return "any";
  }
  const target = env.st.block(name);
  if (!target) {
    const sameKind = env.st.symbols.blocks
      .filter((b) => b.name !== undefined && kinds.includes(b.kind))
      .map((b) => b.name!);
    env.sink.report(CheckCode.unresolvedReference, e.span, `unknown ${expected} \`${name}\``, {
      hint:
        didYouMean(name, sameKind) ??
        didYouMean(name, env.st.symbols.byName.keys()) ??
        (sameKind.length ? `${expected} blocks: ${sameKind.join(", ")}` : `there is no ${expected} block`),
    });
    return "any";
  }
  if (!kinds.includes(target.kind)) {
    env.sink.report(
      CheckCode.wrongBlockKind,
      e.span,
      `\`${name}\` is ${article(target.kind)} ${target.kind} block; expected ${article(expected)} ${expected}`,
      {
        related: [{ message: `\`${name}\` is defined here`, span: target.nameSpan ?? target.kindSpan }],
      },
    );
    return "any";
  }
  const schema = blockKind(env.st.block(env.block)?.kind ?? "");
  const isInput =
    (schema?.input?.attribute === env.via && schema.input.members === "used") ||
    env.tableAttribute === env.via;
  const isGated = schema?.model === env.via && blockKind(target.kind)?.modelBehind === "self";
  const inTarget =
    e.span.file === target.span.file &&
    e.span.start.offset >= target.span.start.offset &&
    e.span.end.offset <= target.span.end.offset;
  if (inTarget) {
    // The block-level cycle search never sees a self edge (dependencies drop the block itself).
    // A duplicate block of the same name refers to the first one, which is not a cycle.
    env.sink.report(CheckCode.dependencyCycle, e.span, `dependency cycle: ${name} → ${name}`, {
      hint: "a block cannot depend on itself",
    });
    return "any";
  }
  if (name !== env.block && !weak)
    env.sink.use({ target: name, member: isInput || isGated ? null : "*", via: env.via, span: e.span });
  return "any";
}

/** `usage.*`, `usage.f` or a list of those: features of features blocks. */
function checkFeaturesValue(e: Expr, env: Env): void {
  if (e.type === "list") {
    if (e.items.length === 0)
      env.sink.report(CheckCode.valueNotAllowed, e.span, "expected at least one feature");
    e.items.forEach((i) => checkFeaturesValue(i, env));
    return;
  }
  if (
    e.type !== "ref" ||
    e.path.length === 0 ||
    e.path.length > 2 ||
    (e.star && e.path.length !== 1) ||
    (!e.star && e.path.length !== 2)
  ) {
    typeError(
      env,
      e.span,
      `expected features such as \`usage.*\` or \`[usage.a, usage.b]\`, found ${describe(e)}`,
    );
    return;
  }
  const blk = e.path[0]!;
  const target = env.st.block(blk);
  if (!target) {
    const fb = env.st.symbols.blocks
      .filter((b) => tableRole(b.kind) === "computed" && b.name !== undefined)
      .map((b) => b.name!);
    env.sink.report(CheckCode.unresolvedReference, e.pathSpans[0]!, `unknown features block \`${blk}\``, {
      hint: didYouMean(blk, fb) ?? didYouMean(blk, env.st.symbols.byName.keys()),
    });
    return;
  }
  if (tableRole(target.kind) !== "computed") {
    env.sink.report(
      CheckCode.wrongBlockKind,
      e.pathSpans[0]!,
      `\`${blk}\` is ${article(target.kind)} ${target.kind} block; features come from a features block`,
      {
        related: [{ message: `\`${blk}\` is defined here`, span: target.nameSpan ?? target.kindSpan }],
      },
    );
    return;
  }
  if (e.star) {
    env.sink.use({ target: blk, member: "*", via: env.via, span: e.span });
    return;
  }
  const f = e.path[1]!;
  const own = env.st.ownFeatures(blk);
  if (!own.has(f)) {
    env.sink.report(CheckCode.unknownFeature, e.pathSpans[1]!, `\`${blk}\` has no feature \`${f}\``, {
      hint: didYouMean(f, own.keys(), (s) => `${blk}.${s}`),
    });
    return;
  }
  env.sink.use({ target: blk, member: f, via: env.via, span: e.span });
}
