// How a data executor finds the table it reads: the `table` artifact of its (single) input node,
// or the named part of a split input (`train`, `valid`, `test`).
import type { ColumnTable } from "arquero";
import type { ExecContext } from "../runtime/executor.js";
import { NodeFailure } from "../runtime/executor.js";
import { loadTable } from "./table-artifact.js";

export async function inputTable(ctx: ExecContext, role = "table"): Promise<{ from: string; table: ColumnTable }> {
  for (const input of ctx.node.inputs) {
    const r = ctx.inputs.get(input.node);
    const hash = r?.artifacts[role];
    if (hash) return { from: input.node, table: await loadTable(ctx.artifacts, hash) };
  }
  const have = [...ctx.inputs.entries()].map(([id, r]) => `${id}: ${Object.keys(r.artifacts).join(", ") || "nothing"}`).join("; ");
  throw new NodeFailure(`${ctx.node.id}: no input provides a \`${role}\` table (inputs: ${have || "none"})`);
}
