// The deploy executor's online features: reads the `online` store setting and the lowered
// `online_features` record, materialises the model's window and joined inputs per entity as of the
// newest row (src/data/online-materialize.ts) and writes them as a new table of the store.
import { isCall, isRef } from "../../ir/expr-json.js";
import { readJoins } from "../../data/feature-joins.js";
import { inputTableOf } from "../../data/input-table.js";
import { materializeOnline } from "../../data/online-materialize.js";
import { resolveDataPath } from "../../data/project-path.js";
import type { BundleInput } from "../../serve/bundle.js";
import { readHistory, readDeployment } from "../../serve/deployment.js";
import {
  cellValue,
  DEFAULT_REDIS_PREFIX,
  DEFAULT_SQLITE_PATH,
  describeStore,
  openOnlineStore,
  OnlineStoreError,
  type OnlineRef,
  type OnlineStoreRef,
  type OnlineTableMeta,
} from "../../serve/online-store.js";
import { NodeFailure, type ExecContext } from "../../ir/executor.js";
import { type Json, isObj, type JsonObject as Obj } from "../../ir/graph-ir.js";

/** The store a deploy block names (`online = sqlite | sqlite { path } | redis { url, prefix }`); SQLite by default. */
export function onlineStoreOf(j: Json | undefined, projectDir: string, deployment: string): OnlineStoreRef {
  if (j === undefined || j === null) return { kind: "sqlite", path: DEFAULT_SQLITE_PATH };
  const call = isCall(j)
    ? j
    : isRef(j)
      ? { $call: j.$ref[0]!, args: [] as Json[], named: {} as Obj }
      : undefined;
  const arg = (i: number, name: string): Json | undefined => call?.named[name] ?? call?.args[i];
  if (call?.$call === "sqlite") {
    const path = arg(0, "path") ?? DEFAULT_SQLITE_PATH;
    if (typeof path !== "string")
      throw new NodeFailure(`deploy ${deployment}: online = sqlite { path = "…" } needs a path`, {
        code: "MLC2304",
      });
    resolveDataPath(projectDir, path, false); // refuses a path outside the project
    return { kind: "sqlite", path };
  }
  if (call?.$call === "redis") {
    const url = arg(0, "url");
    const prefix = arg(1, "prefix") ?? DEFAULT_REDIS_PREFIX;
    if (typeof prefix !== "string")
      throw new NodeFailure(`deploy ${deployment}: redis { prefix = … } must be a string`, {
        code: "MLC2304",
      });
    if (isObj(url) && url.$call === "env" && Array.isArray(url.args) && typeof url.args[0] === "string")
      return { kind: "redis", url_env: url.args[0], prefix };
    if (typeof url === "string") {
      let password = "";
      try {
        password = new URL(url).password;
      } catch {
        throw new NodeFailure(`deploy ${deployment}: redis { url = … } is not a URL`, { code: "MLC2304" });
      }
      if (password)
        throw new NodeFailure(
          `deploy ${deployment}: a literal Redis URL must not hold a password; use url = env("VAR")`,
          { code: "MLC2304" },
        );
      return { kind: "redis", url, prefix };
    }
    throw new NodeFailure(`deploy ${deployment}: online = redis { url = env("VAR") } needs a URL`, {
      code: "MLC2304",
    });
  }
  throw new NodeFailure(
    `deploy ${deployment}: unknown online store; use sqlite or redis { url = env("…") }`,
    { code: "MLC2304" },
  );
}

export interface OnlineFeatures {
  features: string;
  from: string | null;
  key: string[];
  timestamp: string | null;
}

/** The lowered `online_features` record of a deploy node (also read by `mlc materialize`). */
export function readOnlineFeatures(config: Obj): OnlineFeatures | undefined {
  const o = config.online_features;
  if (!isObj(o)) return undefined;
  if (typeof o.features !== "string" || !Array.isArray(o.key))
    throw new NodeFailure("deploy: online_features in the node config was not made by this version of mlc", {
      code: "MLC2304",
    });
  return {
    features: o.features,
    from: typeof o.from === "string" ? o.from : null,
    key: o.key.filter((k): k is string => typeof k === "string"),
    timestamp: typeof o.timestamp === "string" ? o.timestamp : null,
  };
}

