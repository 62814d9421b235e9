// Lowering of a features block's point-in-time joins, as the checker resolved them (the joined
// node, key, event time and the columns it brings in), into the literal record the features
// executor reads, so the runtime never re-decides what the spec meant.
import type { ResolvedJoin } from "./checked.js";
import type { Json } from "../ir/graph-ir.js";

/** The config record of one join (a nested `join` block whose attributes are resolved literals). */
export function joinConfig(j: ResolvedJoin): Json {
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
export function joinReads(j: ResolvedJoin): string[] | "*" {
  if (j.columns === null) return "*";
  return [...new Set([...j.columns, ...j.keys, ...(j.time !== null ? [j.time] : [])])].sort();
}
