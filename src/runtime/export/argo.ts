// A plan as an Argo Workflows `Workflow`: one DAG task per stale node, each `mlc exec NODE` in the
// project's image against the shared state and store (settings from a Secret), edges from the graph.
import type { Json } from "../../ir/graph-ir.js";
import type { Plan } from "../plan.js";
import { ProjectError } from "../project.js";

export interface ArgoOptions {
  /** The image holding mlc and the project (spec and data) at `dir`. */
  image: string;
  /** The project's folder inside the image. */
  dir: string;
  /** The Secret whose keys become the steps' environment (MLC_STATE_URL, AWS_…). */
  secret: string;
  /** The workflow's name prefix (`generateName`). */
  name: string;
  retries: number;
}

/** A DNS-1123 label for a node id (`model.churn/trial.7` → `model-churn-trial-7`), unique within `taken`. */
function taskName(id: string, taken: Set<string>): string {
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

export function argoWorkflow(plan: Plan, o: ArgoOptions): { [k: string]: Json } {
  const deletes = plan.changes.filter((c) => c.action === "delete");
  if (deletes.length)
    throw new ProjectError(
      `the plan destroys ${deletes.map((c) => c.id).join(", ")}: a workflow only runs nodes; run \`mlc apply\` for the removals first`,
    );
  const stale = plan.changes.filter((c) => c.action !== "noop");
  const taken = new Set<string>();
  const names = new Map(stale.map((c) => [c.id, taskName(c.id, taken)]));
  const byId = new Map(plan.graph.nodes.map((n) => [n.id, n]));
  const tasks: Json[] = stale.map((c) => {
    // Inputs that are up to date need no task: their results are in the shared state already.
    const deps = [...new Set(byId.get(c.id)!.inputs.map((i) => i.node))]
      .filter((id) => names.has(id))
      .map((id) => names.get(id)!)
      .sort();
    return {
      name: names.get(c.id)!,
      template: "exec",
      arguments: { parameters: [{ name: "node", value: c.id }] },
      ...(deps.length ? { dependencies: deps } : {}),
    };
  });
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Workflow",
    metadata: { generateName: `${o.name}-` },
    spec: {
      entrypoint: "plan",
      templates: [
        { name: "plan", dag: { tasks } },
        {
          name: "exec",
          inputs: { parameters: [{ name: "node" }] },
          retryStrategy: { limit: String(o.retries), retryPolicy: "OnFailure" },
          container: {
            image: o.image,
            workingDir: o.dir,
            // Steps of independent branches may start together; each waits for the state's apply lock.
            command: ["mlc", "exec", "{{inputs.parameters.node}}", "--dir", o.dir, "--lock-timeout", "60m"],
            envFrom: [{ secretRef: { name: o.secret } }],
          },
        },
      ],
    },
  };
}
