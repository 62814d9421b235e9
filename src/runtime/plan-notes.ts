// Per-kind notes under a plan (an experiment's sample size): a kind's entry in the kinds index may
// give a function of its node's config; the plan renderer calls it for every planned node.
import type { GraphNode } from "../ir/graph-ir.js";
import { KINDS, type PlanNote } from "../kinds/index.js";

/** The note of one node, if its kind has one; a note that fails to render says so instead of failing the plan. */
export function planNoteOf(node: GraphNode): PlanNote | undefined {
  const f = KINDS[node.kind]?.planNote;
  if (!f) return undefined;
  try {
    return f(node);
  } catch (e) {
    const text = `(no note: ${(e as Error).message})`;
    return { text, data: { error: (e as Error).message } };
  }
}
