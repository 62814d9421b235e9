// `experiment`, its lowering: the default node, plus every gate guarding a variant's model as an input,
// so a variant whose gate fails is never served (apply skips the experiment, as it skips a deployment).
import type { CheckedBlock } from "../../compiler/checked.js";
import type { LoweringContext } from "../../compiler/lower.js";
import { isObjectLit, isRef } from "../../ir/expr-json.js";
import type { GraphNode, Json, NodeInput } from "../../ir/graph-ir.js";
import { exprToJson } from "../../compiler/expr-to-json.js";

const refName = (j: Json): string | undefined => (isRef(j) && j.$ref.length === 1 ? j.$ref[0] : undefined);

export function lowerExperiment(b: CheckedBlock, ctx: LoweringContext): GraphNode[] {
  const node = ctx.defaultNode(b);
  const variants = b.attributes.get("variants");
  const vj = variants ? exprToJson(variants) : undefined;
  const models = new Set(vj !== undefined && isObjectLit(vj) ? Object.values(vj.$object).map(refName) : []);
  const gates: NodeInput[] = [];
  for (const g of ctx.project.blocks) {
    if (g.kind !== "gate") continue;
    const m = g.attributes.get("model");
    const id = ctx.nodeId(g.name);
    if (m && id && models.has(refName(exprToJson(m))) && !node.inputs.some((i) => i.node === id))
      gates.push({ node: id, columns: "*" });
  }
  node.inputs = [...node.inputs, ...gates];
  return [node];
}
