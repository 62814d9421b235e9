// A plan as an Argo Workflows `Workflow`: one DAG task per stale node, each `mlc exec NODE` in the
// project's image against the shared state and store (settings from a Secret), edges from the graph.
// With `trialWorkers`, a tuned model's task is a small DAG of its own: `mlc worker MODEL` pods started
// as daemons (as many as its `tune { parallel }`, each with the model's resources), then the model's
// `mlc exec NODE --trial-workers`; Argo stops the daemons when that step ends.
import type { Json } from "../../ir/graph-ir.js";
import type { Plan } from "../plan.js";
import {
  containerResources,
  resourceVariants,
  variantKey,
  workflowSteps,
  type WorkflowStep,
} from "./steps.js";

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
  /** Tuned models fit their trials in `mlc worker` pods beside their step. */
  trialWorkers?: boolean;
}

export function argoWorkflow(plan: Plan, o: ArgoOptions): { [k: string]: Json } {
  const steps = workflowSteps(plan, { trialWorkers: o.trialWorkers === true });
  // one exec template per distinct resource request (a model's `resources = { … }`)
  const variants = resourceVariants(steps);
  const suffixOf = (s: WorkflowStep) => variants.get(variantKey(s))!.suffix;
  const tuned = steps.filter((s) => s.trialWorkers);
  const tasks: Json[] = steps.map((s) => ({
    name: s.name,
    template: s.trialWorkers ? `tune-${s.name}` : `exec${suffixOf(s)}`,
    ...(s.trialWorkers ? {} : { arguments: { parameters: [{ name: "node", value: s.node }] } }),
    ...(s.dependencies.length ? { dependencies: s.dependencies } : {}),
  }));
  const container = (command: string[], resources: Record<string, string> | undefined) => ({
    image: o.image,
    workingDir: o.dir,
    command,
    envFrom: [{ secretRef: { name: o.secret } }],
    ...(resources ? { resources: containerResources(resources) } : {}),
  });
  const retryStrategy = { limit: String(o.retries), retryPolicy: "OnFailure" };
  // Steps of independent branches run together (an exec locks only its node); a step waits only
  // for an apply of the whole state, or for a retry of its own node still running.
  const exec = (extra: string[]) => [
    "mlc",
    "exec",
    "{{inputs.parameters.node}}",
    "--dir",
    o.dir,
    "--lock-timeout",
    "60m",
    ...extra,
  ];
  const tunedVariants = new Set(tuned.map(suffixOf));
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Workflow",
    metadata: { generateName: `${o.name}-` },
    spec: {
      entrypoint: "plan",
      templates: [
        { name: "plan", dag: { tasks } },
        ...[...variants.values()].flatMap((v): Json[] => [
          {
            name: `exec${v.suffix}`,
            inputs: { parameters: [{ name: "node" }] },
            retryStrategy,
            container: container(exec([]), v.resources),
          },
          ...(tunedVariants.has(v.suffix)
            ? [
                {
                  name: `exec-trials${v.suffix}`,
                  inputs: { parameters: [{ name: "node" }] },
                  retryStrategy,
                  container: container(exec(["--trial-workers"]), v.resources),
                },
                {
                  // A daemon: it runs until the DAG that started it ends (its model's step is done).
                  name: `worker${v.suffix}`,
                  daemon: true,
                  inputs: { parameters: [{ name: "model" }] },
                  container: container(
                    ["mlc", "worker", "{{inputs.parameters.model}}", "--dir", o.dir],
                    v.resources,
                  ),
                },
              ]
            : []),
        ]),
        ...tuned.map((s): Json => ({
          name: `tune-${s.name}`,
          dag: {
            tasks: [
              {
                name: "workers",
                template: `worker${suffixOf(s)}`,
                arguments: { parameters: [{ name: "model", value: s.trialWorkers!.model }] },
                withSequence: { count: String(s.trialWorkers!.count) },
              },
              {
                name: "fit",
                template: `exec-trials${suffixOf(s)}`,
                arguments: { parameters: [{ name: "node", value: s.node }] },
                dependencies: ["workers"],
              },
            ],
          },
        })),
      ],
    },
  };
}
