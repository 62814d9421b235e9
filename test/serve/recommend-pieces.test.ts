// The pieces /v1/recommend stands on, each alone: the bundle's retrieval file (written with its
// sha256, verified on read, never copied as a stale entry, added to a bundle written before bundles
// carried one), the pointer's cold-start chain (validated, kept across promote-like writes), the
// request parser and the chain's order; and the language's MLC1185.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tinyRetrieval } from "../fixtures/tiny-retrieval.js";
import { BASE, check, codes } from "../compiler/check-helpers.js";
import {
  buildBundleDir,
  BundleError,
  loadBundle,
  publishBundle,
  readBundleRetrieval,
} from "../../src/serve/bundle.js";
import { readDeployment, validatePointer, writeDeployment } from "../../src/serve/deployment.js";
import { parseRecommendQuery, recommendFor } from "../../src/serve/recommend.js";
import { windowQuery } from "../../src/serve/monitoring/window.js";
import { fixtureMeta, fixtureOnnx, tempProject } from "./fixtures.js";

const retrieval = () => tinyRetrieval();

describe("a bundle's retrieval file", () => {
  it("is written with its sha256, read back, and refused when modified", () => {
    const dir = join(tempProject(), "v1");
    const bytes = retrieval().serialize();
    buildBundleDir(dir, fixtureOnnx(), fixtureMeta(), { retrieval: bytes });
    const b = loadBundle(dir);
    expect(b.meta.retrieval?.file).toBe("retrieval.bin");
    expect(Buffer.from(readBundleRetrieval(b)!).equals(Buffer.from(bytes))).toBe(true);
    writeFileSync(join(dir, "retrieval.bin"), Buffer.concat([Buffer.from(bytes), Buffer.from("x")]));
    expect(() => readBundleRetrieval(loadBundle(dir))).toThrow(BundleError);
    expect(() => readBundleRetrieval(loadBundle(dir))).toThrow(/does not match retrieval.sha256/);
  });

  it("is not claimed by a copy of the meta without the file (export of a bundle)", () => {
    const root = tempProject();
    buildBundleDir(join(root, "a"), fixtureOnnx(), fixtureMeta(), { retrieval: retrieval().serialize() });
    const a = loadBundle(join(root, "a"));
    buildBundleDir(join(root, "b"), a.onnx, a.meta);
    expect(loadBundle(join(root, "b")).meta.retrieval).toBeUndefined();
    expect(readBundleRetrieval(loadBundle(join(root, "b")))).toBeUndefined();
  });

  it("is added to the same version's bundle written before bundles carried one, nothing else changed", () => {
    const dir = join(tempProject(), "v1");
    publishBundle(dir, fixtureOnnx(), fixtureMeta());
    const onnxBefore = readFileSync(join(dir, "model.onnx"));
    const out = publishBundle(dir, fixtureOnnx(), fixtureMeta(), { retrieval: retrieval().serialize() });
    expect(out.action).toBe("kept");
    const b = loadBundle(dir);
    expect(b.meta.retrieval?.file).toBe("retrieval.bin");
    expect(b.meta.created).toBe(fixtureMeta().created);
    expect(readFileSync(join(dir, "model.onnx")).equals(onnxBefore)).toBe(true);
    expect(readBundleRetrieval(b)).toBeDefined();
  });
});

describe("the pointer's cold_start", () => {
  it("is validated and kept by a write that does not name it", () => {
    expect(validatePointer({ version: 1, bundle: "b", cold_start: ["popularity"] })).toEqual([]);
    expect(validatePointer({ version: 1, bundle: "b", cold_start: ["trending"] })[0]).toMatch(/cold_start/);
    expect(validatePointer({ version: 1, bundle: "b", cold_start: [] })[0]).toMatch(/cold_start/);
    const dir = tempProject();
    writeDeployment(dir, "recs", { version: 1, bundle: "b1", cold_start: ["popularity"] }, "deploy");
    writeDeployment(dir, "recs", { version: 2, bundle: "b2" }, "promote");
    expect(readDeployment(dir, "recs")!.cold_start).toEqual(["popularity"]);
    writeDeployment(dir, "recs", { version: 2, bundle: "b2", cold_start: undefined }, "deploy without it");
    expect(readDeployment(dir, "recs")!.cold_start).toBeUndefined();
  });
});

describe("a recommendation request", () => {
  it("parses user, k (default 10) and exclude_seen, naming the field of a problem", () => {
    expect(parseRecommendQuery({ user: 3 })).toEqual({ user: 3, k: 10, excludeSeen: false });
    expect(parseRecommendQuery({ user: "12", k: 5, exclude_seen: true })).toEqual({
      user: 12,
      k: 5,
      excludeSeen: true,
    });
    expect(parseRecommendQuery({ user: 1e20 })).toMatchObject({ field: "user" });
    expect(parseRecommendQuery(null)).toMatchObject({ field: "" });
  });

  it("answers a known user from the model, an unknown one from the chain, or not at all", () => {
    const r = retrieval();
    expect(recommendFor(r, undefined, { user: 1, k: 1, excludeSeen: false })).toEqual({
      path: "model",
      items: [{ item: 0, score: -1 }],
    });
    expect(recommendFor(r, ["popularity"], { user: 9, k: 2, excludeSeen: true })).toEqual({
      path: "popularity",
      items: [
        { item: 1, score: 2 },
        { item: 0, score: 1 },
      ],
    });
    expect(recommendFor(r, undefined, { user: 9, k: 2, excludeSeen: false })).toEqual({ unknownUser: true });
  });
  it("cold start: a new item is never recommended, to a known user, to a new one, or through popularity", () => {
    // item 2 has the largest vector (3), so user 0 (vector 1) would rank it first if it were in the
    // catalogue; no training row shows it, so no path offers it, however large k is
    const r = retrieval();
    const known = recommendFor(r, ["popularity"], { user: 0, k: 10, excludeSeen: false });
    expect(known).toMatchObject({ path: "model" });
    expect("items" in known && known.items.map((x) => x.item)).toEqual([1, 0]);
    const both = recommendFor(r, ["popularity"], { user: 9, k: 10, excludeSeen: false });
    expect(both).toMatchObject({ path: "popularity" });
    expect("items" in both && both.items.map((x) => x.item)).toEqual([1, 0]);
  });
});

describe("the prediction log's recommend rows", () => {
  it("are left out of a monitor's window by default (they hold a user and k, not the model's inputs)", () => {
    expect(windowQuery({ last: 100 }).exceptArms).toEqual(["shadow", "recommend"]);
    expect(windowQuery({ seconds: 60 }).exceptArms).toContain("recommend");
  });
});

describe("cold_start in the language", () => {
  const spec = (algorithm: string, chain = "[popularity]") => `${BASE}
model recs {
  task      = rank(churned, group = user, k = 3)
  data      = holdout
  features  = [usage.plan_code]
  algorithm = ${algorithm}
}
deploy recs_api { model = recs  cold_start = ${chain} }
`;
  it("is accepted for a factorisation model and refused for another (MLC1185)", () => {
    const ok = check(spec("bpr")).diagnostics.filter((d) => d.severity === "error");
    expect(ok).toEqual([]);
    const bad = check(spec("gbdt")).diagnostics.filter((d) => d.severity === "error");
    expect(codes(bad)).toEqual(["MLC1185"]);
    expect(bad[0]!.message).toMatch(/no user and item embeddings/);
    const unknown = check(spec("bpr", "[trending]")).diagnostics.filter((d) => d.severity === "error");
    expect(unknown.length).toBe(1);
    expect(unknown[0]!.message).toMatch(/popularity/);
  });
});
