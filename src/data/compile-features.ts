// Compiles a features block (its Graph IR config) into typed expression trees over the input
// columns: references resolved, transforms type-checked, fitted and window parts marked.
import { type Json, isObj, type JsonObject as Obj } from "../ir/graph-ir.js";
import { NodeFailure } from "../ir/executor.js";
import type { ColumnType } from "./column-type.js";
import { didYouMeanSuffix } from "../ir/did-you-mean.js";
import { readBlock, refAttr } from "../ir/node-config.js";
import { isBinaryJson, leftChainJson } from "../ir/binary-chain-json.js";
import { postOrder, someNode } from "./pipeline-walk.js";
import { transformFor, transformNames } from "./transforms/index.js";
import {
  type CallNode,
  ExprError,
  type PipelineNode,
  type ValueKind,
  type WindowNode,
  type WindowOp,
} from "./transforms/types.js";

export interface FeatureDef {
  name: string;
  expr: Json;
  node: PipelineNode;
  /** Contains a window aggregation: materialised by the features node, read as a column downstream. */
  windowed: boolean;
  /** Contains a transform fitted on the training split. */
  fitted: boolean;
  /** Why the feature has no ONNX form, if it has none. */
  batchOnly?: string;
}

interface CompiledFeatures {
  features: FeatureDef[];
  columns: Map<string, ValueKind>;
  key?: string;
  timestamp?: string;
  /** The next free call-node id (pipelines number the nodes they add from here). */
  nextId: number;
}

/** Attributes of a features block that are settings, not features (the language's, kept equal by a test). */
export const FEATURE_SETTINGS: ReadonlySet<string> = new Set([
  "from",
  "key",
  "timestamp",
  "passthrough",
  "except",
]);
const WINDOW_OPS = new Set<WindowOp>(["count", "sum", "mean", "max", "min"]);
const OP_NAMES: Record<string, string> = { neg: "neg", not: "not" };

export function kindOfColumnType(type: ColumnType | string): ValueKind {
  switch (type) {
    case "string":
    case "category":
      return "str";
    case "timestamp":
      return "time";
    default:
      return "num";
  }
}

