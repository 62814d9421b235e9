// Per-kind notes under a plan (an experiment's sample size): a kind registers a function of its
// node's config; the plan renderer calls it for every planned node of that kind. Kind-agnostic.
import type { GraphNode } from "./graph-ir.js";

type PlanNote = (node: GraphNode) => string | undefined;
const notes = new Map<string, PlanNote>();

export function registerPlanNote(kind: string, note: PlanNote): void {
  notes.set(kind, note);
}

/** The note of one node, if its kind has one; a note that fails to render says so instead of failing the plan. */
export function planNoteOf(node: GraphNode): string | undefined {
  const f = notes.get(node.kind);
  if (!f) return undefined;
  try {
    return f(node);
  } catch (e) {
    return `(no note: ${(e as Error).message})`;
  }
}
