// Per-kind notes under a plan (an experiment's sample size): a kind's entry in the kinds index may
// give a function of its node's config and of the evidence it read once at plan time (the plan keeps
// it); the plan renderer calls it for every planned node.
import type { GraphNode, Json } from "../ir/graph-ir.js";
import { KINDS, type PlanNote } from "../kinds/index.js";
import type { RegistryRecords } from "../ir/state-store.js";

/** The evidence every planned node's kind reads for its note, by node id (nodes that need none are absent). */
export async function planEvidence(
  projectDir: string,
  nodes: readonly GraphNode[],
  records?: RegistryRecords,
): Promise<Record<string, Json>> {
  const out: Record<string, Json> = {};
  for (const node of nodes) {
    const f = KINDS[node.kind]?.planEvidence;
    if (!f) continue;
    try {
      const e = await f(node, projectDir, records);
      if (e !== undefined) out[node.id] = e;
    } catch (e) {
      // a config the check refuses never gets here; anything else leaves the note without evidence
      out[node.id] = { error: (e as Error).message };
    }
  }
  return out;
}

/** The note of one node, if its kind has one; a note that fails to render says so instead of failing the plan. */
export function planNoteOf(node: GraphNode, evidence?: Json): PlanNote | undefined {
  const f = KINDS[node.kind]?.planNote;
  if (!f) return undefined;
  try {
    return f(node, evidence);
  } catch (e) {
    const text = `(no note: ${(e as Error).message})`;
    return { text, data: { error: (e as Error).message } };
  }
}
