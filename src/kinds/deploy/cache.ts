// `cache = redis { url = env("MLC_CACHE_URL"), ttl = 10m }` on a deploy block: where /v1/recommend
// keeps its answers. The language accepts it only where /v1/recommend answers, a factorisation model
// (MLC1186); the executor reads it into the deployment pointer, recording an env URL by name only.
import type { KindCheckContext } from "../../compiler/schema/hook.js";
import { CheckCode } from "../../compiler/checker/codes.js";
import { isCall, isDuration, isRef } from "../../ir/expr-json.js";
import type { Json } from "../../ir/graph-ir.js";
import { NodeFailure } from "../../ir/executor.js";
import { DEFAULT_CACHE_PREFIX, type RecommendCacheConfig } from "../../serve/recommend-config.js";
import { modelAlgorithm, RETRIEVAL_ALGORITHMS } from "./cold-start.js";

/**
 * MLC1210: an answer cache on a stream or batch target, which answers no /v1/recommend (a serverless
 * function is refused by the deploy kind's own check); MLC1186: on a deployment whose model cannot serve it.
 */
export function checkCache(ctx: KindCheckContext, model: string): void {
  const cache = ctx.attribute("cache");
  if (!cache) return;
  const serve = ctx.attribute("serve");
  const target = serve?.type === "call" ? serve.callee : serve?.type === "ref" ? serve.path[0] : undefined;
  if (target === "stream" || target === "batch") {
    ctx.report(
      CheckCode.cacheOnNonRestTarget,
      cache.span,
      `deployment \`${ctx.name}\` serves ${target === "stream" ? "a stream" : "a batch file"}, which answers no /v1/recommend: its answer \`cache\` would never be read`,
      {
        hint: "remove `cache`, or serve over rest or a container",
        related: [{ message: "the serving target", span: serve!.span }],
      },
    );
    return;
  }
  const { name, algorithm } = modelAlgorithm(ctx, model);
  if (!name || RETRIEVAL_ALGORITHMS.includes(name)) return;
  ctx.report(
    CheckCode.cacheWithoutRecommend,
    cache.span,
    `deployment \`${ctx.name}\` declares an answer cache, but model \`${model}\` (\`${name}\`) does not serve /v1/recommend, the only answers cached`,
    {
      hint: `cache applies to ${RETRIEVAL_ALGORITHMS.join(", ")} models; remove it or change the model's algorithm`,
      ...(algorithm ? { related: [{ message: "the model's algorithm", span: algorithm.span }] } : {}),
    },
  );
}

type Obj = { [k: string]: Json };
const isObj = (j: Json | undefined): j is Obj => typeof j === "object" && j !== null && !Array.isArray(j);

/** The cache of a deploy node's `cache`, or undefined without one. */
export function cacheOf(value: Json | undefined, deployment: string): RecommendCacheConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const fail = (m: string): never => {
    throw new NodeFailure(`deploy ${deployment}: ${m}`, { code: "MLC2209" });
  };
  const call = isCall(value)
    ? value
    : isRef(value)
      ? { $call: value.$ref[0]!, args: [] as Json[], named: {} as Obj }
      : undefined;
  if (!call || call.$call !== "redis") return fail('cache must be redis { url = env("VAR"), ttl = 10m }');
  const named = call.named;
  const url = named.url ?? call.args[0];
  let where: { url: string } | { url_env: string };
  if (isObj(url) && url.$call === "env" && Array.isArray(url.args) && typeof url.args[0] === "string")
    where = { url_env: url.args[0] };
  else if (typeof url === "string") {
    let password = "";
    try {
      password = new URL(url).password;
    } catch {
      fail("cache = redis { url = … } is not a URL");
    }
    if (password) fail('a literal cache URL must not hold a password; use url = env("VAR")');
    where = { url };
  } else return fail('cache = redis { url = env("VAR") } needs a URL');
  const ttl = named.ttl ?? { $duration: 600 };
  if (!isDuration(ttl) || !(ttl.$duration >= 1)) return fail("cache ttl must be a duration of at least 1s");
  const prefix = named.prefix ?? DEFAULT_CACHE_PREFIX;
  if (typeof prefix !== "string" || prefix === "") return fail("cache prefix must be a non-empty string");
  return { store: { kind: "redis", ...where, prefix }, ttl_seconds: ttl.$duration };
}
