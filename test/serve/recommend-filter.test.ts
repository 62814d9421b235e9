// The `filter` of /v1/recommend and batch top-K, on a hand-made catalogue whose answers are worked
// out by hand: which training columns become item attributes (one value per item), equality,
// any-of and ranges, applied before the top-K (a filtered top-1 is the best kept item, not the best
// item dropped), fewer than k items answered as they are, the cold-start chain filtered too, the
// retrieval file keeping the attributes (and its old bytes without them), the request's
// problems naming the field (in the parser, against the version's attributes, and over HTTP as a
// JSON 400), the cache key, and `mlc recommend --filter`.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildRetrieval, Retrieval, type RetrievalInput } from "../../src/ml/recommend/retrieval.js";
import { filterMask, itemAttributesOf, rawItemPasses } from "../../src/ml/recommend/item-attributes.js";
import { buildBundleDir } from "../../src/serve/bundle.js";
import { writeDeployment } from "../../src/serve/deployment.js";
import { parseRecommendQuery, recommendFor, type RecommendQuery } from "../../src/serve/recommend.js";
import { recommendToFile } from "../../src/serve/recommend-batch.js";
import { cacheKey } from "../../src/serve/recommend-cache.js";
import { filterText, parseFilter } from "../../src/serve/recommend-filter.js";
import { createPredictionServer } from "../../src/serve/server.js";
import { fitTinyTwoTower, tasteRows, twoTowerRetrieval } from "../fixtures/tiny-two-tower.js";
import { tinyRetrieval } from "../fixtures/tiny-retrieval.js";
import { fixtureMeta, fixtureOnnx, tempProject } from "./fixtures.js";
import { runCli } from "../cli/run-cli.js";

// Two users (vectors 1 and -1), six items with vectors 1..6, so user 0 scores item i at i + 1 and
// user 1 at -(i + 1). Rows (user, item, category, price_band, segment):
const ROWS: [number, number, string, number, string][] = [
  [0, 0, "books", 1, "a"],
  [0, 1, "books", 2, "a"],
  [1, 2, "books", 3, "b"],
  [1, 3, "music", 1, "b"],
  [1, 4, "music", 2, "b"],
  [1, 5, "film", 3, "b"],
  [0, 5, "film", 3, "a"], // item 5 is seen by both segments: segment is no attribute of the item
];

function input(): RetrievalInput {
  return {
    tables: {
      userFeature: 0,
      itemFeature: 1,
      nUsers: 2,
      nItems: 6,
      factors: 1,
      U: Float32Array.from([1, -1]),
      V: Float32Array.from([1, 2, 3, 4, 5, 6]),
      userBias: new Float32Array(2),
      itemBias: new Float32Array(6),
      globalBias: 0,
      link: "identity",
    },
    userColumn: "user",
    itemColumn: "item",
    users: ROWS.map((r) => r[0]),
    items: ROWS.map((r) => r[1]),
    relevant: new Uint8Array(ROWS.length).fill(1),
    attributeColumns: [
      { name: "category", values: ROWS.map((r) => r[2]) },
      { name: "price_band", values: ROWS.map((r) => r[3]) },
      { name: "segment", values: ROWS.map((r) => r[4]) },
    ],
  };
}
const catalogue = (): Retrieval => buildRetrieval(input());

const q = (extra: Partial<RecommendQuery>): RecommendQuery => ({
  user: 0,
  k: 10,
  excludeSeen: false,
  ...extra,
});
const itemsOf = (r: ReturnType<typeof recommendFor>): number[] => {
  if (!("path" in r)) throw new Error(`no answer: ${JSON.stringify(r)}`);
  return r.items.map((x) => x.item);
};
const filterOf = (v: unknown) => {
  const f = parseFilter(v);
  if ("problem" in f) throw new Error(f.problem.message);
  return f.filter;
};

