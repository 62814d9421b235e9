// The model registry: numbered versions of each model and the aliases (champion, challenger)
// that point at them, with an audit trail of every alias change. Built on the state store's
// generic registry records, so it works the same on SQLite and PostgreSQL.
import type { Json } from "../ir/graph-ir.js";
import type { RegistryRecord, RegistryRecords, StateStore } from "../ir/state-store.js";

export type Alias = "champion" | "challenger";
export const ALIASES: readonly Alias[] = ["champion", "challenger"];

export interface ModelVersion {
  model: string;
  version: number;
  /** Role → artifact hash: model, pipeline, onnx, report_json, report_html, predictions… */
  artifacts: Record<string, string>;
  metrics: Record<string, number>;
  algorithm: string;
  params: Record<string, Json>;
  /** The model node's fingerprint and run that produced this version. */
  fingerprint: string;
  runId: string;
  /** The spec's git commit when the project is in a git repository. */
  specCommit?: string;
  /** A warm start (`init = champion`): the version training continued from. */
  parent?: number;
  /** Gate results recorded against this version, by gate name. */
  gates: Record<string, { passed: boolean; at: string; results: Json }>;
  created: string;
}

interface AliasEvent {
  model: string;
  alias: Alias;
  /** The version the alias now points at; null when it was removed. */
  version: number | null;
  previous: number | null;
  reason: string;
  at: string;
}

/** A registry write that would give an existing version number to different content. */
export class RegistryConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RegistryConflictError";
  }
}

const VERSIONS = "model_versions";
const ALIAS = "model_aliases";
const HISTORY = "model_alias_history";

const versionKey = (model: string, version: number) => `${model}@${String(version).padStart(8, "0")}`;

function asVersion(r: RegistryRecord): ModelVersion {
  return r.value as unknown as ModelVersion;
}

/** Writes a numbered version once and moves the model's counter past it (see importVersion). */
async function writeVersion(records: RegistryRecords, v: ModelVersion): Promise<boolean> {
  const created = await records.create(
    VERSIONS,
    versionKey(v.model, v.version),
    v as unknown as Json,
    Object.values(v.artifacts),
  );
  await records.raiseSequence(`model.${v.model}`, v.version);
  if (created) return true;
  const r = await records.get(VERSIONS, versionKey(v.model, v.version));
  const have = r ? asVersion(r) : undefined;
  const same = (a: Record<string, string>, b: Record<string, string>) =>
    Object.keys(b).every((role) => a[role] === undefined || a[role] === b[role]);
  if (have && same(have.artifacts, v.artifacts)) return false;
  throw new RegistryConflictError(
    `model ${v.model} version ${v.version} is already recorded with other artifacts (onnx ${have?.artifacts.onnx?.slice(0, 12) ?? "?"}, not ${v.artifacts.onnx?.slice(0, 12) ?? "?"}); a version number is never reused for different content`,
  );
}

export class ModelRegistry {
  /** Reads and writes only the store's records (so a plan, which holds just those, can read it too). */
  constructor(private readonly state: Pick<StateStore, "records">) {}

  /** Records a new version and returns it with its number (1, 2, 3… per model). */
  async addVersion(v: Omit<ModelVersion, "version" | "created" | "gates">): Promise<ModelVersion> {
    // numbered and written in one step, so a version imported meanwhile cannot take the number
    return this.state.records.atomically(`versions.${v.model}`, async (records) => {
      const version = await records.nextSequence(`model.${v.model}`);
      const full: ModelVersion = { ...v, version, gates: {}, created: new Date().toISOString() };
      await writeVersion(records, full);
      return full;
    });
  }

  /**
   * Records a version under its own number (write-once: a number is never given to other content).
   * Returns false when the same version is already recorded with the same artifacts; throws when
   * that number holds another model. The version counter moves past the number in the same step.
   */
  importVersion(v: ModelVersion): Promise<boolean> {
    return this.state.records.atomically(`versions.${v.model}`, (records) => writeVersion(records, v));
  }