/**
 * Materialises and stores the online table of a deployment version; undefined when the model
 * reads no window or joined input. The pointer is switched to the returned table by the caller.
 */
export async function materializeDeployment(
  ctx: ExecContext,
  m: { deployment: string; model: string; version: number; inputs: readonly BundleInput[] },
): Promise<OnlineRef | undefined> {
  const spec = readOnlineFeatures(ctx.node.config);
  const unused = (): undefined => {
    if (ctx.node.config.online !== undefined)
      ctx.log(
        `online store set, but ${m.model} reads no window aggregation or joined column: requests carry every input`,
      );
    return undefined;
  };
  if (!spec) return unused();
  const where = `deploy ${m.deployment}`;
  const featuresNode = ctx.inputNodes?.get(spec.features);
  if (!featuresNode)
    throw new NodeFailure(`${where}: the features block ${spec.features} is not among its inputs`, {
      code: "MLC2304",
    });
  if (!spec.from)
    throw new NodeFailure(`${where}: online features need ${spec.features} to read a table (\`from\`)`, {
      code: "MLC2304",
    });
  if (!spec.timestamp)
    throw new NodeFailure(
      `${where}: online features need a \`timestamp\` on ${spec.features} or its input, to know what is latest`,
      { code: "MLC2304" },
    );
  const { table } = await inputTableOf(ctx, spec.from);
  const joins = [];
  for (const j of readJoins(featuresNode.config, featuresNode.id))
    joins.push({ spec: j, table: (await inputTableOf(ctx, j.node)).table });
  let made;
  try {
    made = materializeOnline({
      table,
      joins,
      featuresConfig: featuresNode.config,
      key: spec.key,
      time: spec.timestamp,
      inputs: m.inputs.map((i) => i.name),
    });
  } catch (e) {
    if (e instanceof NodeFailure) throw new NodeFailure(`${where}: ${e.message}`, { code: "MLC2304" });
    throw e;
  }
  if (!made) return unused();
  const store = onlineStoreOf(ctx.node.config.online, ctx.projectDir, m.deployment);
  const meta: OnlineTableMeta = {
    format: "mlc-online-table/1",
    deployment: m.deployment,
    model: m.model,
    version: m.version,
    key: spec.key,
    columns: made.columns,
    as_of: made.timestamp ? new Date(made.asOf).toISOString() : made.asOf,
    rows: made.rows.length,
    created: new Date().toISOString(),
  };
  const rows = made.rows.map((r) => ({ key: r.key, values: r.values.map(cellValue) }));
  let s;
  try {
    s = await openOnlineStore(ctx.projectDir, store);
  } catch (e) {
    throw new NodeFailure(`${where}: ${(e as Error).message}`, { code: "MLC2304" });
  }
  try {
    const id = await s.write(meta, rows);
    ctx.log(
      `online table ${id}: ${rows.length} ${spec.key.length ? `${spec.key.join(", ")} entities` : "row (no entity key)"} × ${made.columns.length} looked-up inputs as of ${meta.as_of} in ${describeStore(store)}`,
    );
    return { store, table: id };
  } catch (e) {
    throw new NodeFailure(
      `${where}: ${e instanceof OnlineStoreError ? e.message : `writing the online table failed: ${(e as Error).message}`}`,
      { code: "MLC2304" },
    );
  } finally {
    await s.close();
  }
}

/** Drops the deployment's tables no pointer ever named (a failed deploy's), keeping every one a rollback may return to. */
export async function pruneOnline(projectDir: string, deployment: string, ref: OnlineRef): Promise<number> {
  const keep = new Set<string>([ref.table]);
  const add = (
    r: { online?: OnlineRef; rollout?: { candidate: { online?: OnlineRef } } } | undefined,
  ): void => {
    if (r?.online) keep.add(r.online.table);
    if (r?.rollout?.candidate.online) keep.add(r.rollout.candidate.online.table);
  };
  add(readDeployment(projectDir, deployment));
  for (const e of readHistory(projectDir, deployment)) add(e);
  const s = await openOnlineStore(projectDir, ref.store);
  try {
    return await s.prune(deployment, keep);
  } finally {
    await s.close();
  }
}
