// An experiment's decision: all traffic to one arm through the deployment pointer, the registry's
// champion alias in step with it, and the decision audited twice with time and reason: in the
// experiment's trail beside the pointer and in the state store (collection `experiment_decisions`).
// Also what the spec's declared decisions (on_win, on_loss, on_guardrail) make of a status.
import type { Json } from "../../ir/graph-ir.js";
import type { StateStore } from "../../ir/state-store.js";
import type { ExperimentStatus } from "../../ml/experiments/index.js";
import { ModelRegistry } from "../../registry/model-registry.js";
import type { DeploymentPointer } from "../../serve/deployment.js";
import { concludeExperiment } from "../../serve/experiment-control.js";
import { appendExperimentEvent, type ExperimentEvent } from "../../serve/experiment-log.js";
import { syncAliasesToPointer } from "../../serve/serving-sync.js";
import { openState } from "../state/open.js";

/** The state collection holding every experiment decision, keyed `<experiment>/<sequence, 6 digits>`. */
export const EXPERIMENT_DECISIONS = "experiment_decisions";

export interface ExperimentDecisionRecord {
  ts: string;
  experiment: string;
  deployment: string;
  event: "promoted" | "stopped";
  arm: string;
  /** The version now serving all traffic. */
  version: number;
  versions: Record<string, number>;
  reason: string;
  by: "decision" | "hand";
  /** The verdict the decision acted on, when it came from a status. */
  verdict?: string;
}

export async function decideExperiment(
  projectDir: string,
  deployment: string,
  name: string,
  arm: string,
  event: "promoted" | "stopped",
  reason: string,
  by: "decision" | "hand",
  verdict?: string,
): Promise<DeploymentPointer> {
  const state = await openState(projectDir);
  try {
    const { pointer, before } = concludeExperiment(projectDir, deployment, name, arm, reason);
    const versions = Object.fromEntries(before.experiment.arms.map((a) => [a.name, a.target.version]));
    appendExperimentEvent(projectDir, deployment, {
      ts: pointer.updated,
      experiment: name,
      event,
      arm,
      versions,
      reason,
      by,
    });
    const record: { [k: string]: Json } = {
      ts: pointer.updated,
      experiment: name,
      deployment,
      event,
      arm,
      version: pointer.version,
      versions: { ...versions },
      reason,
      by,
      ...(verdict !== undefined ? { verdict } : {}),
    };
    const seq = await state.records.nextSequence(`${EXPERIMENT_DECISIONS}.${name}`);
    await state.records.create(EXPERIMENT_DECISIONS, `${name}/${String(seq).padStart(6, "0")}`, record);
    await syncAliasesToPointer(projectDir, new ModelRegistry(state), deployment, reason, before);
    return pointer;
  } finally {
    await state.close();
  }
}

/** The decisions recorded in the state store for one experiment, oldest first. */
export async function experimentDecisions(
  state: StateStore,
  name: string,
): Promise<ExperimentDecisionRecord[]> {
  return (await state.records.list(EXPERIMENT_DECISIONS, `${name}/`)).flatMap((r) => {
    const v = r.value;
    if (typeof v !== "object" || v === null || Array.isArray(v)) return [];
    const str = (k: string): string => (typeof v[k] === "string" ? (v[k] as string) : "");
    const event = str("event");
    const by = str("by");
    if ((event !== "promoted" && event !== "stopped") || (by !== "decision" && by !== "hand")) return [];
    const vs = v.versions;
    const versions: Record<string, number> = {};
    if (typeof vs === "object" && vs !== null && !Array.isArray(vs))
      for (const [k, n] of Object.entries(vs)) if (typeof n === "number") versions[k] = n;
    return [
      {
        ts: str("ts"),
        experiment: str("experiment"),
        deployment: str("deployment"),
        event,
        arm: str("arm"),
        version: typeof v.version === "number" ? v.version : NaN,
        versions,
        reason: str("reason"),
        by,
        ...(typeof v.verdict === "string" ? { verdict: v.verdict } : {}),
      },
    ];
  });
}

export type DeclaredDecisions = NonNullable<ExperimentEvent["decisions"]>;

/** What the declared decisions make of a status: promote the winner, stop (serve the control), or nothing. */
export function declaredAction(
  s: Pick<ExperimentStatus, "verdict" | "winner">,
  d: DeclaredDecisions,
  control: string,
): { event: "promoted" | "stopped"; arm: string } | undefined {
  if (s.verdict === "win" && d.on_win === "promote" && s.winner) return { event: "promoted", arm: s.winner };
  if ((s.verdict === "loss" || s.verdict === "inconclusive") && d.on_loss === "stop")
    return { event: "stopped", arm: control };
  if (s.verdict === "guardrail" && d.on_guardrail === "stop") return { event: "stopped", arm: control };
  return undefined;
}
