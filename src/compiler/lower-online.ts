// Lowering of a deployment's online features: when its model reads a features block with window
// aggregations or point-in-time joins, the deploy node also reads the tables those values are
// materialised from (the block, its input, the joined tables), and its config names them resolved.
import type { Expr } from "./ast.js";
import { lookupBuiltin } from "./builtins/registry.js";
import type { CheckedBlock } from "./checked.js";
import { chainColumn, joinReads, type JoinLoweringContext, type LoweredJoin } from "./lower-joins.js";
import type { Json, NodeInput } from "../ir/graph-ir.js";

export interface OnlineLoweringContext extends JoinLoweringContext {
  joins(b: CheckedBlock): LoweredJoin[];
}

const mainId = (b: { kind: string; name: string }): string => `${b.kind}.${b.name}`;

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
    case "binary":
      windowCalls(e.left, out);
      windowCalls(e.right, out);
      break;
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
function featuresBlockOf(model: CheckedBlock, ctx: OnlineLoweringContext): CheckedBlock | undefined {
  const f = model.attributes.get("features");
  const first = f?.type === "list" ? f.items[0] : f;
  const name = first?.type === "ref" ? first.path[0] : undefined;
  const b = name !== undefined ? ctx.block(name) : undefined;
  return b?.kind === "features" ? b : undefined;
}

/**
 * The config record (`online_features`) and extra inputs of a deploy node, or undefined when its
 * model's features need no online lookup. The entity key is the block's `key` (or its input's);
 * a block without one whose windows all group by one column uses that column.
 */
export function lowerOnline(
  deploy: CheckedBlock,
  settings: ReadonlySet<string>,
  ctx: OnlineLoweringContext,
): { config: Json; inputs: NodeInput[] } | undefined {
  if (deploy.kind !== "deploy") return undefined;
  const m = deploy.attributes.get("model");
  const model = m?.type === "ref" ? ctx.block(m.path[0]!) : undefined;
  if (!model || model.kind !== "model") return undefined;
  const fb = featuresBlockOf(model, ctx);
  if (!fb) return undefined;
  const joins = ctx.joins(fb);
  const windows: Extract<Expr, { type: "call" }>[] = [];
  for (const [name, e] of fb.attributes) if (!settings.has(name)) windowCalls(e, windows);
  if (!joins.length && !windows.length) return undefined;
  const input = ctx.inputName(fb);
  const from = input !== undefined ? ctx.block(input) : undefined;
  let key = chainColumn(fb.name, "key", ctx);
  if (key === undefined) {
    const by = new Set(
      windows
        .map((w) => w.named.find((n) => n.name === "by")?.value)
        .map((v) => (v?.type === "ref" && v.path.length === 1 ? v.path[0] : "")),
    );
    if (by.size === 1 && !by.has("")) key = [...by][0];
  }
  const timestamp = chainColumn(fb.name, "timestamp", ctx) ?? null;
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
