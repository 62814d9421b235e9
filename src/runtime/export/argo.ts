// A plan as an Argo Workflows `Workflow`: one DAG task per stale node, each `mlc exec NODE` in the
// project's image against the shared state and store (settings from a Secret), edges from the graph.
import type { Json } from "../../ir/graph-ir.js";
import type { Plan } from "../plan.js";
import { containerResources, resourceVariants, variantKey, workflowSteps } from "./steps.js";

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

export function argoWorkflow(plan: Plan, o: ArgoOptions): { [k: string]: Json } {
  const steps = workflowSteps(plan);
  // one exec template per distinct resource request (a model's `resources = { … }`)
  const variants = resourceVariants(steps);
  const tasks: Json[] = steps.map((s) => ({
    name: s.name,
    template: `exec${variants.get(variantKey(s))!.suffix}`,
    arguments: { parameters: [{ name: "node", value: s.node }] },
    ...(s.dependencies.length ? { dependencies: s.dependencies } : {}),
  }));
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Workflow",
    metadata: { generateName: `${o.name}-` },
    spec: {
      entrypoint: "plan",
      templates: [
        { name: "plan", dag: { tasks } },
        ...[...variants.values()].map((v) => ({
          name: `exec${v.suffix}`,
          inputs: { parameters: [{ name: "node" }] },
          retryStrategy: { limit: String(o.retries), retryPolicy: "OnFailure" },
          container: {
            image: o.image,
            workingDir: o.dir,
            // Steps of independent branches may start together; each waits for the state's apply lock.
            command: ["mlc", "exec", "{{inputs.parameters.node}}", "--dir", o.dir, "--lock-timeout", "60m"],
            envFrom: [{ secretRef: { name: o.secret } }],
            ...(v.resources ? { resources: containerResources(v.resources) } : {}),
          },
        })),
      ],
    },
  };
}
