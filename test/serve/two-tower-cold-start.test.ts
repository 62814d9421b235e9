// The two-tower cold-start path of /v1/recommend: a user training never saw is answered from the
// user tower when the request gives their features ("path": "two_tower") and from popularity when
// it does not; items the request adds (`new_items`) are ranked by the item tower beside the
// catalogue; bad features are a 400 naming the field; a version without towers refuses them (404);
// such requests bypass the answer cache; the log says which path answered. And the language's
// MLC1200 (two_tower in the chain of a model that is not a two_tower model).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BASE, check, codes } from "../compiler/check-helpers.js";
import { fitTinyTwoTower, twoTowerRetrieval } from "../fixtures/tiny-two-tower.js";
import { tinyRetrieval } from "../fixtures/tiny-retrieval.js";
import { buildBundleDir } from "../../src/serve/bundle.js";
import { writeDeployment } from "../../src/serve/deployment.js";
import { readPredictionLog } from "../../src/serve/prediction-log-reader.js";
import { parseRecommendQuery, recommendFor, type RecommendQuery } from "../../src/serve/recommend.js";
import { createPredictionServer } from "../../src/serve/server.js";
import { fixtureMeta, fixtureOnnx, tempProject } from "./fixtures.js";

const retrieval = twoTowerRetrieval(await fitTinyTwoTower());
const chain = ["two_tower", "popularity"] as const;
const q = (extra: Partial<RecommendQuery>): RecommendQuery => ({
  user: 999,
  k: 5,
  excludeSeen: false,
  ...extra,
});

describe("recommendFor with a two-tower retrieval", () => {
  it("answers a new user with features from the user tower, without them from popularity", () => {
    const tower = recommendFor(retrieval, chain, q({ features: { segment: "s0" } }));
    expect(tower).toMatchObject({ path: "two_tower" });
    if (!("path" in tower)) throw new Error("no answer");
    expect(tower.items.length).toBe(5);
    expect(tower.items.filter((r) => r.item % 3 === 0).length).toBeGreaterThanOrEqual(4);
    expect(recommendFor(retrieval, chain, q({}))).toEqual({
      path: "popularity",
      items: retrieval.popular(5),
    });
    // two_tower alone, no features: nothing can answer
    expect(recommendFor(retrieval, ["two_tower"], q({}))).toEqual({ unknownUser: true });
    // a category value training never saw reads the unknown row: still an answer
    expect(recommendFor(retrieval, chain, q({ features: { segment: "s9" } }))).toMatchObject({
      path: "two_tower",
    });
  });

  it("ranks new items beside the catalogue for a known user and for a new one (both cold)", () => {
    const newItems = [
      { item: 500, features: { category: "c0" } },
      { item: 501, features: { category: "c2" } },
    ];
    const known = recommendFor(retrieval, chain, { user: 0, k: 40, excludeSeen: false, newItems });
    if (!("path" in known)) throw new Error("no answer");
    expect(known.path).toBe("model");
    const at = (items: { item: number }[], item: number) => items.findIndex((r) => r.item === item);
    expect(at(known.items, 500)).toBeLessThan(at(known.items, 501));
    expect(known.items.find((r) => r.item === 500)).toMatchObject({ new_item: true });
    expect(known.items.find((r) => r.item === 0)?.new_item).toBeUndefined();
    const both = recommendFor(retrieval, chain, q({ k: 40, features: { segment: "s0" }, newItems }));
    if (!("path" in both)) throw new Error("no answer");
    expect(both.path).toBe("two_tower");
    expect(at(both.items, 500)).toBeLessThan(at(both.items, 501));
    // popularity has no count for a new item: they are not in its answer
    const popular = recommendFor(retrieval, chain, q({ k: 40, newItems }));
    if (!("path" in popular)) throw new Error("no answer");
    expect(popular.path).toBe("popularity");
    expect(at(popular.items, 500)).toBe(-1);
  });

  it("names the field of bad features and new items; a version without towers refuses them", () => {
    expect(recommendFor(retrieval, chain, q({ features: { color: "red" } }))).toMatchObject({
      problem: { field: "features.color", status: 400 },
    });
    expect(recommendFor(retrieval, chain, q({ features: { segment: 1 } }))).toMatchObject({
      problem: { field: "features.segment", status: 400, message: expect.stringMatching(/category/) },
    });
    expect(recommendFor(retrieval, chain, q({ newItems: [{ item: 3, features: {} }] }))).toMatchObject({
      problem: {
        field: "new_items",
        status: 400,
        message: expect.stringMatching(/item 3 is in the catalogue/),
      },
    });
    expect(
      recommendFor(retrieval, chain, q({ newItems: [{ item: 700, features: { segment: "s0" } }] })),
    ).toMatchObject({ problem: { field: "new_items[0].segment", status: 400 } });
    const plain = tinyRetrieval();
    expect(recommendFor(plain, chain, q({ features: { segment: "s0" } }))).toMatchObject({
      problem: { field: "features", status: 404 },
    });
    expect(recommendFor(plain, chain, q({ newItems: [{ item: 9, features: {} }] }))).toMatchObject({
      problem: { field: "new_items", status: 404 },
    });
  });
});