export function compileFeatures(
  config: Obj,
  inputColumns: readonly { name: string; type: ColumnType | string }[],
): CompiledFeatures {
  const block = readBlock(config);
  const columns = new Map(inputColumns.map((c) => [c.name, kindOfColumnType(c.type)]));
  const exprs = new Map<string, Json>();
  for (const [name, value] of Object.entries(block.attributes))
    if (!FEATURE_SETTINGS.has(name)) exprs.set(name, value);
  const key = refAttr(block, "key")?.at(-1);
  // the block's own timestamp, else the one lowering inherited from its source for windows
  const timestamp =
    refAttr(block, "timestamp")?.at(-1) ??
    (typeof config.window_timestamp === "string" ? config.window_timestamp : undefined);
  let nextId = 0;
  const done = new Map<string, PipelineNode>();
  const inProgress: string[] = [];

  const columnName = (j: Json | undefined, what: string): string => {
    const ref =
      isObj(j as Json) && Array.isArray((j as Obj).$ref)
        ? ((j as Obj).$ref as string[])
        : typeof j === "string"
          ? [j]
          : undefined;
    const name = ref?.at(-1);
    if (!name) throw new ExprError(`${what} must name a column`);
    if (!columns.has(name))
      throw new ExprError(`unknown column \`${name}\`${didYouMeanSuffix(name, columns.keys())}`);
    return name;
  };

  const resolve = (path: string[]): PipelineNode => {
    if (path.length > 2 || path.length === 0)
      throw new ExprError(`cannot use \`${path.join(".")}\` here; name a column or a feature`);
    const name = path[path.length - 1]!;
    if (exprs.has(name) && !(path.length === 1 && columns.has(name) && inProgress.includes(name)))
      return feature(name);
    const kind = columns.get(name);
    if (kind === undefined)
      throw new ExprError(
        `unknown column or feature \`${name}\`${didYouMeanSuffix(name, [...columns.keys(), ...exprs.keys()])}`,
      );
    return { t: "col", name, kind };
  };

  const call = (fn: string, args: PipelineNode[], named: Obj): CallNode => {
    const transform = transformFor(fn);
    if (!transform)
      throw new ExprError(
        `unknown function \`${fn}\`${didYouMeanSuffix(fn, [...transformNames(), ...WINDOW_OPS])}`,
      );
    const site: CallNode = { t: "call", fn, transform, args, named, kind: "num", id: -1 };
    site.kind = transform.type(args, named);
    site.id = nextId++;
    return site;
  };

  const windowNode = (fn: WindowOp, args: Json[], named: Obj): WindowNode => {
    const arg = args[0] === undefined ? undefined : compile(args[0]);
    if (arg && arg.kind !== "num" && fn !== "count")
      throw new ExprError(`${fn}() over a window needs a number`);
    if (!isObj(named.over as Json) || typeof (named.over as Obj).$duration !== "number")
      throw new ExprError(`${fn}(): \`over\` must be a duration such as 7d`);
    const at = named.at ?? timestamp;
    if (at === undefined)
      throw new ExprError(
        `${fn}() over a window needs a timestamp column: set \`timestamp = col\` on the features block or pass \`at = col\``,
      );
    return {
      t: "window",
      op: fn,
      arg,
      kind: "num",
      by: columnName(named.by, `${fn}(): \`by\``),
      at: columnName(at, `${fn}(): \`at\``),
      over: ((named.over as Obj).$duration as number) * 1000,
    };
  };

  const compile = (j: Json): PipelineNode => {
    if (typeof j === "number") return { t: "lit", value: j, kind: "num" };
    if (typeof j === "string") return { t: "lit", value: j, kind: "str" };
    if (typeof j === "boolean") return { t: "lit", value: j ? 1 : 0, kind: "num" };
    if (j === null) return { t: "lit", value: null, kind: "num" };
    if (Array.isArray(j)) return { t: "lit", value: j, kind: "list" };
    if (Array.isArray(j.$ref)) {
      if (j.star) throw new ExprError("a star reference cannot be used inside an expression");
      return resolve(j.$ref as string[]);
    }
    if (isBinaryJson(j)) {
      // a chain of 5,000 terms is nested 5,000 deep: fold its links in a loop
      const { first, links } = leftChainJson(j);
      let node = compile(first);
      for (const l of links) node = call(OP_NAMES[l.$op] ?? l.$op, [node, compile(l.args[1])], {});
      return node;
    }
    if (typeof j.$op === "string") {
      const args = (j.args as Json[]).map(compile);
      return call(OP_NAMES[j.$op] ?? j.$op, args, {});
    }
    if (typeof j.$call === "string") {
      const named = isObj(j.named as Json) ? (j.named as Obj) : {};
      const args = Array.isArray(j.args) ? j.args : [];
      if (WINDOW_OPS.has(j.$call as WindowOp) && named.over !== undefined)
        return windowNode(j.$call as WindowOp, args, named);
      // Named arguments that are expressions over columns compile like positional ones;
      // literal parameters (edges, top, method…) stay as JSON for the transform to read.
      return call(j.$call, args.map(compile), named);
    }
    if (typeof j.$duration === "number") return { t: "lit", value: j.$duration, kind: "num" };
    if (typeof j.$percent === "number") return { t: "lit", value: j.$percent / 100, kind: "num" };
    throw new ExprError(`cannot use ${JSON.stringify(j)} in a feature expression`);
  };

  const feature = (name: string): PipelineNode => {
    const known = done.get(name);
    if (known) return known;
    if (inProgress.includes(name))
      throw new ExprError(`features refer to each other in a cycle: ${[...inProgress, name].join(" → ")}`);
    inProgress.push(name);
    try {
      const node = compile(exprs.get(name)!);
      done.set(name, node);
      return node;
    } catch (e) {
      if (e instanceof ExprError && !e.message.startsWith("feature `"))
        throw new ExprError(`feature \`${name}\`: ${e.message}`);
      throw e;
    } finally {
      inProgress.pop();
    }
  };

  const features: FeatureDef[] = [];
  try {
    for (const name of exprs.keys()) {
      const node = feature(name);
      features.push({
        name,
        expr: exprs.get(name)!,
        node,
        windowed: hasWindow(node),
        fitted: hasFitted(node),
        batchOnly: batchOnlyReason(node),
      });
    }
  } catch (e) {
    if (e instanceof ExprError) throw new NodeFailure(e.message, { code: "MLC2104" });
    throw e;
  }
  return { features, columns, key, timestamp, nextId };
}

function hasWindow(n: PipelineNode): boolean {
  return someNode(n, (x) => x.t === "window");
}

export function hasFitted(n: PipelineNode): boolean {
  return someNode(n, (x) => x.t === "call" && x.transform.fit !== undefined);
}

/** Why this node itself (not its operands) has no ONNX form, if it has none. */
export function ownBatchOnlyReason(n: PipelineNode): string | undefined {
  if (n.t === "window")
    return `${n.op}(… over ${n.over / 86_400_000}d) is a window aggregation: served from the online feature store, not ONNX`;
  if (n.t !== "call") return undefined;
  const b = n.transform.batchOnly;
  return typeof b === "function" ? b(n) : b;
}

/** The first reason a tree has no ONNX form (operands before the node using them), if any. */
export function batchOnlyReason(n: PipelineNode): string | undefined {
  for (const x of postOrder([n])) {
    const r = ownBatchOnlyReason(x);
    if (r) return r;
  }
  return undefined;
}

/** Every column a compiled expression reads (through nested calls and window arguments). */
export function allColumnsRead(n: PipelineNode, out: Set<string> = new Set()): Set<string> {
  for (const x of postOrder([n])) {
    if (x.t === "col") out.add(x.name);
    else if (x.t === "window") out.add(x.by).add(x.at);
  }
  return out;
}
