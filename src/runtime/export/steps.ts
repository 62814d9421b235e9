// The steps of a cluster workflow, shared by every target (Argo, Kubeflow Pipelines): one per stale
// node of the plan, with a DNS-1123 name and the names of the steps it waits for. A plan that
// destroys nodes is refused: a workflow only runs nodes.
import type { GraphNode, Json } from "../../ir/graph-ir.js";
import { nestedBlock, readBlock } from "../../ir/node-config.js";
import { isObjectLit } from "../../ir/expr-json.js";
import type { Plan } from "../plan.js";
import { ProjectError } from "../project.js";

export interface WorkflowStep {
  /** The node id, as `mlc exec` takes it. */
  node: string;
  /** A DNS-1123 label, unique in the workflow (`model.churn` → `model-churn`). */
  name: string;
  /** Names of the steps whose nodes this one reads (inputs that are up to date need none). */
  dependencies: string[];
  /** What the node asks of its pod (a model's `resources`): Kubernetes quantities by cpu, memory, gpu. */
  resources?: Record<string, string>;
  /**
   * A tuned model whose trials `mlc worker` pods fit (`--trial-workers`): the model's name and how many
   * workers run beside its step (its `tune { parallel }`, at most its trials). Each worker pod asks for
   * the model's `resources`, as a trial fits the same learner on the same rows.
   */
  trialWorkers?: { model: string; count: number };
}

export interface StepOptions {
  /** Tuned models fit their trials in `mlc worker` pods that run beside their step. */
  trialWorkers?: boolean;
}

/** A node's `resources = { … }` annotation as quantities by key. */
function resourcesOf(annotations: { [k: string]: Json } | undefined): Record<string, string> | undefined {
  const r = annotations?.resources;
  if (r === undefined || !isObjectLit(r)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.$object)) if (typeof v === "string") out[k] = v;
  return Object.keys(out).length ? out : undefined;
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

/** The worker pods of a tuned model: `tune { parallel }` of them (1 when unset), never more than its trials. */
function trialWorkersOf(node: GraphNode): WorkflowStep["trialWorkers"] {
  if (node.kind !== "model") return undefined;
  const tune = nestedBlock(readBlock(node.config, "model"), "tune");
  if (!tune) return undefined;
  const n = (v: Json | undefined, fallback: number) =>
    typeof v === "number" && Number.isInteger(v) && v >= 1 ? v : fallback;
  const trials = n(tune.attributes.trials, Number.MAX_SAFE_INTEGER);
  return { model: node.name, count: Math.min(n(tune.attributes.parallel, 1), trials) };
}

export function workflowSteps(plan: Plan, o: StepOptions = {}): WorkflowStep[] {
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
    ...(resourcesOf(byId.get(c.id)!.annotations)
      ? { resources: resourcesOf(byId.get(c.id)!.annotations)! }
      : {}),
    ...(o.trialWorkers && trialWorkersOf(byId.get(c.id)!)
      ? { trialWorkers: trialWorkersOf(byId.get(c.id)!)! }
      : {}),
    node: c.id,
    name: names.get(c.id)!,
    // Inputs that are up to date need no step: their results are in the shared state already.
    dependencies: [...new Set(byId.get(c.id)!.inputs.map((i) => i.node))]
      .filter((id) => names.has(id))
      .map((id) => names.get(id)!)
      .sort(),
  }));
}

/** A container's `resources` for a step's requests (a GPU, an extended resource, is also its limit). */
export function containerResources(r: Record<string, string>): { [k: string]: Json } {
  const requests: { [k: string]: Json } = {};
  if (r.cpu) requests.cpu = r.cpu;
  if (r.memory) requests.memory = r.memory;
  if (r.gpu) requests["nvidia.com/gpu"] = r.gpu;
  return { requests, ...(r.gpu ? { limits: { "nvidia.com/gpu": r.gpu } } : {}) };
}

/** The distinct resource sets of the steps, in order of first use, with a name suffix each ("" for none). */
export function resourceVariants(
  steps: readonly WorkflowStep[],
): Map<string, { suffix: string; resources?: Record<string, string> }> {
  const out = new Map<string, { suffix: string; resources?: Record<string, string> }>();
  out.set("", { suffix: "" });
  for (const s of steps) {
    const key = s.resources ? JSON.stringify(s.resources) : "";
    if (!out.has(key)) out.set(key, { suffix: `-${out.size + 1}`, resources: s.resources! });
  }
  return out;
}

export const variantKey = (s: WorkflowStep): string => (s.resources ? JSON.stringify(s.resources) : "");
