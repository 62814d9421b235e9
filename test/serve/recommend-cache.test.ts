// /v1/recommend's Redis answer cache, on a real Redis (MLC_TEST_REDIS_URL, a key prefix of its own):
// a miss then a hit give the same items, a new version never serves the old one's entries, the TTL
// is respected, and a Redis that is down costs only the cache (200, counted in /metrics). Also the
// `cache` attribute in the language (MLC1186, no password in a literal URL) and in the pointer.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tinyRetrieval } from "../fixtures/tiny-retrieval.js";
import { Redis } from "ioredis";
import { BASE, check, codes } from "../compiler/check-helpers.js";
import { buildBundleDir } from "../../src/serve/bundle.js";
import { readDeployment, validatePointer, writeDeployment } from "../../src/serve/deployment.js";
import { readPredictionLog } from "../../src/serve/prediction-log-reader.js";
import { cacheKey } from "../../src/serve/recommend-cache.js";
import type { RecommendCacheConfig } from "../../src/serve/recommend-config.js";
import { createPredictionServer } from "../../src/serve/server.js";
import { fixtureMeta, fixtureOnnx, tempProject } from "./fixtures.js";
import { cacheOf } from "../../src/kinds/deploy/cache.js";
import { NodeFailure } from "../../src/ir/executor.js";
import type { Json } from "../../src/ir/graph-ir.js";

const REDIS = process.env.MLC_TEST_REDIS_URL;
if (!REDIS) console.warn("recommend-cache: the Redis tests are skipped: MLC_TEST_REDIS_URL is not set");
const PREFIX = `mlc-test-reccache-${process.pid}-${randomBytes(3).toString("hex")}`;

/** The tiny retrieval file; `sign` flips the item vectors so versions rank differently. */
const retrievalBytes = (sign: number): Uint8Array => tinyRetrieval(sign).serialize();

interface Body {
  version: number;
  path: string;
  items: { item: number; score: number }[];
  cache?: string;
}

/** A project whose deployment `recs` serves `version` (sign 1 for v1, -1 for v2) with `cache`. */
function project(dir: string, version: number, cache: RecommendCacheConfig): void {
  const bundle = join(dir, `v${version}`);
  buildBundleDir(bundle, fixtureOnnx({ version }), fixtureMeta({ version }), {
    retrieval: retrievalBytes(version === 1 ? 1 : -1),
  });
  writeDeployment(dir, "recs", { version, bundle, cold_start: ["popularity"], cache }, "test");
}

/** Runs `f` against a server for the project, then closes it. */
async function serving<T>(
  dir: string,
  f: (post: (body: unknown) => Promise<{ status: number; body: Body }>, base: string) => Promise<T>,
): Promise<T> {
  const server = createPredictionServer({ projectDir: dir, deployment: "recs", logLevel: "silent" });
  const base = await server.listen(0, "127.0.0.1");
  await server.loaded;
  try {
    return await f(async (body) => {
      const r = await fetch(`${base}/v1/recommend`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: (await r.json()) as Body };
    }, base);
  } finally {
    await server.close();
  }
}

const cacheAt = (url: string, ttl = 600): RecommendCacheConfig => ({
  store: { kind: "redis", url, prefix: PREFIX },
  ttl_seconds: ttl,
});