describe("a recommendation request's features and new_items", () => {
  it("are parsed, each problem naming its field", () => {
    expect(
      parseRecommendQuery({ user: 5, features: { segment: "s0" }, new_items: [{ item: 9, category: "c1" }] }),
    ).toEqual({
      user: 5,
      k: 10,
      excludeSeen: false,
      features: { segment: "s0" },
      newItems: [{ item: 9, features: { category: "c1" } }],
    });
    expect(parseRecommendQuery({ user: 5, features: ["s0"] })).toMatchObject({ field: "features" });
    expect(parseRecommendQuery({ user: 5, new_items: {} })).toMatchObject({ field: "new_items" });
    expect(parseRecommendQuery({ user: 5, new_items: [{ category: "c1" }] })).toMatchObject({
      field: "new_items[0].item",
    });
    expect(parseRecommendQuery({ user: 5, new_items: [{ item: 9 }, { item: 9 }] })).toMatchObject({
      field: "new_items[1].item",
    });
  });
});

describe("two_tower in the language's cold_start chain", () => {
  const spec = (algorithm: string, chainText = "[two_tower, popularity]") => `${BASE}
model recs {
  task      = rank(churned, group = user, k = 3)
  data      = holdout
  features  = [usage.plan_code]
  algorithm = ${algorithm}
}
deploy recs_api { model = recs  cold_start = ${chainText} }
`;
  it("is accepted for a two_tower model and refused for another retrieval model (MLC1200)", () => {
    expect(check(spec("two_tower")).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const bad = check(spec("bpr")).diagnostics.filter((d) => d.severity === "error");
    expect(codes(bad)).toEqual(["MLC1200"]);
    expect(bad[0]!.message).toMatch(/no towers/);
    expect(check(spec("bpr", "[popularity]")).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    // a model without any retrieval is still MLC1185
    expect(codes(check(spec("gbdt")).diagnostics.filter((d) => d.severity === "error"))).toEqual(["MLC1185"]);
  });
});

describe("POST /v1/recommend with a two-tower version", () => {
  it("answers and logs the path: two_tower for a described new user, popularity otherwise; 400 for a bad feature", async () => {
    const dir = tempProject();
    const bundle = join(dir, "v1");
    buildBundleDir(bundle, fixtureOnnx(), fixtureMeta(), { retrieval: retrieval.serialize() });
    // a cache whose URL variable is unset: a plain request reports it unavailable, a described one bypasses it
    writeDeployment(
      dir,
      "recs",
      {
        version: 1,
        bundle,
        cold_start: [...chain],
        cache: {
          store: { kind: "redis", url_env: "MLC_TEST_TWO_TOWER_UNSET", prefix: "tt" },
          ttl_seconds: 60,
        },
      },
      "test",
    );
    const server = createPredictionServer({ projectDir: dir, deployment: "recs", logLevel: "silent" });
    const base = await server.listen(0, "127.0.0.1");
    await server.loaded;
    const post = async (body: unknown) => {
      const r = await fetch(`${base}/v1/recommend`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    try {
      const tower = await post({
        user: 999,
        k: 3,
        features: { segment: "s1" },
        new_items: [{ item: 600, category: "c1" }],
      });
      expect(tower.status).toBe(200);
      expect(tower.body).toMatchObject({ user: 999, path: "two_tower" });
      expect(tower.body.cache).toBeUndefined();
      const plain = await post({ user: 999, k: 3 });
      expect(plain.body).toMatchObject({ path: "popularity", cache: "unavailable" });
      const bad = await post({ user: 999, features: { segment: 3 } });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: "invalid_request", field: "features.segment" });
    } finally {
      await server.close();
    }
    const log = readPredictionLog(dir, "recs");
    const rows = log.filter((r) => r.arm === "recommend");
    const json = (v: unknown): Record<string, unknown> =>
      (typeof v === "string" ? JSON.parse(v) : v) as Record<string, unknown>;
    expect(rows.map((r) => json(r.output).path)).toEqual(["two_tower", "popularity"]);
    expect(json(rows[0]!.features)).toMatchObject({
      features: { segment: "s1" },
      new_items: 1,
    });
  });
});