describe("item attributes", () => {
  it("are the columns holding one value per item: category and price_band, not segment", () => {
    const r = catalogue();
    expect(r.attributes.map((a) => [a.name, a.kind])).toEqual([
      ["category", "category"],
      ["price_band", "number"],
    ]);
    const cat = r.attributes[0]!;
    if (cat.kind !== "category") throw new Error("not a category");
    expect(cat.values).toEqual(["books", "film", "music"]); // codes of the sorted values
    expect(Array.from(cat.codes)).toEqual([0, 0, 0, 2, 2, 1]);
  });

  it("leave out a column where an item is missing on one row and has a value on another, or that mixes kinds", () => {
    const entry = Int32Array.from([0, 0, 1]);
    const attrs = itemAttributesOf(
      [
        { name: "half", values: ["x", null, "y"] },
        { name: "mixed", values: [1, 1, "z"] },
        { name: "missing_alike", values: [null, null, 2] },
      ],
      entry,
      2,
    );
    expect(attrs.map((a) => a.name)).toEqual(["missing_alike"]);
    // a missing value never passes a filter
    expect(filterMask(attrs, filterOf({ missing_alike: { min: -1e9 } }), 2)).toEqual(Uint8Array.from([0, 1]));
  });

  it("are kept by the retrieval file, which reads back with the same answers", () => {
    const r = catalogue();
    const back = Retrieval.deserialize(r.serialize());
    expect(back.attributes).toEqual(r.attributes);
    const f = filterOf({ category: "music" });
    expect(recommendFor(back, undefined, q({ filter: f }))).toEqual(
      recommendFor(r, undefined, q({ filter: f })),
    );
  });

  it("leave the bytes of a file without any as they were", () => {
    const plain = tinyRetrieval();
    expect(plain.attributes).toEqual([]);
    expect(Buffer.from(plain.serialize()).toString("latin1")).not.toMatch(/attributes/);
    const { attributeColumns: _dropped, ...rest } = input();
    const none = buildRetrieval({
      ...rest,
      attributeColumns: [{ name: "segment", values: ROWS.map((r) => r[4]) }],
    });
    expect(Buffer.from(none.serialize()).equals(Buffer.from(buildRetrieval(rest).serialize()))).toBe(true);
  });
});

