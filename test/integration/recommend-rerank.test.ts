// examples/recommend's re-ranking end to end: apply trains the BPR retrieval model and the LambdaRank
// GBDT `ranker` (its history block adds the re-ranking features; its version stores the history),
// gates the ranker against the popularity baseline and deploys `reranked_recommendations` with the
// ranker's bundle beside the retrieval model's. /v1/recommend re-orders a known user's top 50 by the
// ranker (checked against the ranker's bundle run independently on the same candidates), says
// `"reranked": true` in the response and the log, keeps the cold-start path, refuses a k above the
// candidates; `mlc recommend` writes the same lists.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Redis } from "ioredis";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyProject } from "../../src/runtime/project.js";
import { loadBundle, readBundleHistory, readBundleRetrieval } from "../../src/serve/bundle.js";
import { readDeployment, resolveBundlePath } from "../../src/serve/deployment.js";
import { readPredictionLog } from "../../src/serve/prediction-log-reader.js";
import { createPredictionServer, type PredictionServer } from "../../src/serve/server.js";
import { ModelRunner } from "../../src/serve/model-runner.js";
import { Retrieval } from "../../src/ml/recommend/retrieval.js";
import { RERANK_FEATURES, RerankHistory } from "../../src/ml/recommend/rerank-features.js";
import { recommendRanked, RerankFailure } from "../../src/serve/recommend-rerank.js";
import { runCli } from "../cli/run-cli.js";

const example = resolve(__dirname, "../../examples/recommend");
const dir = mkdtempSync(join(tmpdir(), "mlc-recommend-rerank-"));
const DEPLOYMENT = "reranked_recommendations";
let server: PredictionServer | undefined;
let base = "";

interface Rec {
  item: number;
  score: number;
}
interface RecBody {
  model: string;
  version: number;
  user: number;
  path: string;
  items: Rec[];
  reranked?: boolean;
  error?: string;
  field?: string;
  message?: string;
}

async function post(body: unknown): Promise<{ status: number; body: RecBody }> {
  const r = await fetch(base + "/v1/recommend", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as RecBody };
}

let outcomes: { id: string; status: string }[] = [];

const REDIS = process.env.MLC_TEST_REDIS_URL;
const CACHE_PREFIX = `mlc-test-rerank-${process.pid}`;

beforeAll(async () => {
  cpSync(example, dir, { recursive: true, filter: (s) => !s.includes(".mlc") });
  // the deployment's cache reads MLC_CACHE_URL: the test's Redis under a prefix of its own, or none
  const spec = join(dir, "rerank.mlspec");
  writeFileSync(
    spec,
    readFileSync(spec, "utf8").replace("ttl = 10m }", `ttl = 10m, prefix = "${CACHE_PREFIX}" }`),
  );
  process.env.MLC_CACHE_URL = REDIS ?? "";
  const out = await applyProject(dir, {
    log: () => undefined,
    parallel: 2,
    targets: [`deploy.${DEPLOYMENT}`],
  });
  expect(out.ok).toBe(true);
  if (out.ok) {
    outcomes = out.result.outcomes;
    expect(outcomes.filter((o) => o.status === "failed")).toEqual([]);
  }
  server = createPredictionServer({ projectDir: dir, deployment: DEPLOYMENT, logLevel: "silent" });
  base = await server.listen(0, "127.0.0.1");
  await server.loaded;
}, 600_000);

