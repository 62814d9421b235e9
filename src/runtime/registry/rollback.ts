// Rollback of a deployment to its previous stable version: the pointer moves (running servers follow)
// and the registry's champion alias moves with it, both with the reason. Used by `mlc rollback`.
import { BundleError, loadBundle } from "../../serve/bundle.js";
import {
  DeploymentError,
  previousVersion,
  readDeployment,
  resolveBundlePath,
  writeDeployment,
  type DeploymentPointer,
} from "../../serve/deployment.js";
import { explainNoPointer } from "../../serve/deployment-absence.js";
import { openState } from "../state/open.js";
import { materialiseShared, withSharedDeployment } from "../shared-deployments.js";
import { syncAliasesToPointer } from "../../serve/serving-sync.js";
import { ModelRegistry } from "../../registry/model-registry.js";

export interface RollbackResult {
  /** The version that served before. */
  from: number;
  /** The pointer now in place (any rollout ended). */
  to: DeploymentPointer;
  /** The registered model whose champion alias moved. */
  model: string;
}

/** Goes back one stable version, ending any rollout; repeated calls keep walking back. */
export async function rollbackDeployment(
  projectDir: string,
  name: string,
  reason?: string,
): Promise<RollbackResult> {
  // With a shared state, the history another checkout wrote comes first, and this move goes back to it.
  return withSharedDeployment(projectDir, name, () => rollbackHere(projectDir, name, reason), warn);
}

const warn = (m: string): void => void process.stderr.write(`mlc: ${m}\n`);

async function rollbackHere(projectDir: string, name: string, reason?: string): Promise<RollbackResult> {
  let current: DeploymentPointer | undefined;
  try {
    current = readDeployment(projectDir, name);
  } catch (e) {
    throw new DeploymentError((e as Error).message);
  }
  // Never deployed, or destroyed with its block: say which, and how to restore it.
  if (!current) throw new DeploymentError(explainNoPointer(projectDir, name));
  const prev = previousVersion(projectDir, name);
  if (!prev) throw new DeploymentError(`deployment '${name}' has no earlier version than ${current.version}`);
  let model: string;
  try {
    await materialiseShared(projectDir, name, prev.bundle);
    model = loadBundle(resolveBundlePath(projectDir, prev.bundle)).meta.model;
  } catch (e) {
    if (e instanceof BundleError)
      throw new DeploymentError(`the previous bundle cannot be used: ${e.message}`);
    throw e;
  }
  const why = reason ?? `rollback of ${name} from version ${current.version} to ${prev.version}`;
  const state = await openState(projectDir);
  try {
    const registry = new ModelRegistry(state);
    if (!(await registry.version(model, prev.version)))
      throw new DeploymentError(`the registry has no ${model} version ${prev.version}`);
    const to = writeDeployment(projectDir, name, prev, why); // with the version's online table, if it has one
    // The champion follows; a challenger that was the version rolled back from (or a rollout's
    // candidate) is retired.
    await syncAliasesToPointer(projectDir, registry, name, why, current);
    return { from: current.version, to, model };
  } finally {
    await state.close();
  }
}
