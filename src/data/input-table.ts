// How a data executor finds the table it reads: the `table` artifact of its (single) input node,
// or the named part of a split input (`train`, `valid`, `test`), or the table of a named input.
import type { ColumnTable } from "arquero";
import type { ExecContext } from "../ir/executor.js";
import { NodeFailure } from "../ir/executor.js";
import { loadTable } from "./table-artifact.js";

export async function inputTable(
  ctx: ExecContext,
  role = "table",
): Promise<{ from: string; table: ColumnTable }> {
  for (const input of ctx.node.inputs) {
    const r = ctx.inputs.get(input.node);
    const hash = r?.artifacts[role];
    if (hash) return { from: input.node, table: await loadTable(ctx.artifacts, hash) };
  }
  const have = [...ctx.inputs.entries()]
    .map(([id, r]) => `${id}: ${Object.keys(r.artifacts).join(", ") || "nothing"}`)
    .join("; ");
  throw new NodeFailure(`${ctx.node.id}: no input provides a \`${role}\` table (inputs: ${have || "none"})`, {
    code: "MLC2103",
  });
}

/**
 * The table of one input, by node id (`source.weather`) or by block name (`weather`, as `from`
 * names it): for a node with several table inputs, such as a features block that joins others.
 */
export async function inputTableOf(
  ctx: ExecContext,
  nodeOrName: string,
  role = "table",
): Promise<{ from: string; table: ColumnTable }> {
  const id = ctx.node.inputs
    .map((i) => i.node)
    .find((n) => n === nodeOrName || n.slice(n.indexOf(".") + 1) === nodeOrName);
  const hash = id !== undefined ? ctx.inputs.get(id)?.artifacts[role] : undefined;
  if (id === undefined || !hash)
    throw new NodeFailure(
      `${ctx.node.id}: input \`${nodeOrName}\` provides no \`${role}\` table (inputs: ${ctx.node.inputs.map((i) => i.node).join(", ") || "none"})`,
      { code: "MLC2103" },
    );
  return { from: id, table: await loadTable(ctx.artifacts, hash) };
}
