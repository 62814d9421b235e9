// The plan note of a model with `init = champion`: "warm start from version N" (its champion when
// the plan was made) or "no champion yet: trains from scratch". Light: the plan's renderer loads it
// with the kinds index, so it imports no learner.
import type { GraphNode, Json } from "../../ir/graph-ir.js";
import { isRef } from "../../ir/expr-json.js";
import { readBlock } from "../../ir/node-config.js";
import type { RegistryRecords } from "../../ir/state-store.js";
import { ModelRegistry } from "../../registry/model-registry.js";

/** Whether the model block says `init = champion`. */
export function warmStarts(config: { [k: string]: Json }): boolean {
  const init = readBlock(config, "model").attributes.init;
  return init === "champion" || (init !== undefined && isRef(init) && init.$ref.join(".") === "champion");
}

/** "warm start from version 3" or "no champion yet: trains from scratch". */
export function warmStartText(champion: number | undefined): string {
  return champion === undefined
    ? "no champion yet: trains from scratch"
    : `warm start from version ${champion}`;
}

/** The champion's version a warm-started model would start from (null: none yet); undefined for other models. */
export async function modelPlanEvidence(
  node: GraphNode,
  _projectDir: string,
  records?: RegistryRecords,
): Promise<Json | undefined> {
  if (!warmStarts(node.config)) return undefined;
  const champion = records ? await new ModelRegistry({ records }).alias(node.name, "champion") : undefined;
  return { champion: champion?.version ?? null };
}

export function modelPlanNote(
  node: GraphNode,
  evidence?: Json,
): { text: string; data: { [k: string]: Json } } | undefined {
  if (!warmStarts(node.config)) return undefined;
  const e = evidence as { champion?: number | null } | undefined;
  const champion = typeof e?.champion === "number" ? e.champion : undefined;
  return { text: warmStartText(champion), data: { warm_start: champion ?? null } };
}
