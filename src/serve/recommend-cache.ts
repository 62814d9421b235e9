// /v1/recommend's answer cache in Redis (`cache = redis { … }` on the deploy block): one JSON answer
// per deployment, model and version, cold-start chain, user, k, exclude_seen and filter, expiring
// after the TTL.
// The version in the key means a promoted version never serves its predecessor's answers. A cache is
// an optimisation only: every failure (Redis down, slow, the URL's variable unset) is reported to the
// caller as "unavailable" and the answer is computed as if there were no cache.
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import type { Recommendation } from "../ml/recommend/retrieval.js";
import type { RecommendQuery } from "./recommend.js";
import { filterText } from "./recommend-filter.js";
import type { ColdStartPath, RecommendCacheConfig } from "./recommend-config.js";

/** What the cache did for one request. */
export type CacheOutcome = "hit" | "miss" | "unavailable";

/** The answer kept: what /v1/recommend computed for the key. */
export interface CachedAnswer {
  path: string;
  items: Recommendation[];
  /** The re-ranking stage ordered the items. */
  reranked?: true;
}

/** How long one cache command may take before the answer is computed without it. */
const COMMAND_TIMEOUT_MS = 250;
/** How long the first request waits for a new connection. */
const FIRST_CONNECT_MS = 1000;

export interface CacheKeyParts {
  deployment: string;
  /** The model the answering arm serves (an experiment's arms may be versions of other models). */
  model: string;
  version: number;
  coldStart: readonly ColdStartPath[] | undefined;
  query: RecommendQuery;
  /** The re-ranking stage, when the deployment has one: its ranker's version and candidates decide the answer too. */
  rerank?: { model: string; version: number; candidates: number };
}

/**
 * The key of an answer: every input that decides it. A filter adds `:f` and the first 16 hex digits
 * of the sha256 of its canonical text (fields and list values sorted), so equal filters share entries.
 */
export function cacheKey(prefix: string, p: CacheKeyParts): string {
  const chain = p.coldStart?.length ? p.coldStart.join("+") : "-";
  const filter = p.query.filter
    ? `:f${createHash("sha256").update(filterText(p.query.filter)).digest("hex").slice(0, 16)}`
    : "";
  const rerank = p.rerank ? `:r${p.rerank.model}:v${p.rerank.version}:c${p.rerank.candidates}` : "";
  return `${prefix}:${p.deployment}:${p.model}:v${p.version}:${chain}:u${p.query.user}:k${p.query.k}:${p.query.excludeSeen ? "unseen" : "all"}${filter}${rerank}`;
}

/** The URL a cache names, from the environment when it names a variable; undefined when that is unset. */
function cacheUrl(store: RecommendCacheConfig["store"]): string | undefined {
  if (store.url) return store.url;
  const v = process.env[store.url_env ?? ""];
  return v === undefined || v === "" ? undefined : v;
}

const isAnswer = (v: unknown): v is CachedAnswer =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as CachedAnswer).path === "string" &&
  Array.isArray((v as CachedAnswer).items);

export class RecommendCache {
  private readonly redis: Redis | undefined;
  private readonly firstConnect: Promise<void>;

  constructor(readonly config: RecommendCacheConfig) {
    const url = cacheUrl(config.store);
    if (!url) {
      // nothing to connect to: every request computes its answer, counted as unavailable
      this.firstConnect = Promise.resolve();
      return;
    }
    const redis = new Redis(url, {
      // a command on a connection that is down fails at once rather than waiting in a queue
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: FIRST_CONNECT_MS,
      retryStrategy: (times) => Math.min(times * 100, 1000),
    });
    // the URL may hold a password: connection errors are never logged from here
    redis.on("error", () => undefined);
    this.redis = redis;
    this.firstConnect = new Promise<void>((done) => {
      const timer = setTimeout(done, FIRST_CONNECT_MS);
      const settle = (): void => {
        clearTimeout(timer);
        redis.off("ready", settle);
        redis.off("error", settle);
        done();
      };
      redis.once("ready", settle);
      redis.once("error", settle);
    });
  }

  /** The kept answer, undefined on a miss; throws when the cache cannot be read. */
  async get(key: string): Promise<CachedAnswer | undefined> {
    const redis = await this.ready();
    const text = await redis.get(key);
    if (text === null) return undefined;
    const v: unknown = JSON.parse(text);
    // an entry that is not an answer (written by something else) is a miss, overwritten below
    return isAnswer(v) ? v : undefined;
  }

  /** Keeps an answer for the TTL; throws when the cache cannot be written. */
  async set(key: string, answer: CachedAnswer): Promise<void> {
    const redis = await this.ready();
    await redis.set(key, JSON.stringify(answer), "PX", Math.round(this.config.ttl_seconds * 1000));
  }

  private async ready(): Promise<Redis> {
    if (!this.redis)
      throw new Error(`the environment variable ${this.config.store.url_env ?? "(none)"} is not set`);
    await this.firstConnect;
    return this.redis;
  }

  close(): void {
    this.redis?.disconnect();
  }
}

/**
 * The answer for a key: from the cache on a hit, else computed and kept (unless reading the cache
 * failed). `compute` returning undefined (no answer to give) is never kept. `failed` is told of every
 * cache failure; none of them reaches the caller.
 */
export async function cachedAnswer(
  cache: RecommendCache,
  key: string,
  compute: () => CachedAnswer | undefined | Promise<CachedAnswer | undefined>,
  failed: () => void,
): Promise<{ answer: CachedAnswer | undefined; outcome: CacheOutcome }> {
  let outcome: CacheOutcome = "miss";
  try {
    const hit = await cache.get(key);
    if (hit) return { answer: hit, outcome: "hit" };
  } catch {
    outcome = "unavailable";
    failed();
  }
  const answer = await compute();
  if (answer && outcome === "miss")
    try {
      await cache.set(key, answer);
    } catch {
      failed();
    }
  return { answer, outcome };
}
