// Experiments as operations on the deployment pointer: start one (every arm side by side), and end
// it by sending all traffic to one arm (the winner or the control). Servers follow the pointer.
import { resolve } from "node:path";
import {
  DeploymentError,
  readDeployment,
  writeDeployment,
  type BundleRef,
  type DeploymentPointer,
} from "./deployment.js";
import type { ExperimentRoute } from "./experiment-route.js";

/** Serves `route`'s arms side by side on `deployment`; the pointer's own version becomes the control arm's. */
export function startExperiment(
  projectDir: string,
  deployment: string,
  route: ExperimentRoute,
  reason: string,
): DeploymentPointer {
  const cur = readDeployment(projectDir, deployment);
  if (cur?.rollout)
    throw new DeploymentError(
      `deployment '${deployment}' has a ${cur.rollout.kind} rollout in progress; end it (mlc rollout promote|abort ${deployment}) before starting experiment '${route.name}'`,
    );
  if (cur?.experiment && cur.experiment.name !== route.name)
    throw new DeploymentError(
      `deployment '${deployment}' already runs experiment '${cur.experiment.name}'; stop it before starting '${route.name}'`,
    );
  const control = route.arms.find((a) => a.name === route.control);
  if (!control)
    throw new DeploymentError(`experiment '${route.name}': control arm '${route.control}' is not an arm`);
  return writeDeployment(projectDir, deployment, { ...control.target, experiment: route }, reason);
}

/** The experiment the deployment runs now, or a clear error. */
export function runningExperiment(
  projectDir: string,
  deployment: string,
  name?: string,
): DeploymentPointer & { experiment: ExperimentRoute } {
  const cur = readDeployment(projectDir, deployment);
  if (!cur)
    throw new DeploymentError(`deployment '${deployment}' has no current version in ${resolve(projectDir)}`);
  if (!cur.experiment || (name !== undefined && cur.experiment.name !== name))
    throw new DeploymentError(
      `deployment '${deployment}' runs no experiment${name !== undefined ? ` named '${name}'` : ""} (serving version ${cur.version})`,
    );
  return cur as DeploymentPointer & { experiment: ExperimentRoute };
}

/**
 * Ends the experiment: every request goes to `arm` (the winner, or the control). Its runner is
 * already loaded, so servers swap without reloading and no request is dropped.
 */
export function concludeExperiment(
  projectDir: string,
  deployment: string,
  name: string,
  arm: string,
  reason: string,
): {
  pointer: DeploymentPointer;
  served: BundleRef;
  before: DeploymentPointer & { experiment: ExperimentRoute };
} {
  const cur = runningExperiment(projectDir, deployment, name);
  const a = cur.experiment.arms.find((x) => x.name === arm);
  if (!a)
    throw new DeploymentError(
      `experiment '${name}' has no arm '${arm}' (arms: ${cur.experiment.arms.map((x) => x.name).join(", ")})`,
    );
  const served: BundleRef = {
    version: a.target.version,
    bundle: a.target.bundle,
    ...(a.target.online ? { online: a.target.online } : {}),
  };
  return { pointer: writeDeployment(projectDir, deployment, served, reason), served, before: cur };
}
