// Lowering of a features block's point-in-time joins: each `join { … }` resolved against the
// joined table (its node, key, event time and the columns it brings in) into the literal record
// the features executor reads, so the runtime never re-decides what the spec meant.
import type { Block, Expr } from "./ast.js";
import type { CheckedBlock } from "./checked.js";
import type { Json } from "../runtime/graph-ir.js";

export interface LoweredJoin {
  /** The joined block's name and main node id. */
  table: string;
  node: string;
  /** The joined table's entity key (empty: the join matches on time only). */
  keys: string[];
  /** The joined table's event time, and the joining block's (the label time). */
  time: string | null;
  labelTime: string | null;
  /** The joined table's columns brought in; null when it declares no schema and none are listed. */
  columns: string[] | null;
  prefix: string;
  ttlSeconds: number | null;
}

export interface JoinLoweringContext {
  block(name: string): CheckedBlock | undefined;
  /** The block named by `b`'s input attribute (`from`), if any. */
  inputName(b: CheckedBlock): string | undefined;
  /** Every column of a table block, or "open" when a source declares no schema. */
  columnsOf(name: string): Set<string> | "open";
}

const attr = (b: Block, name: string): Expr | undefined => {
  for (const item of b.body) if (item.type === "attribute" && item.name === name) return item.value;
  return undefined;
};

const plainName = (e: Expr | undefined): string | undefined =>
  e?.type === "ref" && e.path.length === 1 && !e.star ? e.path[0] : undefined;

/** `key` or `timestamp` of a block, or the nearest one along its inputs (as the checker resolves it). */
export function chainColumn(
  name: string,
  setting: "key" | "timestamp",
  ctx: Pick<JoinLoweringContext, "block" | "inputName">,
): string | undefined {
  const seen = new Set<string>();
  for (let b = ctx.block(name); b && !seen.has(b.name); b = ctx.block(ctx.inputName(b) ?? "")) {
    seen.add(b.name);
    const column = plainName(b.attributes.get(setting));
    if (column !== undefined) return column;
  }
  return undefined;
}

export function lowerJoins(b: CheckedBlock, ctx: JoinLoweringContext): LoweredJoin[] {
  if (b.kind !== "features") return [];
  const labelTime = chainColumn(b.name, "timestamp", ctx) ?? null;
  const out: LoweredJoin[] = [];
  for (const j of b.nested.get("join") ?? []) {
    const table = plainName(attr(j, "table"));
    const target = table !== undefined ? ctx.block(table) : undefined;
    if (!target) continue; // the checker reported it
    const key = chainColumn(target.name, "key", ctx);
    const time = chainColumn(target.name, "timestamp", ctx) ?? null;
    const listed = attr(j, "columns");
    const prefixExpr = attr(j, "prefix");
    const ttl = attr(j, "ttl");
    let columns: string[] | null;
    if (listed?.type === "list")
      columns = listed.items.map(plainName).filter((c): c is string => c !== undefined);
    else {
      const all = ctx.columnsOf(target.name);
      columns = all === "open" ? null : [...all].filter((c) => c !== key && c !== time);
    }
    out.push({
      table: target.name,
      node: `${target.kind}.${target.name}`,
      keys: key !== undefined ? [key] : [],
      time,
      labelTime,
      columns,
      prefix: prefixExpr?.type === "string" ? prefixExpr.value : "",
      ttlSeconds: ttl?.type === "duration" ? ttl.seconds : null,
    });
  }
  return out;
}

/** The config record of one join (a nested `join` block whose attributes are resolved literals). */
export function joinConfig(j: LoweredJoin): Json {
  return {
    $block: "join",
    attributes: {
      table: { $ref: [j.table] },
      node: j.node,
      keys: j.keys,
      time: j.time,
      label_time: j.labelTime,
      columns: j.columns,
      prefix: j.prefix,
      ttl: j.ttlSeconds === null ? null : { $duration: j.ttlSeconds },
    },
    blocks: {},
    assertions: [],
  };
}

/** The columns of the joined table a join reads: those it brings in, its key and its time ("*" when unknown). */
export function joinReads(j: LoweredJoin): string[] | "*" {
  if (j.columns === null) return "*";
  return [...new Set([...j.columns, ...j.keys, ...(j.time !== null ? [j.time] : [])])].sort();
}
