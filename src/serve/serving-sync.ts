// Keeps the registry's aliases and the deployment pointers in step: the champion of a model is the
// version its deployment serves, the challenger a rollout's candidate. Every command that moves
// one moves the other through here (rollout, rollback, models promote/demote, materialize).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE_JSON, BundleError, bundleDirFor, loadBundle } from "./bundle.js";
import {
  DeploymentError,
  readDeployment,
  readHistory,
  resolveBundlePath,
  writeDeployment,
  type DeploymentPointer,
  type DeploymentTarget,
} from "./deployment.js";
import type { Alias, ModelRegistry } from "../registry/model-registry.js";

/** The model a bundle holds, from its bundle.json (undefined when unreadable). */
export function bundleModel(projectDir: string, bundle: string): string | undefined {
  try {
    const m = JSON.parse(readFileSync(join(resolveBundlePath(projectDir, bundle), BUNDLE_JSON), "utf8")) as {
      model?: unknown;
    };
    return typeof m.model === "string" ? m.model : undefined;
  } catch {
    return undefined;
  }
}

/** The deployments whose pointer serves `model`, with their pointers. */
export function deploymentsServing(
  projectDir: string,
  model: string,
): { name: string; pointer: DeploymentPointer }[] {
  const root = join(projectDir, ".mlc", "deployments");
  if (!existsSync(root)) return [];
  const out: { name: string; pointer: DeploymentPointer }[] = [];
  for (const d of readdirSync(root, { withFileTypes: true })) {
    if (!d.isDirectory() || d.name.startsWith(".")) continue;
    let pointer: DeploymentPointer | undefined;
    try {
      pointer = readDeployment(projectDir, d.name);
    } catch (e) {
      if (e instanceof DeploymentError) continue;
      throw e;
    }
    if (pointer && bundleModel(projectDir, pointer.bundle) === model) out.push({ name: d.name, pointer });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * Moves the aliases to what `name`'s pointer serves now: champion → the serving version, challenger →
 * a rollout's candidate; a challenger that was `before`'s candidate (or now serves) is removed.
 * Versions the registry does not know (a bundle from elsewhere) are left alone. Returns the changes.
 */
export async function syncAliasesToPointer(
  projectDir: string,
  registry: ModelRegistry,
  name: string,
  reason: string,
  before?: DeploymentPointer,
): Promise<string[]> {
  const p = readDeployment(projectDir, name);
  if (!p) return [];
  const model = bundleModel(projectDir, p.bundle);
  if (!model) return [];
  const changes: string[] = [];
  const move = async (alias: Alias, version: number | null) => {
    const now = (await registry.alias(model, alias))?.version ?? null;
    if (now === version) return;
    if (version !== null && !(await registry.version(model, version))) return;
    await registry.setAlias(model, alias, version, reason);
    changes.push(`${model} ${alias} ${now ?? "-"} → ${version ?? "-"}`);
  };
  await move("champion", p.version);
  const candidate = p.rollout?.candidate;
  if (candidate && bundleModel(projectDir, candidate.bundle) === model)
    await move("challenger", candidate.version);
  else {
    const challenger = (await registry.alias(model, "challenger"))?.version;
    if (
      challenger !== undefined &&
      (challenger === p.version ||
        challenger === before?.rollout?.candidate.version ||
        challenger === before?.version)
    )
      await move("challenger", null);
  }
  return changes;
}

/** A deployment pointer to move so serving follows an alias. */
export interface ServingMove {
  name: string;
  target: DeploymentTarget;
  from: number;
}

/** Why a serving move for an alias change cannot be made; the alias is then left as it was. */
export class ServingSyncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ServingSyncError";
  }
}

/**
 * Before `mlc models promote|demote` moves `alias` of `model` to `version` (null: removed): checks
 * every deployment serving the model can follow, and returns the pointer moves to make after the
 * alias moved. Throws ServingSyncError (nothing changed) when serving cannot follow.
 */
export function planServingMove(
  projectDir: string,
  model: string,
  alias: Alias,
  version: number | null,
): ServingMove[] {
  const serving = deploymentsServing(projectDir, model);
  const moves: ServingMove[] = [];
  for (const { name, pointer } of serving) {
    if (pointer.rollout)
      throw new ServingSyncError(
        `deployment '${name}' is in a ${pointer.rollout.kind} rollout of ${model} version ${pointer.rollout.candidate.version}: end it with mlc rollout promote|abort ${name}, which moves the aliases too`,
      );
    // Without a rollout nothing serves the challenger.
    if (alias === "challenger") continue;
    if (version === null)
      throw new ServingSyncError(
        `${model}'s champion is version ${pointer.version}, which deployment '${name}' serves: promote another version instead (mlc models promote ${model}@N), or remove the deploy block`,
      );
    if (pointer.version === version) continue;
    const dir = bundleDirFor(projectDir, name, version);
    try {
      const b = loadBundle(dir);
      if (b.meta.model !== model || b.meta.version !== version)
        throw new BundleError(`it holds ${b.meta.model} version ${b.meta.version}`);
    } catch (e) {
      if (!(e instanceof BundleError)) throw e;
      throw new ServingSyncError(
        `${model} version ${version} has no usable bundle for deployment '${name}' (${dir}: ${e.message.replace(/^bundle \S+: /, "")}), so it cannot serve it and the champion was not moved; deploy it with mlc apply (the deploy block's model) instead`,
      );
    }
    // The version comes back with the online table it was last deployed with.
    const last = readHistory(projectDir, name)
      .filter((h) => h.version === version)
      .at(-1);
    moves.push({
      name,
      from: pointer.version,
      target: {
        version,
        bundle: dir,
        ...(last?.online ? { online: last.online } : {}),
      },
    });
  }
  return moves;
}

/** Makes the moves planServingMove returned. */
export function applyServingMoves(projectDir: string, moves: ServingMove[], reason: string): void {
  for (const m of moves) writeDeployment(projectDir, m.name, m.target, reason);
}
