// `mlc materialize`: refreshes a deployment's online table from the data as it is now on disk, for
// the version it serves, without retraining or redeploying (Feast's `materialize`). The sources and
// features the table is computed from are re-run in memory with their own executors and the deploy
// executor's materialisation, using their configs as of the run that deployed the served version;
// nothing is recorded in the plan/apply state, so `mlc plan` still shows the data change.
import { explainNoPointer } from "../serve/deployment-absence.js";
import { createHash } from "node:crypto";
import { readJoins } from "../data/feature-joins.js";
import { materializeDeployment, pruneOnline, readOnlineFeatures } from "../kinds/deploy/online.js";
import { BundleError, loadBundle, type BundleInput } from "../serve/bundle.js";
import {
  readDeployment,
  resolveBundlePath,
  writeDeployment,
  type DeploymentPointer,
} from "../serve/deployment.js";
import { openOnlineStore, type OnlineRef, type OnlineTableMeta } from "../serve/online-store.js";
import { NodeFailure, type ArtifactAccess, type NodeResult } from "../ir/executor.js";
import { executorFor } from "./executor-registry.js";
import { loadExecutors } from "./executor-loader.js";
import type { GraphNode, Json } from "../ir/graph-ir.js";
import type { StateStore } from "../ir/state-store.js";
import { MlcError, type MlcErrorOptions } from "../ir/errors.js";

/** A user-facing refusal or failure of materialize (the CLI prints the message, no stack). */
export class MaterializeError extends MlcError {
  constructor(message: string, opts?: MlcErrorOptions) {
    super("MLC2306", message, opts);
  }
}

interface MaterializeOutcome {
  deployment: string;
  model: string;
  version: number;
  previous?: OnlineRef;
  online: OnlineRef;
  meta: OnlineTableMeta;
  /** The table written is the one already served (the data did not change). */
  unchanged: boolean;
  pointer: DeploymentPointer;
}

/** Artifacts kept in memory: the recomputed tables never reach the project's artifact store. */
class MemoryArtifacts implements ArtifactAccess {
  private readonly objects = new Map<string, Uint8Array>();
  async put(bytes: Uint8Array): Promise<string> {
    const hash = createHash("sha256").update(bytes).digest("hex");
    this.objects.set(hash, bytes);
    return hash;
  }
  async get(hash: string): Promise<Uint8Array> {
    const b = this.objects.get(hash);
    if (!b) throw new Error(`materialize: no in-memory artifact ${hash}`);
    return b;
  }
  async has(hash: string): Promise<boolean> {
    return this.objects.has(hash);
  }
}

/** Node kinds whose executors only read and transform data: re-running them trains nothing (and draws no random numbers, so the seed is moot). */
const RECOMPUTABLE = new Set(["source", "features"]);
const HISTORY = 500;

/** The config a node ran with in its latest successful run that ended before `before` (ISO time). */
async function configAsOf(
  store: StateStore,
  id: string,
  before: string,
): Promise<{ [k: string]: Json } | undefined> {
  for (const r of await store.runsForNode(id, HISTORY))
    if (r.status === "ok" && r.ended !== undefined && r.ended <= before) return r.config;
  return undefined;
}

interface MaterializeOptions {
  log?: (message: string) => void;
  now?: Date;
}

/**
 * Recomputes and switches the online table of `deployment`'s served version. The caller holds the
 * apply lock (deploys write the same pointer). Throws MaterializeError for user-facing problems.
 */
