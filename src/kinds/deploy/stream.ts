// The `stream { … }` serving target of a deploy node, read from its lowered call into the StreamTarget
// that `mlc serve` runs (src/serve/stream-config.ts); defaults come from the built-in's declaration.
import { isCall, isDuration, isRef } from "../../ir/expr-json.js";
import { lookupBuiltin } from "../../compiler/builtins/registry.js";
import type { StreamTarget } from "../../serve/stream-config.js";
import { NodeFailure } from "../../ir/executor.js";
import type { Json } from "../../ir/graph-ir.js";

type Call = { $call: string; args: Json[]; named: { [k: string]: Json } };

/** The target of `serve = stream { … }`; throws a coded failure for a value validate could not see. */
export function streamTargetOf(serve: Call, deployment: string): StreamTarget {
  const spec = lookupBuiltin("stream", ["serving"]);
  const params = spec?.params ?? [];
  const value = (name: string): Json | undefined => {
    const i = params.findIndex((p) => p.name === name);
    const given = serve.named[name] ?? (i >= 0 ? serve.args[i] : undefined);
    if (given !== undefined) return given;
    const def = params[i]?.default;
    if (def?.type === "number") return def.value;
    if (def?.type === "duration") return { $duration: def.seconds };
    if (def?.type === "name") return def.value;
    return undefined;
  };
  const fail = (msg: string): never => {
    throw new NodeFailure(`deploy ${deployment}: stream { ${msg} }`, { code: "MLC2302" });
  };
  const str = (name: string, fallback?: string): string => {
    const v = value(name) ?? fallback;
    return typeof v === "string" && v !== "" ? v : fail(`${name} = "…" } needs a stream name`);
  };
  const int = (name: string): number => {
    const v = value(name);
    return typeof v === "number" && Number.isInteger(v) && v >= 1
      ? v
      : fail(`${name} must be a positive integer`);
  };
  const seconds = (name: string): number => {
    const v = value(name);
    return v !== undefined && isDuration(v) && v.$duration > 0
      ? v.$duration
      : fail(`${name} must be a duration`);
  };
  const url = value("url");
  const where =
    url !== undefined && isCall(url) && url.$call === "env" && typeof url.args[0] === "string"
      ? { url_env: url.args[0] }
      : typeof url === "string"
        ? { url }
        : fail('url = env("VAR") is required');
  const input = str("input");
  // a bare name (`transport = nats`) is lowered as a reference, a quoted one as a string
  const given = value("transport");
  const transport = given !== undefined && isRef(given) ? given.$ref.join(".") : given;
  if (transport !== "redis" && transport !== "nats") fail('transport must be "redis" or "nats"');
  return {
    format: "mlc-stream/1",
    ...(transport === "nats" ? { transport: "nats" as const } : {}),
    ...where,
    input,
    output: str("output"),
    group: str("group", `mlc-${deployment}`),
    dead_letter: str("dead_letter", `${input}.dead`),
    batch: int("batch"),
    claim_idle_ms: Math.round(seconds("claim_idle") * 1000),
    dedup_s: Math.ceil(seconds("dedup")),
    workers: int("workers"),
  };
}