describe("a filter", () => {
  const r = catalogue();
  it("keeps equal values, any of a list, or a range, best first", () => {
    expect(itemsOf(recommendFor(r, undefined, q({ filter: filterOf({ category: "music" }) })))).toEqual([
      4, 3,
    ]);
    expect(
      itemsOf(recommendFor(r, undefined, q({ filter: filterOf({ category: ["film", "music"] }) }))),
    ).toEqual([5, 4, 3]);
    expect(
      itemsOf(recommendFor(r, undefined, q({ filter: filterOf({ price_band: { min: 2, max: 3 } }) }))),
    ).toEqual([5, 4, 2, 1]);
    expect(itemsOf(recommendFor(r, undefined, q({ filter: filterOf({ price_band: { max: 1 } }) })))).toEqual([
      3, 0,
    ]);
    expect(itemsOf(recommendFor(r, undefined, q({ filter: filterOf({ price_band: [1, 3] }) })))).toEqual([
      5, 3, 2, 0,
    ]);
    // every field must hold
    expect(
      itemsOf(
        recommendFor(r, undefined, q({ filter: filterOf({ category: "books", price_band: { min: 2 } }) })),
      ),
    ).toEqual([2, 1]);
    // user 1 ranks the other way round
    expect(
      itemsOf(recommendFor(r, undefined, q({ user: 1, filter: filterOf({ category: "books" }) }))),
    ).toEqual([0, 1, 2]);
  });

  it("is applied before the top-K: the top 1 of books is item 2, though the unfiltered top 1 is item 5", () => {
    expect(itemsOf(recommendFor(r, undefined, q({ k: 1 })))).toEqual([5]);
    expect(recommendFor(r, undefined, q({ k: 1, filter: filterOf({ category: "books" }) }))).toEqual({
      path: "model",
      items: [{ item: 2, score: 3 }],
    });
  });

  it("answers fewer than k items when fewer pass, none for a value no item has", () => {
    // user 0 saw 0, 1 and 5: of books and film only item 2 is left
    expect(
      itemsOf(
        recommendFor(
          r,
          undefined,
          q({ k: 3, excludeSeen: true, filter: filterOf({ category: ["books", "film"] }) }),
        ),
      ),
    ).toEqual([2]);
    expect(recommendFor(r, undefined, q({ filter: filterOf({ category: "games" }) }))).toEqual({
      path: "model",
      items: [],
    });
  });

  it("is applied on the cold-start chain: popularity among the items kept", () => {
    // popularity: item 5 has two rows, the others one (ties to the lower index)
    expect(itemsOf(recommendFor(r, ["popularity"], q({ user: 9 })))).toEqual([5, 0, 1, 2, 3, 4]);
    expect(
      recommendFor(r, ["popularity"], q({ user: 9, k: 2, filter: filterOf({ category: "books" }) })),
    ).toEqual({
      path: "popularity",
      items: [
        { item: 0, score: 1 },
        { item: 1, score: 1 },
      ],
    });
  });

  it("naming a field that is no attribute, or of the wrong kind, is a 400 naming it", () => {
    expect(recommendFor(r, undefined, q({ filter: filterOf({ colour: "red" }) }))).toMatchObject({
      problem: {
        field: "filter.colour",
        status: 400,
        message: expect.stringMatching(/category \(category\), price_band \(number\)/),
      },
    });
    expect(recommendFor(r, undefined, q({ filter: filterOf({ segment: "a" }) }))).toMatchObject({
      problem: { field: "filter.segment", status: 400 },
    });
    expect(recommendFor(r, undefined, q({ filter: filterOf({ category: 3 }) }))).toMatchObject({
      problem: { field: "filter.category", status: 400, message: expect.stringMatching(/is a category/) },
    });
    expect(recommendFor(r, undefined, q({ filter: filterOf({ category: { min: 1 } }) }))).toMatchObject({
      problem: { field: "filter.category", status: 400 },
    });
    expect(recommendFor(r, undefined, q({ filter: filterOf({ price_band: "cheap" }) }))).toMatchObject({
      problem: { field: "filter.price_band", status: 400, message: expect.stringMatching(/is a number/) },
    });
    // a version whose file keeps no attributes says so
    expect(
      recommendFor(tinyRetrieval(), undefined, q({ filter: filterOf({ category: "books" }) })),
    ).toMatchObject({
      problem: { field: "filter.category", message: expect.stringMatching(/keeps no item attributes/) },
    });
  });

  it("is read from a request, each problem naming the field", () => {
    expect(parseRecommendQuery({ user: 0, filter: { category: ["books", "music"] } })).toEqual({
      user: 0,
      k: 10,
      excludeSeen: false,
      filter: { category: { values: ["books", "music"] } },
    });
    expect(parseRecommendQuery({ user: 0, filter: { price_band: { min: 1 } } })).toMatchObject({
      filter: { price_band: { min: 1 } },
    });
    const problem = (filter: unknown) => parseRecommendQuery({ user: 0, filter });
    expect(problem([])).toMatchObject({ field: "filter" });
    expect(problem("books")).toMatchObject({ field: "filter" });
    expect(problem({})).toMatchObject({ field: "filter" });
    expect(problem({ category: [] })).toMatchObject({ field: "filter.category" });
    expect(problem({ category: ["books", 2] })).toMatchObject({ field: "filter.category" });
    expect(problem({ category: true })).toMatchObject({ field: "filter.category" });
    expect(problem({ category: null })).toMatchObject({ field: "filter.category" });
    expect(problem({ price_band: {} })).toMatchObject({ field: "filter.price_band" });
    expect(problem({ price_band: { min: 3, max: 1 } })).toMatchObject({
      field: "filter.price_band",
      message: expect.stringMatching(/above its max/),
    });
    expect(problem({ price_band: { min: "1" } })).toMatchObject({ field: "filter.price_band.min" });
    expect(problem({ price_band: { from: 1 } })).toMatchObject({ field: "filter.price_band.from" });
    expect(problem(Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`f${i}`, 1])))).toMatchObject({
      field: "filter",
    });
  });

  it("is part of the cache key; equal filters written differently share it", () => {
    const key = (filter?: unknown) =>
      cacheKey("p", {
        deployment: "recs",
        model: "m",
        version: 1,
        coldStart: undefined,
        query: q(filter === undefined ? {} : { filter: filterOf(filter) }),
      });
    expect(key()).toBe("p:recs:m:v1:-:u0:k10:all");
    expect(key({ category: "books" })).toMatch(/^p:recs:m:v1:-:u0:k10:all:f[0-9a-f]{16}$/);
    expect(
      new Set([key(), key({ category: "books" }), key({ category: "music" }), key({ price_band: 1 })]).size,
    ).toBe(4);
    expect(key({ category: ["music", "books"], price_band: { min: 1 } })).toBe(
      key({ price_band: { min: 1 }, category: ["books", "music", "books"] }),
    );
    expect(filterText(filterOf({ b: [2, 10], a: "x" }))).toBe('[["a",["x"]],["b",[2,10]]]');
  });
});