export async function materializeNow(
  projectDir: string,
  deployment: string,
  store: StateStore,
  opts: MaterializeOptions = {},
): Promise<MaterializeOutcome> {
  const log = opts.log ?? (() => undefined);
  let pointer: DeploymentPointer | undefined;
  try {
    pointer = readDeployment(projectDir, deployment);
  } catch (e) {
    throw new MaterializeError((e as Error).message);
  }
  if (!pointer) {
    const why = explainNoPointer(projectDir, deployment);
    throw new MaterializeError(
      why.includes("has never been deployed") ? `${why} (apply its deploy block first)` : why,
    );
  }
  if (pointer.rollout) {
    const r = pointer.rollout;
    throw new MaterializeError(
      `deployment '${deployment}' is in a ${r.kind} rollout (version ${r.candidate.version} beside ${pointer.version}); ` +
        `end it with mlc rollout promote|abort ${deployment}, then materialize the version that serves`,
    );
  }
  if (!pointer.online)
    throw new MaterializeError(
      `deployment '${deployment}' has no online table: version ${pointer.version}'s model reads no window aggregation or joined column, so requests carry every input and there is nothing to materialize`,
    );
  let bundle: { model: string; inputs: BundleInput[] };
  try {
    const b = loadBundle(resolveBundlePath(projectDir, pointer.bundle));
    bundle = { model: b.meta.model, inputs: b.meta.inputs };
  } catch (e) {
    if (e instanceof BundleError)
      throw new MaterializeError(`the served bundle cannot be read: ${e.message}`);
    throw e;
  }

  // The deploy run that put the served version out: its config, and the upstream configs as of then.
  const deployId = `deploy.${deployment}`;
  const record = await store.getNode(deployId);
  if (!record || record.status === "retired")
    throw new MaterializeError(`the state has no ${deployId}; apply the project first`);
  let deployRun;
  for (const r of await store.runsForNode(deployId, HISTORY)) {
    if (
      r.status === "ok" &&
      r.ended !== undefined &&
      (await store.metricsOfRun(r.id)).version === pointer.version
    ) {
      deployRun = r;
      break;
    }
  }
  if (!deployRun)
    throw new MaterializeError(
      `the state records no run of ${deployId} that deployed version ${pointer.version}; re-apply to redeploy it`,
    );
  const asOfDeploy = deployRun.started;
  const deployNode: GraphNode = { ...record.node, config: deployRun.config };

  let spec;
  try {
    spec = readOnlineFeatures(deployNode.config);
  } catch (e) {
    throw new MaterializeError((e as Error).message);
  }
  if (!spec)
    throw new MaterializeError(
      `deployment '${deployment}': ${bundle.model} looks nothing up (its deploy recorded no online features)`,
    );

  const recorded = new Map((await store.listNodes()).map((n) => [n.id, n]));
  const byName = (name: string): string | undefined =>
    deployNode.inputs.map((i) => i.node).find((n) => n === name || n.slice(n.indexOf(".") + 1) === name);
  const nodeAsOf = async (id: string): Promise<GraphNode> => {
    const rec = recorded.get(id);
    if (!rec || rec.status === "retired")
      throw new MaterializeError(
        `${deployId} reads ${id}, which the state no longer records; apply the project first`,
      );
    const config = await configAsOf(store, id, asOfDeploy);
    if (!config)
      throw new MaterializeError(
        `the state has no successful run of ${id} before version ${pointer.version} was deployed; re-apply to redeploy it`,
      );
    return { ...rec.node, config };
  };
  const featuresNode = await nodeAsOf(spec.features);
  const needed: string[] = [];
  for (const n of [spec.from, ...readJoins(featuresNode.config, featuresNode.id).map((j) => j.node)]) {
    const id = n === null ? undefined : byName(n);
    if (!id)
      throw new MaterializeError(
        `${deployId}: the online features read ${n ?? "no table"}, which is not among the deployment's inputs`,
      );
    needed.push(id);
  }

  // The nodes to recompute, upstream first.
  const order: GraphNode[] = [];
  const seen = new Set<string>();
  const visit = async (id: string): Promise<void> => {
    if (seen.has(id)) return;
    seen.add(id);
    const node = await nodeAsOf(id);
    if (!RECOMPUTABLE.has(node.kind))
      throw new MaterializeError(
        `${deployment}'s online features read ${id}, a ${node.kind} block; materialize recomputes only sources and features (run mlc apply)`,
      );
    for (const i of node.inputs) await visit(i.node);
    order.push(node);
  };
  for (const id of needed) await visit(id);

  await loadExecutors();
  const artifacts = new MemoryArtifacts();
  const results = new Map<string, NodeResult>();
  const signal = new AbortController().signal;
  for (const node of order) {
    const ex = executorFor(node.kind);
    if (!ex) throw new MaterializeError(`no executor is registered for node kind '${node.kind}'`);
    const inputs = new Map(
      node.inputs.flatMap((i) => (results.has(i.node) ? [[i.node, results.get(i.node)!] as const] : [])),
    );
    try {
      const r = await ex.run({
        projectDir,
        node,
        inputs,
        artifacts,
        seed: 0,
        signal,
        inputNodes: new Map(
          node.inputs
            .map((i) => [i.node, order.find((o) => o.id === i.node)!] as const)
            .filter(([, n]) => n !== undefined),
        ),
        log: (m) => log(`${node.id}: ${m}`),
        progress: () => undefined,
      });
      results.set(node.id, r);
    } catch (e) {
      if (e instanceof NodeFailure) throw new MaterializeError(e.message);
      throw e;
    }
  }

  let online: OnlineRef | undefined;
  try {
    online = await materializeDeployment(
      {
        projectDir,
        node: deployNode,
        inputs: results,
        artifacts,
        seed: 0,
        signal,
        inputNodes: new Map([[featuresNode.id, featuresNode]]),
        log: (m) => log(`${deployId}: ${m}`),
        progress: () => undefined,
      },
      { deployment, model: bundle.model, version: pointer.version, inputs: bundle.inputs },
    );
  } catch (e) {
    if (e instanceof NodeFailure) throw new MaterializeError(e.message);
    throw e;
  }
  if (!online)
    throw new MaterializeError(
      `deployment '${deployment}': version ${pointer.version} of ${bundle.model} reads no window aggregation or joined column: nothing to materialize`,
    );

  const s = await openOnlineStore(projectDir, online.store, { readonly: true });
  let meta: OnlineTableMeta | undefined;
  try {
    meta = await s.meta(online.table);
  } finally {
    await s.close();
  }
  if (!meta) throw new MaterializeError(`online table ${online.table} was written but cannot be read back`);
  const previous = pointer.online;
  const unchanged = JSON.stringify(previous) === JSON.stringify(online);
  let next = pointer;
  if (!unchanged) {
    // The same version and bundle with the new table; history records it, so a rollback to this
    // version brings this table, and a rollback past it brings the older version's own table.
    next = writeDeployment(
      projectDir,
      deployment,
      { version: pointer.version, bundle: pointer.bundle, online },
      `materialized as of ${meta.as_of}`,
      opts.now,
    );
    const dropped = await pruneOnline(projectDir, deployment, online);
    if (dropped) log(`dropped ${dropped} online table${dropped === 1 ? "" : "s"} no version points at`);
  }
  return {
    deployment,
    model: bundle.model,
    version: pointer.version,
    ...(previous ? { previous } : {}),
    online,
    meta,
    unchanged,
    pointer: next,
  };
}
