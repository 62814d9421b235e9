// Deployments shared between checkouts: with a shared state (PostgreSQL) or a shared artifact store,
// each deployment's history (the pointer changes, oldest first) is kept in the state as write-once
// records, and every bundle it names is kept as two objects of the store (model.onnx, bundle.json),
// every SQLite online table it names as one object (the table's export; a table id is a content id,
// so the table never changes). A Redis online table is shared by Redis itself.
// A checkout that never built a bundle folder downloads its objects (verified), writes the folder
// atomically (publishBundle) and adopts the history, so it can serve and roll back what another applied.
import { readdirSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { canonicalJson } from "../ir/expr-json.js";
import { isObj, type Json } from "../ir/graph-ir.js";
import type { StateStore } from "../ir/state-store.js";
import {
  BUNDLE_JSON,
  BUNDLE_ONNX,
  BundleError,
  loadBundle,
  publishBundle,
  validateBundleMeta,
  type BundleMeta,
} from "../serve/bundle.js";
import {
  adoptHistory,
  DeploymentError,
  readHistory,
  resolveBundlePath,
  type HistoryEntry,
} from "../serve/deployment.js";
import { OnlineStoreError, sqlitePath, type OnlineStoreRef } from "../serve/online-store.js";
import { SqliteOnlineStore, validateTableExport, type SqliteTableExport } from "../serve/online-sqlite.js";
import { openArtifacts, type ArtifactStore } from "./artifacts/store.js";
import { openState } from "./state/open.js";
import { storageSettings } from "./storage-settings.js";

/** Collection of history entries, keyed `<deployment>/<8-digit index>`; write-once, so two writers never both append entry N. */
export const HISTORY_COLLECTION = "deployment_history";
/** Collection of shared bundles, keyed by the bundle's path in the project (`.mlc/bundles/api/v1`). */
export const BUNDLE_COLLECTION = "deployment_bundles";
/** Collection of shared SQLite online tables, keyed by table id; each value names the export's object. */
export const ONLINE_COLLECTION = "deployment_online_tables";

/** The change announcement's topic of a deployment's shared history (its key: the deployment's name). */
export const DEPLOYMENT_TOPIC = "deployment";

const entryKey = (name: string, i: number) => `${name}/${String(i).padStart(8, "0")}`;

/** Whether this checkout shares its deployments: a PostgreSQL state, or a shared artifact store. */
export function sharesDeployments(state: StateStore, artifacts: ArtifactStore): boolean {
  return state.backend === "postgres" || artifacts.remote !== undefined;
}

/** The bundle paths an entry names (its version, a rollout's candidate, an experiment's arms). */
function bundlesOf(e: HistoryEntry): string[] {
  const out = [e.bundle];
  if (e.rollout) out.push(e.rollout.candidate.bundle);
  for (const a of e.experiment?.arms ?? []) out.push(a.target.bundle);
  return [...new Set(out)];
}

/** The SQLite online tables an entry's versions look inputs up in (a Redis table is shared already). */
function sqliteTablesOf(
  e: HistoryEntry,
): { store: Extract<OnlineStoreRef, { kind: "sqlite" }>; table: string }[] {
  const refs = [
    e.online,
    e.rollout?.candidate.online,
    ...(e.experiment?.arms ?? []).map((a) => a.target.online),
  ];
  const out = new Map<string, { store: Extract<OnlineStoreRef, { kind: "sqlite" }>; table: string }>();
  for (const r of refs)
    if (r && r.store.kind === "sqlite" && !isAbsolute(r.store.path))
      out.set(`${r.store.path}\u0000${r.table}`, { store: r.store, table: r.table });
  return [...out.values()];
}

interface SharedBundle {
  onnx: string;
  json: string;
}

const isSharedBundle = (v: Json): v is { onnx: string; json: string } =>
  isObj(v) && typeof v.onnx === "string" && typeof v.json === "string";

export class SharedDeployments {
  constructor(
    private readonly projectDir: string,
    private readonly state: StateStore,
    private readonly artifacts: ArtifactStore,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  private async sharedHistory(name: string): Promise<HistoryEntry[]> {
    const recs = await this.state.records.list(HISTORY_COLLECTION, `${name}/`);
    return recs.map((r) => r.value as unknown as HistoryEntry);
  }

  private localNames(): string[] {
    const root = join(this.projectDir, ".mlc", "deployments");
    try {
      return readdirSync(root, { withFileTypes: true })
        .filter((d) => d.isDirectory() && !d.name.startsWith("."))
        .map((d) => d.name);
    } catch {
      return [];
    }
  }

  /** Every deployment either side knows, reconciled one by one. */
  async syncAll(): Promise<void> {
    const names = new Set(this.localNames());
    for (const r of await this.state.records.list(HISTORY_COLLECTION)) names.add(r.key.split("/")[0]!);
    for (const name of [...names].sort()) await this.sync(name);
  }

  /**
   * Reconciles one deployment: a local history that extends the shared one is shared (its bundles
   * first, then its new entries); a shared history that extends the local one is adopted (the
   * bundles it names materialised first). When both changed, the shared one wins and the local one
   * is kept beside it as `.history.ndjson.diverged-<ms>`.
   */
  async sync(name: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const local = readHistory(this.projectDir, name);
      const shared = await this.sharedHistory(name);
      let common = 0;
      const n = Math.min(local.length, shared.length);
      while (
        common < n &&
        canonicalJson(local[common] as unknown as Json) === canonicalJson(shared[common] as unknown as Json)
      )
        common++;
      if (common === local.length && common === shared.length) return;
      if (common === shared.length) {
        if (await this.push(name, local, common)) return;
        continue; // another checkout appended meanwhile: compare again
      }
      const diverged = common < local.length;
      const last = shared.at(-1)!;
      // Every bundle the history names: the pointer's, the ones a rollback returns to, and the
      // one the deploy node last built (which plan checks). Each is downloaded once per checkout.
      const bundles = new Set(shared.flatMap(bundlesOf).filter((b) => !isAbsolute(b)));
      for (const b of bundles) await this.materialise(name, b);
      for (const t of new Map(
        shared.flatMap(sqliteTablesOf).map((t) => [`${t.store.path}\u0000${t.table}`, t]),
      ).values())
        await this.materialiseOnline(name, t.store, t.table);
      adoptHistory(this.projectDir, name, shared, diverged);
      if (diverged)
        this.log(
          `deployment ${name}: the shared state moved on while this checkout changed it; now serving version ${last.version} as the shared state says (this checkout's history kept as .mlc/deployments/${name}/.history.ndjson.diverged-*)`,
        );
      return;
    }
    throw new DeploymentError(`deployment ${name}: its shared history keeps changing; try again`);
  }

  /** Appends local[from..] to the shared history; false when another writer took one of the indices. */
  private async push(name: string, local: HistoryEntry[], from: number): Promise<boolean> {
    for (let i = from; i < local.length; i++) {
      const entry = local[i]!;
      for (const b of bundlesOf(entry)) await this.share(b);
      for (const t of sqliteTablesOf(entry)) await this.shareOnline(t.store, t.table);
      if (!(await this.state.records.create(HISTORY_COLLECTION, entryKey(name, i), entry as unknown as Json)))
        return false;
    }
    // Servers following this deployment (`mlc serve`, PostgreSQL) look at once instead of at their next poll.
    if (from < local.length)
      await this.state.changes
        ?.notify({ topic: DEPLOYMENT_TOPIC, key: name })
        .catch((e: unknown) =>
          this.log(
            `deployment ${name}: following servers were not told at once (they see the change at their next poll): ${(e as Error).message}`,
          ),
        );
    return true;
  }

  /** Stores a bundle folder's two files in the artifact store, once, and records them by path. */
  private async share(bundle: string): Promise<void> {
    if (isAbsolute(bundle)) return; // outside the project: not this checkout's to share
    if (await this.state.records.get(BUNDLE_COLLECTION, bundle)) return;
    const dir = resolveBundlePath(this.projectDir, bundle);
    try {
      loadBundle(dir);
    } catch (e) {
      if (!(e instanceof BundleError)) throw e;
      this.log(`bundle ${bundle} is not shared: ${e.message}`);
      return;
    }
    const onnx = await this.artifacts.putFile(join(dir, BUNDLE_ONNX));
    const json = await this.artifacts.put(readFileSync(join(dir, BUNDLE_JSON)));
    const value: SharedBundle = { onnx, json };
    await this.state.records.create(BUNDLE_COLLECTION, bundle, { ...value }, [onnx, json]);
  }

  /** Stores a SQLite online table as one object (its export) in the artifact store, once, and records it by table id. */
  private async shareOnline(
    store: Extract<OnlineStoreRef, { kind: "sqlite" }>,
    table: string,
  ): Promise<void> {
    if (await this.state.records.get(ONLINE_COLLECTION, table)) return;
    let exported: SqliteTableExport | undefined;
    try {
      const db = SqliteOnlineStore.open(sqlitePath(this.projectDir, store), store.path, true);
      try {
        exported = db.exportTable(table);
      } finally {
        await db.close();
      }
    } catch (e) {
      if (!(e instanceof OnlineStoreError)) throw e;
      this.log(`online table ${table} is not shared: ${e.message}`);
      return;
    }
    if (!exported) {
      this.log(`online table ${table} is not shared: ${store.path} has no such table here`);
      return;
    }
    const object = await this.artifacts.put(new TextEncoder().encode(JSON.stringify(exported)));
    await this.state.records.create(ONLINE_COLLECTION, table, { object }, [object]);
  }

  /**
   * Makes the SQLite online table `table` exist in this checkout's store: kept when it is there,
   * otherwise imported from its shared export (verified against its hash as it comes down) in one
   * transaction, under its own id.
   */
  async materialiseOnline(
    name: string,
    store: Extract<OnlineStoreRef, { kind: "sqlite" }>,
    table: string,
  ): Promise<void> {
    const db = SqliteOnlineStore.open(sqlitePath(this.projectDir, store), store.path, false);
    try {
      if (await db.meta(table)) return;
      const rec = await this.state.records.get(ONLINE_COLLECTION, table);
      const object =
        rec && isObj(rec.value) && typeof rec.value.object === "string" ? rec.value.object : undefined;
      if (!object)
        throw new DeploymentError(
          `deployment ${name}: online table ${table} is neither in this checkout's ${store.path} nor in the shared store`,
          {
            hint: "apply the project in the checkout that deployed it (its online tables are shared when it next runs)",
          },
        );
      let exported: unknown;
      try {
        exported = JSON.parse(new TextDecoder().decode(await this.artifacts.get(object)));
      } catch (e) {
        if (!(e instanceof SyntaxError)) throw e;
        throw new DeploymentError(
          `deployment ${name}: the shared export of online table ${table} is not JSON: ${e.message}`,
        );
      }
      const errs = validateTableExport(exported, table);
      if (errs.length)
        throw new DeploymentError(
          `deployment ${name}: the shared export of online table ${table} is invalid:\n  ${errs.join("\n  ")}`,
        );
      db.importTable(exported as SqliteTableExport);
    } finally {
      await db.close();
    }
  }

  /**
   * Makes the bundle folder `bundle` exist and verify here: kept when it loads, otherwise written from
   * the shared store's objects (each verified against its hash) through publishBundle, which writes
   * atomically and never overwrites another model's bundle.
   */
  async materialise(name: string, bundle: string): Promise<void> {
    const dir = resolveBundlePath(this.projectDir, bundle);
    try {
      loadBundle(dir);
      return;
    } catch (e) {
      if (!(e instanceof BundleError)) throw e;
    }
    const rec = await this.state.records.get(BUNDLE_COLLECTION, bundle);
    if (!rec || !isSharedBundle(rec.value))
      throw new DeploymentError(
        `deployment ${name}: bundle ${bundle} is neither in this checkout nor in the shared store`,
        {
          hint: "apply the project in the checkout that deployed it (its bundles are shared when it next runs)",
        },
      );
    const onnx = await this.artifacts.get(rec.value.onnx);
    // Both objects are verified against their hashes as they come down (MLC2400 when they do not match).
    const text = new TextDecoder().decode(await this.artifacts.get(rec.value.json));
    let meta: unknown;
    try {
      meta = JSON.parse(text);
    } catch (e) {
      throw new DeploymentError(
        `deployment ${name}: the shared bundle.json of ${bundle} is not JSON: ${(e as Error).message}`,
      );
    }
    const errs = validateBundleMeta(meta);
    if (errs.length)
      throw new DeploymentError(
        `deployment ${name}: the shared bundle.json of ${bundle} is invalid:\n  ${errs.join("\n  ")}`,
      );
    const published = publishBundle(dir, onnx, meta as BundleMeta);
    if (published.action === "repaired")
      this.log(`bundle ${bundle} was damaged (${published.damaged}); set aside as ${published.movedTo}`);
  }
}

/** Reconciles every deployment of the project with the shared state, when it shares one. */
export async function syncDeployments(
  projectDir: string,
  state: StateStore,
  artifacts: ArtifactStore,
  log?: (message: string) => void,
  name?: string,
): Promise<void> {
  if (!sharesDeployments(state, artifacts)) return;
  const s = new SharedDeployments(projectDir, state, artifacts, log);
  if (name) await s.sync(name);
  else await s.syncAll();
}

/** Whether the project's settings share deployments (a PostgreSQL state or a shared store), without opening either. */
export function projectSharesDeployments(projectDir: string): boolean {
  const settings = storageSettings(projectDir);
  return !!settings.artifacts || !!(settings.state && /^postgres(ql)?:\/\//.test(settings.state));
}

/**
 * Runs `op` on one deployment with the shared state reconciled before and after it (a no-op for a
 * project that shares nothing): `mlc serve`, `mlc rollback` and `mlc rollout` act on what the
 * other checkouts did, and the others see what they did.
 */
export async function withSharedDeployment<T>(
  projectDir: string,
  name: string,
  op: () => Promise<T> | T,
  log?: (message: string) => void,
): Promise<T> {
  if (!projectSharesDeployments(projectDir)) return op();
  const state = await openState(projectDir);
  try {
    const artifacts = openArtifacts(projectDir);
    await syncDeployments(projectDir, state, artifacts, log, name);
    const out = await op();
    await syncDeployments(projectDir, state, artifacts, log, name);
    return out;
  } finally {
    await state.close();
  }
}

/**
 * Reconciles every deployment of the project with the shared state (a no-op for a project that shares
 * nothing): `mlc models promote|demote` first adopts what other checkouts did, and afterwards shares
 * the pointer moves it made, so servers of other checkouts follow them.
 */
export async function syncProjectDeployments(
  projectDir: string,
  log?: (message: string) => void,
): Promise<void> {
  if (!projectSharesDeployments(projectDir)) return;
  const state = await openState(projectDir);
  try {
    await syncDeployments(projectDir, state, openArtifacts(projectDir), log);
  } finally {
    await state.close();
  }
}

/** Writes a bundle folder of `name` from the shared store when this checkout lacks it (a no-op otherwise, or without a shared store). */
export async function materialiseShared(projectDir: string, name: string, bundle: string): Promise<void> {
  try {
    loadBundle(resolveBundlePath(projectDir, bundle));
    return;
  } catch (e) {
    if (!(e instanceof BundleError)) throw e;
  }
  if (!projectSharesDeployments(projectDir)) return;
  const state = await openState(projectDir);
  try {
    await new SharedDeployments(projectDir, state, openArtifacts(projectDir)).materialise(name, bundle);
  } finally {
    await state.close();
  }
}
