// Answer caches of a deployment (`cache = redis { url = env("MLC_CACHE_URL"), ttl = 10m }`): where
// `POST /v1/recommend` keeps each top-K answer for `ttl`, keyed by the model version that computed it.
import { d, t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import { noPasswordInUrl } from "./online-stores.js";
import type { ArgProblem, BoundArgs, FunctionBuiltin } from "./types.js";

/** A literal URL without a password, and a TTL of at least a second (Redis expires keys by the millisecond, answers by the second). */
function checkCache(args: BoundArgs): ArgProblem[] {
  const problems = noPasswordInUrl(args);
  const ttl = args.get("ttl")?.[0];
  if (ttl?.type === "duration" && !(ttl.seconds >= 1))
    problems.push({ param: "ttl", message: `the TTL must be at least 1s, got ${ttl.raw}` });
  return problems;
}

for (const b of [
  {
    family: "cache",
    name: "redis",
    returns: "any",
    doc: "A Redis server shared by every replica: each answer under `<prefix>:<deployment>:v<version>:…`, expiring after `ttl`. A new version never serves the old one's answers; an unreachable server only costs the cache (counted in `/metrics`).",
    params: [
      {
        name: "url",
        type: t.union(t.call("secret"), t.string()),
        required: true,
        doc: 'a redis:// URL, normally `env("MLC_CACHE_URL")` (read when serving, never stored)',
      },
      {
        name: "ttl",
        type: t.duration(),
        required: false,
        default: d.duration("10m", 600),
        doc: "how long an answer is served from the cache (at least 1s)",
      },
      {
        name: "prefix",
        type: t.string(),
        required: false,
        default: d.string("mlc:recommend"),
        doc: "the prefix of every key mlc writes",
      },
    ],
    checkArgs: checkCache,
  },
] satisfies FunctionBuiltin[])
  registerBuiltin(b);
