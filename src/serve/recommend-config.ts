// What a deployment pointer says about /v1/recommend: the cold-start chain, the paths tried in order
// for a user the model's retrieval file does not know. Shared by the deploy kind (which writes it
// from `cold_start = [...]`) and the server (which reads it); and the answer cache (`cache = redis {…}`).

/**
 * The cold-start paths there are: `two_tower` answers a user the request describes by its side
 * features from a two-tower model's user tower (skipped without features); `popularity` answers with
 * the items' recent, time-decayed popularity.
 */
export const COLD_START_PATHS = ["two_tower", "popularity"] as const;
export type ColdStartPath = (typeof COLD_START_PATHS)[number];

/** Problems with a pointer's `cold_start` value ("cold_start: problem"); empty when valid. */
export function validateColdStart(v: unknown): string[] {
  if (
    !Array.isArray(v) ||
    v.length === 0 ||
    !v.every((p) => (COLD_START_PATHS as readonly unknown[]).includes(p)) ||
    new Set(v).size !== v.length
  )
    return [`cold_start: expected a non-empty list of distinct paths among ${COLD_START_PATHS.join(", ")}`];
  return [];
}

/**
 * The deployment's answer cache (`cache = redis { … }`), as the pointer records it. Never holds a
 * credential: a URL from the environment is recorded by the variable's name only.
 */
export interface RecommendCacheConfig {
  store: {
    kind: "redis";
    /** a literal URL without a password */ url?: string;
    url_env?: string;
    prefix: string;
  };
  /** How long an answer is served from the cache, in seconds (at least 1). */
  ttl_seconds: number;
}

export const DEFAULT_CACHE_PREFIX = "mlc:recommend";

/** Problems with a pointer's `cache` value ("cache: problem"); empty when valid. */
export function validateRecommendCache(v: unknown): string[] {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    return ["cache: expected { store, ttl_seconds }"];
  const c = v as Record<string, unknown>;
  const errs: string[] = [];
  const s = c.store as Record<string, unknown> | null | undefined;
  if (typeof s !== "object" || s === null || s.kind !== "redis")
    errs.push('cache.store: expected { kind: "redis", … }');
  else {
    if (typeof s.url !== "string" && typeof s.url_env !== "string")
      errs.push("cache.store: a Redis cache needs url or url_env");
    if (typeof s.prefix !== "string" || s.prefix === "") errs.push("cache.store.prefix: expected a string");
  }
  if (typeof c.ttl_seconds !== "number" || !(c.ttl_seconds >= 1))
    errs.push("cache.ttl_seconds: expected a number of seconds, at least 1");
  return errs;
}

/** `candidates` bounds and default: how many retrieved items a re-ranker orders. */
export const MAX_CANDIDATES = 1000;
export const DEFAULT_CANDIDATES = 100;

/**
 * The deployment's re-ranking stage (`rerank = RANKER`, `candidates = N`): the ranker's version and
 * bundle, published beside the retrieval model's, and how many candidates it orders. Unlike
 * `cold_start` it names a version, so it is set by each deploy and carried by a promote or rollback
 * that keeps the pointer's other settings.
 */
export interface RerankConfig {
  model: string;
  version: number;
  bundle: string;
  candidates: number;
}

/** Problems with a pointer's `rerank` value ("rerank: problem"); empty when valid. */
export function validateRerank(v: unknown): string[] {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    return ["rerank: expected { model, version, bundle, candidates }"];
  const r = v as Record<string, unknown>;
  const errs: string[] = [];
  if (typeof r.model !== "string" || r.model === "") errs.push("rerank.model: expected a model name");
  if (typeof r.version !== "number" || !Number.isInteger(r.version) || r.version < 1)
    errs.push("rerank.version: expected a positive integer");
  if (typeof r.bundle !== "string" || r.bundle === "") errs.push("rerank.bundle: expected a bundle path");
  if (
    typeof r.candidates !== "number" ||
    !Number.isInteger(r.candidates) ||
    r.candidates < 1 ||
    r.candidates > MAX_CANDIDATES
  )
    errs.push(`rerank.candidates: expected a whole number from 1 to ${MAX_CANDIDATES}`);
  return errs;
}
