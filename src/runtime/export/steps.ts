// The steps of a cluster workflow, shared by every target (Argo, Kubeflow Pipelines): one per stale
// node of the plan, with a DNS-1123 name and the names of the steps it waits for. A plan that
// destroys nodes is refused: a workflow only runs nodes.
import type { Plan } from "../plan.js";
import { ProjectError } from "../project.js";

export interface WorkflowStep {
  /** The node id, as `mlc exec` takes it. */
  node: string;
  /** A DNS-1123 label, unique in the workflow (`model.churn` → `model-churn`). */
  name: string;
  /** Names of the steps whose nodes this one reads (inputs that are up to date need none). */
  dependencies: string[];
}

/** A DNS-1123 label for a node id (`model.churn/trial.7` → `model-churn-trial-7`), unique within `taken`. */
function stepName(id: string, taken: Set<string>): string {
  const base =
    id
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 50) || "node";
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}

export function workflowSteps(plan: Plan): WorkflowStep[] {
  const deletes = plan.changes.filter((c) => c.action === "delete");
  if (deletes.length)
    throw new ProjectError(
      `the plan destroys ${deletes.map((c) => c.id).join(", ")}: a workflow only runs nodes; run \`mlc apply\` for the removals first`,
    );
  const stale = plan.changes.filter((c) => c.action !== "noop");
  const taken = new Set<string>();
  const names = new Map(stale.map((c) => [c.id, stepName(c.id, taken)]));
  const byId = new Map(plan.graph.nodes.map((n) => [n.id, n]));
  return stale.map((c) => ({
    node: c.id,
    name: names.get(c.id)!,
    // Inputs that are up to date need no step: their results are in the shared state already.
    dependencies: [...new Set(byId.get(c.id)!.inputs.map((i) => i.node))]
      .filter((id) => names.has(id))
      .map((id) => names.get(id)!)
      .sort(),
  }));
}
