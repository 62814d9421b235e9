// The deploy executor's prediction log setting: reads `log = files | postgres {…} | redis {…}` (with
// `retention` and `exclude`) into the LogConfig the deployment pointer records for `mlc serve`.
import { isCall, isDuration, isRef } from "../../ir/expr-json.js";
import { DEFAULT_PG_TABLE, DEFAULT_REDIS_LOG_PREFIX, type LogConfig } from "../../serve/log/types.js";
import { NodeFailure } from "../../ir/executor.js";
import type { Json } from "../../ir/graph-ir.js";

type Obj = { [k: string]: Json };
const isObj = (j: Json | undefined): j is Obj => typeof j === "object" && j !== null && !Array.isArray(j);

/** The log a deploy block names; undefined for plain `files` (the server's default, kept forever). */
export function logConfigOf(j: Json | undefined, deployment: string): LogConfig | undefined {
  if (j === undefined || j === null) return undefined;
  const call = isCall(j)
    ? j
    : isRef(j)
      ? { $call: j.$ref[0]!, args: [] as Json[], named: {} as Obj }
      : undefined;
  const fail = (m: string): never => {
    throw new NodeFailure(`deploy ${deployment}: ${m}`, { code: "MLC2307" });
  };
  if (!call) return fail("log must be files, postgres { url = env(…) } or redis { url = env(…) }");
  const named = call.named;
  const retention = named.retention;
  const exclude = named.exclude;
  const extra: Omit<LogConfig, "store"> = {};
  if (retention !== undefined) {
    if (!isDuration(retention) || !(retention.$duration > 0))
      fail("log retention must be a positive duration");
    extra.retention_seconds = (retention as { $duration: number }).$duration;
  }
  if (exclude !== undefined) {
    if (!Array.isArray(exclude) || !exclude.every((x) => typeof x === "string"))
      fail('log exclude must be a list of field names: exclude = ["ssn"]');
    if ((exclude as string[]).length) extra.exclude = [...(exclude as string[])].sort();
  }
  const urlOf = (kind: string): { url: string } | { url_env: string } => {
    const url = named.url ?? call.args[0];
    if (isObj(url) && url.$call === "env" && Array.isArray(url.args) && typeof url.args[0] === "string")
      return { url_env: url.args[0] };
    if (typeof url === "string") {
      let password = "";
      try {
        password = new URL(url).password;
      } catch {
        fail(`${kind} { url = … } is not a URL`);
      }
      if (password) fail(`a literal ${kind} URL must not hold a password; use url = env("VAR")`);
      return { url };
    }
    return fail(`log = ${kind} { url = env("VAR") } needs a URL`);
  };
  const str = (name: string, fallback: string): string => {
    const v = named[name] ?? fallback;
    return typeof v === "string" ? v : fail(`log ${name} must be a string`);
  };
  switch (call.$call) {
    case "files":
      return Object.keys(extra).length ? { store: { kind: "files" }, ...extra } : undefined;
    case "postgres":
      return {
        store: { kind: "postgres", ...urlOf("postgres"), table: str("table", DEFAULT_PG_TABLE) },
        ...extra,
      };
    case "redis":
      return {
        store: { kind: "redis", ...urlOf("redis"), prefix: str("prefix", DEFAULT_REDIS_LOG_PREFIX) },
        ...extra,
      };
    default:
      return fail(`unknown log ${call.$call}; use files, postgres or redis`);
  }
}
