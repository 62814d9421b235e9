// The online feature store: per deployment version, a table of the latest looked-up input values
// per entity key, written by the deploy executor and read by `mlc serve`. SQLite (default) or Redis.
import { createHash } from "node:crypto";
import { isAbsolute, resolve } from "node:path";
import { MlcError, type MlcErrorOptions } from "../ir/errors.js";
import { isObj } from "../ir/graph-ir.js";

/**
 * Where a deployment's online tables live, as recorded in the deployment pointer. Never holds a
 * credential: a Redis URL from the environment is recorded by the variable's name only.
 */
export type OnlineStoreRef =
  | { kind: "sqlite"; /** relative to the project directory, or absolute */ path: string }
  | {
      kind: "redis";
      /** a literal URL without a password */ url?: string;
      /** the environment variable holding the URL */ url_env?: string;
      /** key prefix */ prefix: string;
    };

/** The online table a deployment version serves with: the store and the table's id in it. */
export interface OnlineRef {
  store: OnlineStoreRef;
  table: string;
}

interface OnlineColumn {
  name: string;
  /** How the value was made: a window aggregation of the features block, or a point-in-time join. */
  source: "window" | "join";
}

/** What a table holds, stored beside its rows. */
export interface OnlineTableMeta {
  format: "mlc-online-table/1";
  deployment: string;
  model: string;
  version: number;
  /** Entity key fields of a request (empty: one row serves every request). */
  key: string[];
  /** The looked-up inputs, in the order of each row's values. */
  columns: OnlineColumn[];
  /** The materialisation time: windows end here (exclusive) and joins look back from here. ISO-8601, or a number for numeric time columns. */
  as_of: string | number;
  rows: number;
  /** ISO-8601 time the table was written. */
  created: string;
}

/** One row: the entity's key values and its looked-up values (JSON: numbers, strings, booleans, null). */
export interface OnlineRow {
  key: unknown[];
  values: (number | string | boolean | null)[];
}

export interface OnlineStore {
  readonly describe: string;
  /** Writes a table under a new id (or returns the id of an identical table already there). Atomic: readers see all of it or none. */
  write(meta: OnlineTableMeta, rows: readonly OnlineRow[]): Promise<string>;
  meta(table: string): Promise<OnlineTableMeta | undefined>;
  /** Values per entity id (see entityId), undefined where the table has no such entity. */
  lookup(table: string, entities: readonly string[]): Promise<(OnlineRow["values"] | undefined)[]>;
  /** Drops this deployment's tables that are not in `keep`; returns how many were dropped. */
  prune(deployment: string, keep: ReadonlySet<string>): Promise<number>;
  close(): Promise<void>;
}

export class OnlineStoreError extends MlcError {
  constructor(message: string, opts?: MlcErrorOptions) {
    super("MLC2304", message, opts);
  }
}

export const DEFAULT_SQLITE_PATH = ".mlc/online.db";
export const DEFAULT_REDIS_PREFIX = "mlc:online";

/** One string per entity, the same whether a key value comes from a table column or a JSON request. */
export function entityId(values: readonly unknown[]): string {
  return values
    .map((v) => {
      if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) return "\u0000";
      if (v instanceof Date) return v.toISOString();
      return String(v);
    })
    .join("\u001f");
}

/** A JSON value for a table cell (NaN = null; times as ISO-8601). */
export function cellValue(v: unknown): number | string | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (typeof v === "bigint") return Number(v);
  return String(v);
}

/** A content id for a table: identical materialisations share one table. */
export function tableId(meta: OnlineTableMeta, rows: readonly OnlineRow[]): string {
  const h = createHash("sha256");
  const { created: _created, ...identity } = meta;
  h.update(JSON.stringify(identity));
  for (const r of rows)
    h.update("\n").update(entityId(r.key)).update("\u0002").update(JSON.stringify(r.values));
  return `${meta.deployment}.v${meta.version}.${h.digest("hex").slice(0, 20)}`;
}

/** The Redis URL a ref points at, from the environment when it names a variable. Never printed. */
function redisUrl(ref: Extract<OnlineStoreRef, { kind: "redis" }>): string {
  if (ref.url) return ref.url;
  const name = ref.url_env ?? "";
  const v = process.env[name];
  if (v === undefined || v === "")
    throw new OnlineStoreError(
      `the environment variable ${name || "(none)"} is not set (it holds the online store's Redis URL)`,
    );
  return v;
}

/** A description of a store for logs and messages: no URL, no credential. */
export function describeStore(ref: OnlineStoreRef): string {
  if (ref.kind === "sqlite") return `sqlite ${ref.path}`;
  if (ref.url_env) return `redis (env ${ref.url_env})`;
  try {
    const u = new URL(ref.url ?? "");
    return `redis ${u.hostname}${u.port ? `:${u.port}` : ""}`;
  } catch {
    return "redis";
  }
}

/** Problems with a pointer's `online` value ("field: problem"); empty when valid. */
export function validateOnlineRef(v: unknown): string[] {
  if (!isObj(v)) return ["online: expected { store, table }"];
  const errs: string[] = [];
  if (typeof v.table !== "string" || v.table === "") errs.push("online.table: expected a table id");
  const s = v.store;
  if (!isObj(s)) errs.push("online.store: expected { kind, … }");
  else if (s.kind === "sqlite") {
    if (typeof s.path !== "string" || s.path === "") errs.push("online.store.path: expected the SQLite file");
  } else if (s.kind === "redis") {
    if (typeof s.url !== "string" && typeof s.url_env !== "string")
      errs.push("online.store: a Redis store needs url or url_env");
    if (typeof s.prefix !== "string") errs.push("online.store.prefix: expected a string");
  } else errs.push(`online.store.kind: expected "sqlite" or "redis"`);
  return errs;
}

export const sqlitePath = (projectDir: string, ref: Extract<OnlineStoreRef, { kind: "sqlite" }>): string =>
  isAbsolute(ref.path) ? ref.path : resolve(projectDir, ref.path);

/** Opens the store a ref names (the Redis and SQLite modules load only when used). */
export async function openOnlineStore(
  projectDir: string,
  ref: OnlineStoreRef,
  opts: { readonly?: boolean } = {},
): Promise<OnlineStore> {
  if (ref.kind === "sqlite") {
    const { SqliteOnlineStore } = await import("./online-sqlite.js");
    return SqliteOnlineStore.open(sqlitePath(projectDir, ref), ref.path, opts.readonly ?? false);
  }
  const { RedisOnlineStore } = await import("./online-redis.js");
  return RedisOnlineStore.open(redisUrl(ref), ref.prefix, describeStore(ref));
}

/** Stores shared by ref within a process (a server holds one connection per store, not per version). */
export const storeKey = (projectDir: string, ref: OnlineStoreRef): string =>
  ref.kind === "sqlite"
    ? `sqlite\u0000${sqlitePath(projectDir, ref)}`
    : `redis\u0000${ref.url ?? ""}\u0000${ref.url_env ?? ""}\u0000${ref.prefix}`;
