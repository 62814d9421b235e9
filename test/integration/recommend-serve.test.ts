// examples/recommend end to end for retrieval: apply trains the BPR model `retrieve` (its version
// stores a retrieval file), deploys it with `cold_start = [popularity]`, and the server answers
// POST /v1/recommend: a known user from the model (scores equal /v1/predict's for the same pair),
// a user training never saw from popularity, each path named in the response and the log; a filter
// on the item attributes the retrieval file keeps (category, price_band) answers exactly; bad
// input is a JSON 400; without a cold-start chain an unknown user is a 404.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyProject } from "../../src/runtime/project.js";
import { loadBundle, readBundleRetrieval } from "../../src/serve/bundle.js";
import { readDeployment, resolveBundlePath } from "../../src/serve/deployment.js";
import { readPredictionLog } from "../../src/serve/prediction-log-reader.js";
import { createPredictionServer, type PredictionServer } from "../../src/serve/server.js";
import { Retrieval } from "../../src/ml/recommend/retrieval.js";
import { Redis } from "ioredis";
import { runCli } from "../cli/run-cli.js";

const example = resolve(__dirname, "../../examples/recommend");
const dir = mkdtempSync(join(tmpdir(), "mlc-recommend-serve-"));
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
  error?: string;
  field?: string;
  message?: string;
}

async function post<T>(path: string, body: unknown): Promise<{ status: number; body: T }> {
  const r = await fetch(base + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as T };
}

const REDIS = process.env.MLC_TEST_REDIS_URL;
const CACHE_PREFIX = `mlc-test-recs-${process.pid}`;

