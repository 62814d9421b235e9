// Lowering of a deployment's online features: when its model reads a features block with window
// aggregations or point-in-time joins, the deploy node also reads the tables those values are
// materialised from (the block, its input, the joined tables), and its config names them resolved.
import type { Expr } from "../../compiler/ast.js";
import { lookupBuiltin } from "../../compiler/builtins/registry.js";
import { leftChain } from "../../compiler/binary-chain.js";
import type { CheckedBlock } from "../../compiler/checked.js";
import { joinReads } from "../../compiler/lower-joins.js";
import { mergeInputs, type LoweringContext, type TableView } from "../../compiler/lower.js";
import { tableRole } from "../../compiler/schema/registry.js";
import { nodeIdOf, type GraphNode, type Json, type NodeInput } from "../../ir/graph-ir.js";

const mainId = (b: { kind: string; name: string }): string => nodeIdOf(b.kind, b.name);

/** The window aggregation calls of an expression (`mean(x, over = 7d, by = station)`). */
function windowCalls(
  e: Expr,
  out: Extract<Expr, { type: "call" }>[] = [],
): Extract<Expr, { type: "call" }>[] {
  switch (e.type) {
    case "call":
      if (e.named.some((n) => n.name === "over") && lookupBuiltin(e.callee, ["window"])) out.push(e);
      e.args.forEach((a) => windowCalls(a, out));
      e.named.forEach((n) => windowCalls(n.value, out));
      break;
    case "unary":
      windowCalls(e.operand, out);
      break;
    case "binary": {
      const { first, links } = leftChain(e);
      windowCalls(first, out);
      for (const link of links) windowCalls(link.right, out);
      break;
    }
    case "paren":
      windowCalls(e.inner, out);
      break;
    case "list":
      e.items.forEach((i) => windowCalls(i, out));
      break;
    default:
      break;
  }
  return out;
}

/** The features block a model reads (`features = daily.*` or `[daily.a, daily.b]`). */
function featuresBlockOf(model: CheckedBlock, ctx: TableView): CheckedBlock | undefined {
  const f = model.attributes.get("features");
  const first = f?.type === "list" ? f.items[0] : f;
  const name = first?.type === "ref" ? first.path[0] : undefined;
  const b = name !== undefined ? ctx.block(name) : undefined;
  return b && tableRole(b.kind) === "computed" ? b : undefined;
}

/**
 * The config record (`online_features`) and extra inputs of a deploy node, or undefined when its
 * model's features need no online lookup. The entity key is the block's `key` (or its input's);
 * a block without one whose windows all group by one column uses that column.
 */
function lowerOnline(
  deploy: CheckedBlock,
  ctx: TableView,
): { config: Json; inputs: NodeInput[] } | undefined {
  const m = deploy.attributes.get("model");
  const model = m?.type === "ref" ? ctx.block(m.path[0]!) : undefined;
  if (!model) return undefined;
  const fb = featuresBlockOf(model, ctx);
  if (!fb) return undefined;
  const joins = ctx.joins(fb);
  const windows: Extract<Expr, { type: "call" }>[] = [];
  for (const e of ctx.ownFeatures(fb).values()) windowCalls(e, windows);
  if (!joins.length && !windows.length) return undefined;
  const input = ctx.inputName(fb);
  const from = input !== undefined ? ctx.block(input) : undefined;
  let key = ctx.chainColumn(fb, "key");
  if (key === undefined) {
    const by = new Set(
      windows
        .map((w) => w.named.find((n) => n.name === "by")?.value)
        .map((v) => (v?.type === "ref" && v.path.length === 1 ? v.path[0] : "")),
    );
    if (by.size === 1 && !by.has("")) key = [...by][0];
  }
  const timestamp = ctx.chainColumn(fb, "timestamp") ?? null;
  const inputs: NodeInput[] = [{ node: mainId(fb), columns: "*" }];
  if (from) inputs.push({ node: mainId(from), columns: "*" });
  for (const j of joins) inputs.push({ node: j.node, columns: joinReads(j) });
  return {
    config: {
      features: mainId(fb),
      from: from ? mainId(from) : null,
      key: key !== undefined ? [key] : [],
      timestamp,
    },
    inputs,
  };
}

/** The deploy kind's lowering: the default node, plus the online features its model looks up. */
export function lowerDeploy(b: CheckedBlock, ctx: LoweringContext): GraphNode[] {
  const node = ctx.defaultNode(b);
  const online = lowerOnline(b, ctx.tables);
  if (online) {
    node.config.online_features = online.config;
    node.inputs = mergeInputs([...node.inputs, ...online.inputs]);
  }
  return [node];
}