afterAll(async () => {
  await server?.close();
  delete process.env.MLC_CACHE_URL;
  if (REDIS) {
    const r = new Redis(REDIS);
    const keys = await r.keys(`${CACHE_PREFIX}:*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
  }
  rmSync(dir, { recursive: true, force: true });
});

const pointer = () => readDeployment(dir, DEPLOYMENT)!;
const retrieval = () =>
  Retrieval.deserialize(readBundleRetrieval(loadBundle(resolveBundlePath(dir, pointer().bundle)))!);
const users = [
  ...new Set(
    readFileSync(join(example, "data/events.csv"), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => Number(l.split(",")[0])),
  ),
].slice(0, 12);

describe("re-ranking on examples/recommend", () => {
  it("gates the ranker against the popularity baseline and records its ranking metrics with intervals", async () => {
    expect(outcomes.find((o) => o.id === "gate.ranker_ok")?.status).toBe("ok");
    const shown = await runCli(["models", "show", "ranker", dir, "--json"]);
    expect(shown.code, shown.stderr).toBe(0);
    const metrics = (JSON.parse(shown.stdout) as { metrics: Record<string, number> }).metrics;
    for (const m of [
      "test.ndcg",
      "test.ndcg.lower",
      "test.ndcg.upper",
      "baseline.test.ndcg",
      "test.map",
      "test.recall_at_k",
    ])
      expect(typeof metrics[m], m).toBe("number");
    // the gate held: the re-ranked order beats popularity on the same held-out rows by 0.02
    expect(metrics["test.ndcg"]!).toBeGreaterThanOrEqual(metrics["baseline.test.ndcg"]! + 0.02);
    expect(metrics["test.ndcg.lower"]!).toBeLessThanOrEqual(metrics["test.ndcg"]!);
    const p = pointer();
    expect(p.rerank).toMatchObject({ model: "ranker", version: 1, candidates: 50 });
    const ranker = loadBundle(resolveBundlePath(dir, p.rerank!.bundle));
    expect(ranker.meta.model).toBe("ranker");
    expect(ranker.meta.history?.file).toBe("history.bin");
    // the history's features are the ranker's inputs, beside the category it selects
    const inputs = ranker.meta.inputs.map((i) => i.name);
    for (const f of RERANK_FEATURES) expect(inputs).toContain(f);
    expect(inputs).toContain("category");
  });

  it("re-orders a known user's top 50 by the ranker's scores: the ranker's bundle, run alone, agrees", async () => {
    const p = pointer();
    const rb = loadBundle(resolveBundlePath(dir, p.rerank!.bundle));
    const history = RerankHistory.deserialize(readBundleHistory(rb)!);
    const runner = await ModelRunner.load(rb);
    const r = retrieval();
    let differs = 0;
    try {
      for (const user of users) {
        const res = await post({ user, k: 5, exclude_seen: true });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ model: "retrieve", user, path: "model", reranked: true });
        expect(res.body.items).toHaveLength(5);
        const candidates = r.topK(r.userRow(user), 50, true);
        const batch = runner.encoder.encodeRecords(
          history.candidateRecords(
            user,
            candidates.map((c) => c.item),
          ),
          true,
        );
        if (!("columns" in batch)) throw new Error(batch.message);
        const scores = await runner.runDirect(batch);
        const expected = candidates
          .map((c, j) => ({ item: c.item, score: scores[j]!, j }))
          .sort((a, b) => b.score - a.score || a.j - b.j)
          .slice(0, 5);
        expect(res.body.items.map((x) => x.item)).toEqual(expected.map((x) => x.item));
        res.body.items.forEach((x, j) => expect(x.score).toBeCloseTo(expected[j]!.score, 5));
        const seen = new Set(r.topK(r.userRow(user), 5, false).map((c) => c.item));
        if (res.body.items.some((x) => !seen.has(x.item)) || candidates[0]!.item !== res.body.items[0]!.item)
          differs++;
      }
    } finally {
      runner.retire();
    }
    // the stage changes lists: not every user gets retrieval's own top 5
    expect(differs).toBeGreaterThan(0);
  });

  it(`keeps re-ranked answers in the cache under a key naming the ranker's version${REDIS ? "" : " (no MLC_TEST_REDIS_URL: computed, cache unavailable)"}`, async () => {
    const first = await post({ user: users[2], k: 3 });
    const again = await post({ user: users[2], k: 3 });
    expect([first.status, again.status]).toEqual([200, 200]);
    const outcomes = [first.body, again.body].map((b) => (b as RecBody & { cache: string }).cache);
    expect(outcomes).toEqual(REDIS ? ["miss", "hit"] : ["unavailable", "unavailable"]);
    expect(again.body.items).toEqual(first.body.items);
    expect(again.body.reranked).toBe(true);
    if (REDIS) {
      const r = new Redis(REDIS);
      const keys = await r.keys(`${CACHE_PREFIX}:*`);
      r.disconnect();
      expect(keys.some((k) => k.endsWith(`:u${users[2]}:k3:all:rranker:v1:c50`))).toBe(true);
    }
  });

  it("never answers the unranked list when the ranker cannot score: a coded failure (MLC2483)", async () => {
    const rb = loadBundle(resolveBundlePath(dir, pointer().rerank!.bundle));
    const runner = await ModelRunner.load(rb);
    runner.retire();
    const rr = { runner, history: RerankHistory.deserialize(readBundleHistory(rb)!), candidates: 50 };
    const failed = await recommendRanked(
      retrieval(),
      ["popularity"],
      { user: users[0]!, k: 5, excludeSeen: false },
      rr,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(RerankFailure);
    expect((failed as RerankFailure).code).toBe("MLC2483");
    expect((failed as RerankFailure).message).toMatch(/could not score the candidates/);
    // a cold-start user never reaches the ranker
    const cold = await recommendRanked(
      retrieval(),
      ["popularity"],
      { user: 100000, k: 2, excludeSeen: false },
      rr,
    );
    expect(cold).toMatchObject({ path: "popularity" });
  });

  it("keeps the ranker's history features in its stored rows: mlc explain reads them (was an internal error)", async () => {
    const r = await runCli(["explain", "ranker", dir, "--row", "1", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/item_popularity/);
    expect(r.stdout).toMatch(/category_affinity/);
  });

  it("answers a user training never saw from popularity, without re-ranking", async () => {
    const res = await post({ user: 100000, k: 3 });
    expect(res.status).toBe(200);
    expect(res.body.path).toBe("popularity");
    expect(res.body.reranked).toBeUndefined();
  });

  it("refuses a k above the candidates with a JSON 400 naming k", async () => {
    const res = await post({ user: users[0], k: 51 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: "invalid_request", field: "k" });
    expect(res.body.message).toMatch(/at most 50/);
  });

  it("logs the re-ranked answers as such", async () => {
    await post({ user: users[1], k: 4 });
    await server!.close();
    server = undefined;
    const logged = readPredictionLog(dir, DEPLOYMENT, { arms: ["recommend"] });
    const outputs = logged.map((e) => e.output as { path: string; reranked?: boolean });
    expect(outputs.some((o) => o.path === "model" && o.reranked === true)).toBe(true);
    expect(outputs.filter((o) => o.path === "popularity").every((o) => o.reranked === undefined)).toBe(true);
  });

  it("mlc recommend writes the same re-ranked lists", async () => {
    const out = join(dir, "top5.jsonl");
    const r = await runCli([
      "recommend",
      DEPLOYMENT,
      dir,
      "--k",
      "5",
      "--exclude-seen",
      "--users",
      users.slice(0, 4).join(","),
      "--out",
      out,
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rerank: { model: "ranker", version: 1, candidates: 50 } });
    const lines = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as RecBody);
    expect(lines).toHaveLength(4);
    server = createPredictionServer({ projectDir: dir, deployment: DEPLOYMENT, logLevel: "silent" });
    base = await server.listen(0, "127.0.0.1");
    await server.loaded;
    for (const line of lines) {
      expect(line.reranked).toBe(true);
      const res = await post({ user: line.user, k: 5, exclude_seen: true });
      expect(res.body.items).toEqual(line.items);
    }
    const big = await runCli(["recommend", DEPLOYMENT, dir, "--k", "60", "--out", out]);
    expect(big.code).toBe(1);
    expect(big.stderr).toMatch(/--k: k must be at most 50/);
  });
});
