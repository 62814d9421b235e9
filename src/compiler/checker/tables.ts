// The facts about each table block that lowering needs (columns, resolved joins, key and time),
// read once from the checker's state so that the checker and lowering cannot disagree.
import { nodeIdOf } from "../../ir/graph-ir.js";
import type { ResolvedJoin, TableFacts } from "../checked.js";
import type { JoinInfo } from "./joins.js";
import { attributeOf, type CheckState } from "./state.js";

export function tableFacts(st: CheckState, name: string): TableFacts {
  const env = st.columnsOf(name);
  const key = st.chainColumn(name, "key")?.column;
  const timestamp = st.chainColumn(name, "timestamp")?.column;
  return {
    columns: env.open !== undefined ? "open" : [...env.known.keys()],
    joins: st.joinsOf(name).flatMap((j) => resolveJoin(st, j, timestamp)),
    ...(key !== undefined ? { key } : {}),
    ...(timestamp !== undefined ? { timestamp } : {}),
  };
}

function resolveJoin(st: CheckState, j: JoinInfo, labelTime: string | undefined): ResolvedJoin[] {
  const target = j.table !== undefined ? st.block(j.table) : undefined;
  if (j.table === undefined || !target) return []; // reported where it is named
  const ttl = attributeOf(j.ast, "ttl")?.value;
  return [
    {
      table: j.table,
      node: nodeIdOf(target.kind, j.table),
      keys: j.key ? [j.key.column] : [],
      time: j.time?.column ?? null,
      labelTime: labelTime ?? null,
      columns: j.open ? null : j.columns.map((c) => c.column),
      prefix: j.prefix,
      ttlSeconds: ttl?.type === "duration" ? ttl.seconds : null,
    },
  ];
}