describe("a filter with a two-tower model", async () => {
  const model = await fitTinyTwoTower();
  const base = twoTowerRetrieval(model);
  // the fixture's items: category c(item % 3), a raw column the way the model kind passes it
  const data = tasteRows(3);
  const r = buildRetrieval({
    tables: base.tables,
    userColumn: "user",
    itemColumn: "item",
    users: data.X.columns[0]!,
    items: data.X.columns[1]!,
    relevant: Uint8Array.from(data.y!, (v) => (v > 0 ? 1 : 0)),
    coldStart: base.coldStart!,
    attributeColumns: [{ name: "category", values: Array.from(data.X.columns[3]!, (c) => `c${c}`) }],
  });
  const chain = ["two_tower", "popularity"] as const;

  it("keeps the tower path's and the new items' answers to the items that pass", () => {
    const f = filterOf({ category: "c2" });
    const newItems = [
      { item: 500, features: { category: "c2" } },
      { item: 501, features: { category: "c0" } },
      { item: 502, features: {} },
    ];
    const tower = recommendFor(r, chain, {
      user: 999,
      k: 40,
      excludeSeen: false,
      features: { segment: "s0" },
      filter: f,
      newItems,
    });
    expect(tower).toMatchObject({ path: "two_tower" });
    const items = itemsOf(tower);
    expect(items.sort((a, b) => a - b)).toEqual([2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 500]);
    const known = itemsOf(
      recommendFor(r, chain, { user: 0, k: 40, excludeSeen: false, filter: f, newItems }),
    );
    expect(known.every((i) => i % 3 === 2)).toBe(true);
    expect(known).toContain(500);
    expect(rawItemPasses(f, { category: "c2" })).toBe(true);
    expect(rawItemPasses(f, { category: 2 })).toBe(false);
    expect(rawItemPasses(filterOf({ price_band: { min: 1 } }), { price_band: "1" })).toBe(false);
  });
});

describe("over HTTP and in batch", () => {
  function project(): string {
    const dir = tempProject();
    const bundle = join(dir, "v1");
    buildBundleDir(bundle, fixtureOnnx(), fixtureMeta(), { retrieval: catalogue().serialize() });
    writeDeployment(dir, "recs", { version: 1, bundle, cold_start: ["popularity"] }, "test");
    return dir;
  }

  it("POST /v1/recommend filters, and answers a bad filter with a JSON 400 naming the field", async () => {
    const dir = project();
    const server = createPredictionServer({ projectDir: dir, deployment: "recs", logLevel: "silent" });
    const base = await server.listen(0, "127.0.0.1");
    await server.loaded;
    try {
      const post = async (body: unknown) => {
        const res = await fetch(`${base}/v1/recommend`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const ok = await post({ user: 0, k: 1, filter: { category: "books" } });
      expect(ok).toMatchObject({ status: 200, body: { path: "model", items: [{ item: 2, score: 3 }] } });
      const cold = await post({ user: 7, k: 5, filter: { price_band: { min: 3 } } });
      expect(cold).toMatchObject({
        status: 200,
        body: { path: "popularity", items: [{ item: 5 }, { item: 2 }] },
      });
      expect(await post({ user: 0, filter: { colour: "red" } })).toMatchObject({
        status: 400,
        body: { error: "invalid_request", field: "filter.colour" },
      });
      expect(await post({ user: 0, filter: { price_band: { min: 2, max: 1 } } })).toMatchObject({
        status: 400,
        body: { error: "invalid_request", field: "filter.price_band" },
      });
    } finally {
      await server.close();
    }
  });

  it("mlc recommend's batch top-K filters every user's list, and refuses a bad filter before writing", async () => {
    const dir = project();
    const out = join(dir, "top.jsonl");
    await recommendToFile(dir, "recs", out, {
      k: 2,
      excludeSeen: false,
      filter: filterOf({ category: "music" }),
    });
    expect(
      readFileSync(out, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { user: number; items: { item: number }[] })
        .map((l) => [l.user, l.items.map((i) => i.item)]),
    ).toEqual([
      [0, [4, 3]],
      [1, [3, 4]],
    ]);
    await expect(
      recommendToFile(dir, "recs", join(dir, "bad.jsonl"), {
        k: 2,
        excludeSeen: false,
        filter: filterOf({ colour: "x" }),
      }),
    ).rejects.toThrow(/filter.colour: no item attribute/);
    expect(existsSync(join(dir, "bad.jsonl"))).toBe(false);
  });

  it("mlc recommend --filter takes the JSON a request's filter takes; bad JSON or a bad filter exits 2 or 1", async () => {
    const dir = project();
    const out = join(dir, "music.jsonl");
    const ok = await runCli([
      "recommend",
      "recs",
      dir,
      "--k",
      "1",
      "--filter",
      '{"category": ["music"]}',
      "--out",
      out,
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(out, "utf8")).toContain('"items":[{"item":4,"score":5}]');
    const notJson = await runCli(["recommend", "recs", dir, "--filter", "category=music", "--out", out]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/--filter takes a JSON object/);
    const empty = await runCli(["recommend", "recs", dir, "--filter", "{}", "--out", out]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/--filter: filter: filter must name 1 to 16/);
    const unknown = await runCli(["recommend", "recs", dir, "--filter", '{"colour": "red"}', "--out", out]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/filter.colour: no item attribute 'colour'/);
  });
});