describe("the cache key", () => {
  it("holds every input that decides an answer", () => {
    const q = { user: 3, k: 5, excludeSeen: false };
    const base = cacheKey("p", {
      model: "m",
      deployment: "recs",
      version: 1,
      coldStart: undefined,
      query: q,
    });
    const keys = [
      base,
      cacheKey("p", { model: "m", deployment: "recs", version: 2, coldStart: undefined, query: q }),
      cacheKey("p", { model: "m", deployment: "other", version: 1, coldStart: undefined, query: q }),
      cacheKey("p", { model: "m", deployment: "recs", version: 1, coldStart: ["popularity"], query: q }),
      cacheKey("p", {
        model: "m",
        deployment: "recs",
        version: 1,
        coldStart: undefined,
        query: { ...q, user: 4 },
      }),
      cacheKey("p", {
        model: "m",
        deployment: "recs",
        version: 1,
        coldStart: undefined,
        query: { ...q, k: 6 },
      }),
      cacheKey("p", { model: "other_model", deployment: "recs", version: 1, coldStart: undefined, query: q }),
      cacheKey("p", {
        model: "m",
        deployment: "recs",
        version: 1,
        coldStart: undefined,
        query: { ...q, excludeSeen: true },
      }),
      // a re-ranking stage: its ranker's model, version and candidates decide the answer too
      ...[
        { model: "ranker", version: 1, candidates: 50 },
        { model: "ranker", version: 2, candidates: 50 },
        { model: "ranker", version: 1, candidates: 60 },
        { model: "other_ranker", version: 1, candidates: 50 },
      ].map((rerank) =>
        cacheKey("p", { model: "m", deployment: "recs", version: 1, coldStart: undefined, query: q, rerank }),
      ),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(base.startsWith("p:recs:m:v1:")).toBe(true);
  });
});

describe("the pointer's cache", () => {
  it("is validated and kept by a write that does not name it", () => {
    const c = cacheAt("redis://127.0.0.1:6379");
    expect(validatePointer({ version: 1, bundle: "b", cache: c })).toEqual([]);
    expect(validatePointer({ version: 1, bundle: "b", cache: { ...c, ttl_seconds: 0 } })[0]).toMatch(
      /cache.ttl/,
    );
    expect(
      validatePointer({
        version: 1,
        bundle: "b",
        cache: { ttl_seconds: 5, store: { kind: "redis", prefix: "p" } },
      })[0],
    ).toMatch(/url or url_env/);
    const dir = tempProject();
    writeDeployment(dir, "recs", { version: 1, bundle: "b1", cache: c }, "deploy");
    writeDeployment(dir, "recs", { version: 2, bundle: "b2" }, "promote");
    expect(readDeployment(dir, "recs")!.cache).toEqual(c);
    writeDeployment(dir, "recs", { version: 2, bundle: "b2", cache: undefined }, "deploy without it");
    expect(readDeployment(dir, "recs")!.cache).toBeUndefined();
  });
});

describe("cache in the language", () => {
  const spec = (algorithm: string, cache: string) => `${BASE}
model recs {
  task      = rank(churned, group = user, k = 3)
  data      = holdout
  features  = [usage.plan_code]
  algorithm = ${algorithm}
}
deploy recs_api { model = recs  cache = ${cache} }
`;
  const errors = (s: string) => check(s).diagnostics.filter((d) => d.severity === "error");
  it("is accepted for a factorisation model and refused for another (MLC1186)", () => {
    expect(errors(spec("bpr", 'redis { url = env("MLC_CACHE_URL"), ttl = 10m }'))).toEqual([]);
    const bad = errors(spec("gbdt", 'redis { url = env("MLC_CACHE_URL") }'));
    expect(codes(bad)).toEqual(["MLC1186"]);
    expect(bad[0]!.message).toMatch(/does not serve \/v1\/recommend/);
  });
  it("is refused on a serverless function, which serves no /v1/recommend", () => {
    const s = spec("bpr", 'redis { url = env("MLC_CACHE_URL") }').replace(
      "deploy recs_api { model = recs ",
      "deploy recs_api { model = recs  serve = serverless { provider = aws_lambda } ",
    );
    const bad = errors(s);
    expect(bad).toHaveLength(1);
    expect(bad[0]!.message).toMatch(/keeps no answer cache/);
  });
  it("is refused on a stream or batch target, which answers no /v1/recommend (MLC1210)", () => {
    for (const serve of [
      'stream { url = env("MLC_STREAM_URL")  input = "events"  output = "scores" }',
      'batch { input = customers, output = "out/scores.csv" }',
    ]) {
      const s = spec("bpr", 'redis { url = env("MLC_CACHE_URL") }').replace(
        "deploy recs_api { model = recs ",
        `deploy recs_api { model = recs  serve = ${serve} `,
      );
      const bad = errors(s);
      expect(codes(bad)).toEqual(["MLC1210"]);
      expect(bad[0]!.message).toMatch(/answers no \/v1\/recommend/);
      expect(bad[0]!.hint).toMatch(/serve over rest/);
      // the same deployment over rest is fine
      expect(errors(s.replace(`serve = ${serve}`, "serve = rest { port = 8080 }"))).toEqual([]);
    }
  });
  it("refuses a password in a literal URL and a TTL under a second", () => {
    const pw = errors(spec("bpr", 'redis { url = "redis://:hunter2@cache:6379" }'));
    expect(pw).toHaveLength(1);
    expect(pw[0]!.message).toMatch(/password/);
    const ttl = errors(spec("bpr", 'redis { url = "redis://cache:6379", ttl = 0s }'));
    expect(ttl).toHaveLength(1);
    expect(ttl[0]!.message).toMatch(/at least 1s/);
  });
});

describe.skipIf(!REDIS)("/v1/recommend with a Redis cache (MLC_TEST_REDIS_URL)", () => {
  afterAll(async () => {
    if (!REDIS) return;
    const r = new Redis(REDIS);
    const keys = await r.keys(`${PREFIX}:*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
  });

  it("answers a miss, then the same items from the cache; a new version is never served the old entries", async () => {
    const dir = tempProject();
    project(dir, 1, cacheAt(REDIS!));
    const v1 = await serving(dir, async (post, base) => {
      const miss = await post({ user: 1, k: 3 });
      expect(miss.status).toBe(200);
      expect(miss.body.cache).toBe("miss");
      const hit = await post({ user: 1, k: 3 });
      expect(hit.status).toBe(200);
      expect(hit.body.cache).toBe("hit");
      expect(hit.body.items).toEqual(miss.body.items);
      expect(hit.body.path).toBe("model");
      // another k is another answer
      expect((await post({ user: 1, k: 2 })).body.cache).toBe("miss");
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/mlc_recommend_cache_requests_total\{[^}]*outcome="hit"\} 1/);
      expect(metrics).toMatch(/mlc_recommend_cache_requests_total\{[^}]*outcome="miss"\} 2/);
      return miss.body;
    });
    expect(v1.items.map((x) => x.item)).toEqual([0, 1]);
    const logged = readPredictionLog(dir, "recs", { arms: ["recommend"] });
    expect(logged.map((e) => (e.output as { cached: boolean }).cached)).toEqual([false, true, false]);
    project(dir, 2, cacheAt(REDIS!));
    await serving(dir, async (post) => {
      const r = await post({ user: 1, k: 3 });
      expect(r.body).toMatchObject({ version: 2, cache: "miss" });
      expect(r.body.items.map((x) => x.item)).toEqual([1, 0]);
      expect((await post({ user: 1, k: 3 })).body).toMatchObject({ version: 2, cache: "hit" });
    });
  }, 60_000);

  it("serves an entry no longer than its TTL", async () => {
    const dir = tempProject();
    project(dir, 1, {
      ...cacheAt(REDIS!, 1),
      store: { kind: "redis", url: REDIS!, prefix: `${PREFIX}-ttl` },
    });
    await serving(dir, async (post) => {
      expect((await post({ user: 0, k: 2 })).body.cache).toBe("miss");
      const r = new Redis(REDIS!);
      const keys = await r.keys(`${PREFIX}-ttl:*`);
      expect(keys).toHaveLength(1);
      const pttl = await r.pttl(keys[0]!);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(1000);
      await new Promise((done) => setTimeout(done, 1300));
      expect(await r.exists(keys[0]!)).toBe(0);
      r.disconnect();
      expect((await post({ user: 0, k: 2 })).body.cache).toBe("miss");
    });
  }, 60_000);
});

describe("/v1/recommend with a Redis cache that is down", () => {
  it("answers 200 from the model and counts the failure", async () => {
    const dir = tempProject();
    // nothing listens on port 1: every connection is refused
    project(dir, 1, cacheAt("redis://127.0.0.1:1"));
    await serving(dir, async (post, base) => {
      for (let i = 0; i < 2; i++) {
        const r = await post({ user: 1, k: 3 });
        expect(r.status).toBe(200);
        expect(r.body.cache).toBe("unavailable");
        expect(r.body.items.map((x) => x.item)).toEqual([0, 1]);
      }
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/mlc_recommend_cache_requests_total\{[^}]*outcome="unavailable"\} 2/);
      expect(metrics).toMatch(/mlc_recommend_cache_failures_total\{[^}]*\} 2/);
    });
  }, 60_000);
});

describe("the deploy executor's reading of cache", () => {
  it("records an env URL by name, a literal one as is, and the TTL in seconds (default 10m)", () => {
    const env = { $call: "env", args: ["MLC_CACHE_URL"], named: {} };
    expect(
      cacheOf({ $call: "redis", args: [], named: { url: env, ttl: { $duration: 30 } } }, "recs"),
    ).toEqual({
      store: { kind: "redis", url_env: "MLC_CACHE_URL", prefix: "mlc:recommend" },
      ttl_seconds: 30,
    });
    expect(cacheOf({ $call: "redis", args: ["redis://cache:6379"], named: { prefix: "p" } }, "recs")).toEqual(
      {
        store: { kind: "redis", url: "redis://cache:6379", prefix: "p" },
        ttl_seconds: 600,
      },
    );
    expect(cacheOf(undefined, "recs")).toBeUndefined();
  });
  it("refuses a password in a literal URL and a TTL under a second (MLC2209)", () => {
    const bad = (named: Record<string, Json>) => () => cacheOf({ $call: "redis", args: [], named }, "recs");
    expect(bad({ url: "redis://:pw@cache:6379" })).toThrow(/must not hold a password/);
    expect(bad({ url: "redis://cache:6379", ttl: { $duration: 0.5 } })).toThrow(/at least 1s/);
    let thrown: unknown;
    try {
      bad({})();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(NodeFailure);
    expect((thrown as NodeFailure).code).toBe("MLC2209");
    expect((thrown as NodeFailure).message).toMatch(/needs a URL/);
  });
});
