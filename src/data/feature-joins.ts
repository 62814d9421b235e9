// The point-in-time joins of a features node at run time: reads the resolved `join` records that
// lowering wrote into the node config, loads the joined tables from the node's inputs, checks the
// time columns, and joins them onto the input table (src/data/pit-join.ts) before features run.
import type { ColumnTable } from "arquero";
import type { ExecContext } from "../ir/executor.js";
import { NodeFailure } from "../ir/executor.js";
import { type Json, isObj, type JsonObject as Obj } from "../ir/graph-ir.js";
import { inputTable, inputTableOf } from "./input-table.js";
import { readBlock, refAttr, type BlockConfig } from "../ir/node-config.js";
import { pointInTimeJoin, type PitFeatureTable } from "./pit-join.js";
import { columnType, columnValues } from "./table-columns.js";

export interface JoinSpec {
  node: string;
  keys: string[];
  time: string;
  labelTime: string;
  /** Null: every column of the joined table but its key and time. */
  columns: string[] | null;
  prefix: string;
  ttlMs?: number;
}

const strings = (j: Json | undefined): string[] | undefined =>
  Array.isArray(j) && j.every((x) => typeof x === "string") ? (j as string[]) : undefined;

/** The joins of a features node config, as lowering resolved them (src/compiler/lower-joins.ts). */
export function readJoins(config: Obj, nodeId: string): JoinSpec[] {
  return (readBlock(config).blocks.join ?? []).map((b: BlockConfig, i) => {
    const a = b.attributes;
    const bad = (what: string) =>
      new NodeFailure(
        `${nodeId}: join ${i + 1} has no ${what} (the node config was not made by this version of mlc)`,
        { code: "MLC2108" },
      );
    if (typeof a.node !== "string") throw bad("table node");
    if (typeof a.time !== "string") throw bad("timestamp column of the joined table");
    if (typeof a.label_time !== "string") throw bad("timestamp column to join at");
    const ttl = isObj(a.ttl) && typeof a.ttl.$duration === "number" ? a.ttl.$duration * 1000 : undefined;
    return {
      node: a.node,
      keys: strings(a.keys) ?? [],
      time: a.time,
      labelTime: a.label_time,
      columns: strings(a.columns) ?? null,
      prefix: typeof a.prefix === "string" ? a.prefix : "",
      ...(ttl !== undefined ? { ttlMs: ttl } : {}),
    };
  });
}

/** Timestamps compare as epoch milliseconds; plain numbers compare as they are. Both sides must agree. */
function timeKind(t: ColumnTable, column: string, where: string, nodeId: string): "timestamp" | "float" {
  if (!t.columnNames().includes(column))
    throw new NodeFailure(`${nodeId}: ${where} has no column \`${column}\` to join on`, { code: "MLC2108" });
  const kind = columnType(columnValues(t, column));
  if (kind !== "timestamp" && kind !== "float")
    throw new NodeFailure(
      `${nodeId}: column \`${column}\` of ${where} is ${kind}, not a timestamp: declare it \`timestamp\` in the schema`,
      { code: "MLC2108" },
    );
  return kind;
}

/** The node's input table with the columns of every join added; the input alone when there are none. */
export async function inputWithJoins(ctx: ExecContext): Promise<ColumnTable> {
  const joins = readJoins(ctx.node.config, ctx.node.id);
  if (!joins.length) return (await inputTable(ctx)).table;
  const from = refAttr(readBlock(ctx.node.config), "from")?.at(-1);
  if (from === undefined)
    throw new NodeFailure(`${ctx.node.id}: a features node with joins needs its \`from\` input`, {
      code: "MLC2108",
    });
  const { from: inputId, table } = await inputTableOf(ctx, from);
  const tables: PitFeatureTable[] = [];
  const labelTime = joins[0]!.labelTime;
  const labelKind = timeKind(table, labelTime, inputId, ctx.node.id);
  for (const j of joins) {
    const { table: joined } = await inputTableOf(ctx, j.node);
    const kind = timeKind(joined, j.time, j.node, ctx.node.id);
    if (kind !== labelKind)
      throw new NodeFailure(
        `${ctx.node.id}: cannot join ${j.node} at \`${labelTime}\`: its time \`${j.time}\` is ${kind} but \`${labelTime}\` is ${labelKind}`,
        { code: "MLC2108" },
      );
    for (const k of j.keys) {
      if (!table.columnNames().includes(k))
        throw new NodeFailure(`${ctx.node.id}: ${inputId} has no column \`${k}\`, the key of ${j.node}`, {
          code: "MLC2108",
        });
      if (!joined.columnNames().includes(k))
        throw new NodeFailure(`${ctx.node.id}: ${j.node} has no column \`${k}\`, its key`, {
          code: "MLC2108",
        });
    }
    for (const c of j.columns ?? [])
      if (!joined.columnNames().includes(c))
        throw new NodeFailure(`${ctx.node.id}: ${j.node} has no column \`${c}\` to join`, {
          code: "MLC2108",
        });
    ctx.log(
      `joining ${j.node} at \`${labelTime}\` ${j.keys.length ? `by ${j.keys.join(", ")}` : "on time only"}${j.ttlMs !== undefined ? ` (ttl ${j.ttlMs / 1000}s)` : ""}`,
    );
    tables.push({
      table: joined,
      keys: j.keys,
      time: j.time,
      prefix: j.prefix,
      ...(j.columns ? { columns: j.columns } : {}),
      ...(j.ttlMs !== undefined ? { ttlMs: j.ttlMs } : {}),
    });
  }
  try {
    return pointInTimeJoin(table, labelTime, tables);
  } catch (e) {
    if (e instanceof NodeFailure) throw new NodeFailure(`${ctx.node.id}: ${e.message}`, { code: "MLC2108" });
    throw e;
  }
}
