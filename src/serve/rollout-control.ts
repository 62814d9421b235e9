// Rollouts as operations on the deployment pointer: start a canary/shadow, promote or abort it. Used by
// `mlc rollout`; servers follow the pointer. Rollback is src/runtime/registry/rollback.ts.
import { resolve } from "node:path";
import { loadBundle } from "./bundle.js";
import {
  DeploymentError,
  readDeployment,
  writeDeployment,
  type DeploymentPointer,
  type Rollout,
} from "./deployment.js";

type RolloutSpec = { kind: "canary"; share: number; key: string } | { kind: "shadow" };

function current(projectDir: string, name: string): DeploymentPointer {
  const p = readDeployment(projectDir, name);
  if (!p) throw new DeploymentError(`deployment '${name}' has no current version in ${resolve(projectDir)}`);
  return p;
}

/** Serves `candidateBundle` beside the current version as a canary or shadow (its version read from bundle.json). */
export function startRollout(
  projectDir: string,
  name: string,
  candidateBundle: string,
  spec: RolloutSpec,
  reason?: string,
): DeploymentPointer {
  const cur = current(projectDir, name);
  const version = loadBundle(resolve(projectDir, candidateBundle)).meta.version;
  if (version === cur.version)
    throw new DeploymentError(`the candidate is version ${version}, which already serves '${name}'`);
  const candidate = { version, bundle: resolve(projectDir, candidateBundle) };
  const rollout: Rollout =
    spec.kind === "canary"
      ? { kind: "canary", share: spec.share, key: spec.key, candidate }
      : { kind: "shadow", candidate };
  return writeDeployment(
    projectDir,
    name,
    { version: cur.version, bundle: cur.bundle, ...(cur.online ? { online: cur.online } : {}), rollout },
    reason ?? `start ${spec.kind} of version ${version}`,
  );
}

/** Makes the rollout's candidate the serving version. */
export function promoteRollout(projectDir: string, name: string, reason?: string): DeploymentPointer {
  const cur = current(projectDir, name);
  if (!cur.rollout)
    throw new DeploymentError(
      `deployment '${name}' has no rollout in progress (serving version ${cur.version})`,
    );
  const c = cur.rollout.candidate;
  return writeDeployment(
    projectDir,
    name,
    { version: c.version, bundle: c.bundle, ...(c.online ? { online: c.online } : {}) },
    reason ?? `promote ${cur.rollout.kind} version ${c.version}`,
  );
}

/** Ends the rollout; the current version serves everything. */
export function abortRollout(projectDir: string, name: string, reason?: string): DeploymentPointer {
  const cur = current(projectDir, name);
  if (!cur.rollout)
    throw new DeploymentError(
      `deployment '${name}' has no rollout in progress (serving version ${cur.version})`,
    );
  return writeDeployment(
    projectDir,
    name,
    { version: cur.version, bundle: cur.bundle, ...(cur.online ? { online: cur.online } : {}) },
    reason ?? `abort ${cur.rollout.kind} of version ${cur.rollout.candidate.version}`,
  );
}