  /** The version produced by a given model fingerprint, so re-applying the same model does not add versions. */
  async findByFingerprint(model: string, fingerprint: string): Promise<ModelVersion | undefined> {
    const all = await this.versions(model);
    return all.reverse().find((v) => v.fingerprint === fingerprint);
  }

  async version(model: string, version: number): Promise<ModelVersion | undefined> {
    const r = await this.state.records.get(VERSIONS, versionKey(model, version));
    return r ? asVersion(r) : undefined;
  }

  /** All versions of a model, oldest first. */
  async versions(model: string): Promise<ModelVersion[]> {
    return (await this.state.records.list(VERSIONS, `${model}@`)).map(asVersion);
  }

  /** Every model name with at least one version. */
  async models(): Promise<string[]> {
    const names = new Set((await this.state.records.list(VERSIONS)).map((r) => asVersion(r).model));
    return [...names].sort();
  }

  async recordGate(
    model: string,
    version: number,
    gate: string,
    passed: boolean,
    results: Json,
  ): Promise<void> {
    // Read and written as one step: gates of one version may run at once (`mlc exec` of each).
    const written = await this.state.records.update(VERSIONS, versionKey(model, version), (r) => {
      if (!r) return undefined;
      const v = asVersion(r);
      v.gates[gate] = { passed, at: new Date().toISOString(), results };
      return { value: v as unknown as Json, refs: Object.values(v.artifacts) };
    });
    if (!written) throw new Error(`model ${model} has no version ${version}`);
  }

  async alias(model: string, alias: Alias): Promise<ModelVersion | undefined> {
    const r = await this.state.records.get(ALIAS, `${model}:${alias}`);
    if (!r) return undefined;
    return this.version(model, (r.value as { version: number }).version);
  }

  /**
   * Points an alias at a version (or removes it with null), recording the change and its reason.
   * One atomic step per model: two deploy nodes applied at once (each its own `mlc exec`) each
   * record the other's version as previous, in the order the alias really moved.
   */
  async setAlias(model: string, alias: Alias, version: number | null, reason: string): Promise<AliasEvent> {
    return this.state.records.atomically(`aliases.${model}`, async (records) => {
      const key = `${model}:${alias}`;
      const current = await records.get(ALIAS, key);
      const previous = current ? (current.value as { version: number }).version : null;
      const at = new Date().toISOString();
      const event: AliasEvent = { model, alias, version, previous, reason, at };
      if (version !== null && !(await records.get(VERSIONS, versionKey(model, version))))
        throw new Error(`model ${model} has no version ${version}`);
      const seq = await records.nextSequence(`alias_history.${model}`);
      await records.put(HISTORY, `${model}:${String(seq).padStart(8, "0")}`, event as unknown as Json);
      if (version === null) await records.delete(ALIAS, key);
      else await records.put(ALIAS, key, { version, at, reason });
      return event;
    });
  }

  /** The audit trail of alias changes of a model, oldest first. */
  async history(model: string): Promise<AliasEvent[]> {
    return (await this.state.records.list(HISTORY, `${model}:`)).map((r) => r.value as unknown as AliasEvent);
  }

  /**
   * The champion before the current one: the most recent champion event whose version differs
   * from the current champion's (what `mlc rollback` returns to).
   */
  async previousChampion(model: string): Promise<number | undefined> {
    const current = (await this.alias(model, "champion"))?.version;
    const events = (await this.history(model)).filter((e) => e.alias === "champion" && e.version !== null);
    for (let i = events.length - 1; i >= 0; i--) {
      const e = events[i]!;
      if (e.version !== current) return e.version!;
    }
    return undefined;
  }
}

/** Parses `NAME` or `NAME@VERSION` (VERSION a number or an alias). */
export function parseModelRef(text: string): { model: string; version?: number; alias?: Alias } {
  const at = text.indexOf("@");
  if (at < 0) return { model: text };
  const model = text.slice(0, at);
  const v = text.slice(at + 1);
  if (/^\d+$/.test(v)) return { model, version: Number(v) };
  if ((ALIASES as readonly string[]).includes(v)) return { model, alias: v as Alias };
  throw new Error(`'${v}' is neither a version number nor an alias (${ALIASES.join(", ")})`);
}