beforeAll(async () => {
  cpSync(example, dir, { recursive: true, filter: (s) => !s.includes(".mlc") });
  // the example's cache reads MLC_CACHE_URL: the test's Redis under a prefix of its own, or none
  const spec = join(dir, "recommend.mlspec");
  writeFileSync(
    spec,
    readFileSync(spec, "utf8").replace("ttl = 10m }", `ttl = 10m, prefix = "${CACHE_PREFIX}" }`),
  );
  process.env.MLC_CACHE_URL = REDIS ?? "";
  const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
  expect(out.ok).toBe(true);
  if (out.ok) expect(out.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);
  server = createPredictionServer({ projectDir: dir, deployment: "recommendations", logLevel: "silent" });
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

const events = readFileSync(join(example, "data/events.csv"), "utf8").trim().split("\n").slice(1);

describe("POST /v1/recommend on examples/recommend", () => {
  it("deploys the BPR version with its retrieval file and the cold-start chain in the pointer", () => {
    const pointer = readDeployment(dir, "recommendations")!;
    expect(pointer.cold_start).toEqual(["popularity"]);
    const bundle = loadBundle(resolveBundlePath(dir, pointer.bundle));
    expect(bundle.meta.retrieval?.file).toBe("retrieval.bin");
    const r = Retrieval.deserialize(readBundleRetrieval(bundle)!);
    expect(r.popularityRule.timeColumn).toBe("ts");
  });

  it("answers a known user from the model: k items, best first, scores equal to /v1/predict's", async () => {
    const user = Number(events[0]!.split(",")[0]);
    const r = await post<RecBody>("/v1/recommend", { user, k: 5 });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ model: "retrieve", version: 1, user, path: "model" });
    expect(r.body.items).toHaveLength(5);
    const scores = r.body.items.map((x) => x.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    for (const { item, score } of r.body.items.slice(0, 2)) {
      const p = await post<{ predictions: { score: number }[] }>("/v1/predict", {
        user_id: user,
        item_id: item,
      });
      expect(p.status).toBe(200);
      expect(p.body.predictions[0]!.score).toBeCloseTo(score, 4);
    }
  });

  it(`keeps answers in the deployment's Redis cache${REDIS ? "" : " (no MLC_TEST_REDIS_URL: computed, cache unavailable)"}`, async () => {
    const pointer = readDeployment(dir, "recommendations")!;
    expect(pointer.cache).toEqual({
      store: { kind: "redis", url_env: "MLC_CACHE_URL", prefix: CACHE_PREFIX },
      ttl_seconds: 600,
    });
    const user = Number(events[1]!.split(",")[0]);
    const first = await post<RecBody & { cache: string }>("/v1/recommend", { user, k: 4 });
    const again = await post<RecBody & { cache: string }>("/v1/recommend", { user, k: 4 });
    expect(first.status).toBe(200);
    expect([first.body.cache, again.body.cache]).toEqual(
      REDIS ? ["miss", "hit"] : ["unavailable", "unavailable"],
    );
    expect(again.body.items).toEqual(first.body.items);
  });

  it("leaves a user's training items out with exclude_seen", async () => {
    const user = Number(events[0]!.split(",")[0]);
    const all = await post<RecBody>("/v1/recommend", { user, k: 200 });
    const fresh = await post<RecBody>("/v1/recommend", { user, k: 200, exclude_seen: true });
    expect(fresh.status).toBe(200);
    expect(fresh.body.items.length).toBeLessThan(all.body.items.length);
    const seen = new Set(
      all.body.items.map((x) => x.item).filter((i) => !fresh.body.items.some((f) => f.item === i)),
    );
    // every left-out item is one the user was shown in the data
    const shown = new Set(
      events.filter((l) => l.split(",")[0] === String(user)).map((l) => Number(l.split(",")[1])),
    );
    for (const i of seen) expect(shown.has(i)).toBe(true);
  });

  it("filters on the item attributes the training rows hold (category, price_band), exactly", async () => {
    const pointer = readDeployment(dir, "recommendations")!;
    const r = Retrieval.deserialize(readBundleRetrieval(loadBundle(resolveBundlePath(dir, pointer.bundle)))!);
    // one value per item: category and price_band; segment, age_band, event, item_age_days vary within an item
    expect(r.attributes.map((a) => `${a.name}:${a.kind}`)).toEqual([
      "category:category",
      "price_band:number",
    ]);
    const categoryOf = new Map(events.map((l) => [Number(l.split(",")[1]), l.split(",")[7]!]));
    const user = Number(events[0]!.split(",")[0]);
    const all = await post<RecBody>("/v1/recommend", { user, k: 1000 });
    const category = categoryOf.get(all.body.items[all.body.items.length - 1]!.item)!; // one the top 5 may lack
    const filtered = await post<RecBody>("/v1/recommend", { user, k: 5, filter: { category } });
    expect(filtered.status).toBe(200);
    expect(filtered.body.items).toEqual(
      all.body.items.filter((x) => categoryOf.get(x.item) === category).slice(0, 5),
    );
    const bad = await post<RecBody>("/v1/recommend", { user, filter: { segment: "premium" } });
    expect(bad).toMatchObject({ status: 400, body: { error: "invalid_request", field: "filter.segment" } });
  });

  it("answers a user training never saw from popularity, and says so in the response and the log", async () => {
    const r = await post<RecBody>("/v1/recommend", { user: 100000, k: 3 });
    expect(r.status).toBe(200);
    expect(r.body.path).toBe("popularity");
    expect(r.body.items).toHaveLength(3);
    expect(r.body.items[0]!.score).toBeGreaterThanOrEqual(r.body.items[2]!.score);
    await server!.close();
    server = undefined;
    const logged = readPredictionLog(dir, "recommendations", { arms: ["recommend"] });
    const paths = logged.map((e) => (e.output as { path: string }).path);
    expect(paths).toContain("model");
    expect(paths).toContain("popularity");
    const cold = logged.find((e) => (e.output as { path: string }).path === "popularity")!;
    expect(cold.features).toEqual({ user: 100000, k: 3, exclude_seen: false });
    // monitors read every arm but shadow and recommend: the lists are not model inputs
    expect(readPredictionLog(dir, "recommendations", { exceptArms: ["shadow", "recommend"] }).length).toBe(2);
  });
});

describe("mlc recommend (batch top-K)", () => {
  it("writes every known user's list through the same code as the endpoint", async () => {
    const out = join(dir, "top3.jsonl");
    const r = await runCli([
      "recommend",
      "recommendations",
      dir,
      "--k",
      "3",
      "--exclude-seen",
      "--out",
      out,
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { users: number; paths: Record<string, number>; version: number };
    const lines = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as RecBody);
    expect(lines.length).toBe(summary.users);
    expect(summary.paths).toEqual({ model: summary.users });
    const users = new Set(events.map((l) => Number(l.split(",")[0])));
    expect(summary.users).toBeLessThanOrEqual(users.size);
    expect(summary.users).toBeGreaterThan(users.size * 0.8);
    const first = lines[0]!;
    expect(first.items).toHaveLength(3);
    const some = await runCli([
      "recommend",
      "recommendations",
      dir,
      "--users",
      `${first.user},100000`,
      "--k",
      "3",
      "--exclude-seen",
      "--out",
      out,
    ]);
    expect(some.code, some.stderr).toBe(0);
    const [again, cold] = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as RecBody);
    expect(again!.items).toEqual(first.items);
    expect(cold!.path).toBe("popularity");
    const bad = await runCli(["recommend", "recommendations", dir, "--k", "0", "--out", out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--k must be a whole number from 1 to 1000/);
  });
});

describe("POST /v1/recommend input and chain errors", () => {
  it("refuses bad input with a JSON 400 naming the field, and an unknown user without a chain with a 404", async () => {
    const p = readDeployment(dir, "recommendations")!;
    // the same deployment without its chain (as a deploy without cold_start writes it)
    const { cold_start: _chain, ...bare } = p;
    writeFileSync(join(dir, ".mlc/deployments/recommendations/current.json"), JSON.stringify(bare));
    server = createPredictionServer({
      projectDir: dir,
      deployment: "recommendations",
      logLevel: "silent",
      predictionLog: false,
    });
    base = await server.listen(0, "127.0.0.1");
    await server.loaded;
    for (const [body, field] of [
      [{ k: 3 }, "user"],
      [{ user: -1 }, "user"],
      [{ user: 1.5 }, "user"],
      [{ user: "abc" }, "user"],
      [{ user: 1, k: 0 }, "k"],
      [{ user: 1, k: 1001 }, "k"],
      [{ user: 1, k: "5" }, "k"],
      [{ user: 1, exclude_seen: "yes" }, "exclude_seen"],
      [{ user: 1, filter: {} }, "filter"],
    ] as const) {
      const r = await post<RecBody>("/v1/recommend", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error).toBe("invalid_request");
      expect(r.body.field).toBe(field);
    }
    const notJson = await post<RecBody>("/v1/recommend", "[1,2]");
    expect(notJson.status).toBe(400);
    const unknown = await post<RecBody>("/v1/recommend", { user: 100000 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe("unknown_user");
    const known = await post<RecBody>("/v1/recommend", { user: "0" });
    expect(known.status).toBe(200);
    expect(known.body.items).toHaveLength(10);
  });
});
