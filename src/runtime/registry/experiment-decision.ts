// An experiment's decision: all traffic to one arm through the deployment pointer, the registry's
// champion alias in step with it, and the decision in the experiment's audit trail with time and reason.
import { concludeExperiment } from "../../serve/experiment-control.js";
import { appendExperimentEvent } from "../../serve/experiment-log.js";
import type { DeploymentPointer } from "../../serve/deployment.js";
import { openState } from "../state/open.js";
import { ModelRegistry } from "../../registry/model-registry.js";
import { syncAliasesToPointer } from "../../serve/serving-sync.js";

export async function decideExperiment(
  projectDir: string,
  deployment: string,
  name: string,
  arm: string,
  event: "promoted" | "stopped",
  reason: string,
  by: "decision" | "hand",
): Promise<DeploymentPointer> {
  const state = await openState(projectDir);
  try {
    const { pointer, before } = concludeExperiment(projectDir, deployment, name, arm, reason);
    appendExperimentEvent(projectDir, deployment, {
      ts: pointer.updated,
      experiment: name,
      event,
      arm,
      versions: Object.fromEntries(before.experiment.arms.map((a) => [a.name, a.target.version])),
      reason,
      by,
    });
    await syncAliasesToPointer(projectDir, new ModelRegistry(state), deployment, reason, before);
    return pointer;
  } finally {
    await state.close();
  }
}
