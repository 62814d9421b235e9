import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BundleError, buildBundleDir, loadBundle, validateBundleMeta } from "../../src/serve/bundle.js";
import { ModelRunner } from "../../src/serve/model-runner.js";
import { isProblem } from "../../src/serve/record-encoder.js";
import { buildFixtureBundle, fixtureExpected, fixtureMeta, fixtureOnnx, tempProject } from "./fixtures.js";

describe("bundle format", () => {
  it("builds a bundle atomically and loads it back with its hash verified", () => {
    const root = tempProject();
    const dir = buildFixtureBundle(join(root, "b", "v1"));
    expect(readdirSync(join(root, "b"))).toEqual(["v1"]); // no temporary directory left behind
    const b = loadBundle(dir);
    expect(b.meta.version).toBe(1);
    expect(b.meta.onnx_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(b.meta.inputs.map((i) => i.name)).toEqual(["tenure", "monthly", "active", "plan"]);
  });

  it("replaces an existing bundle directory in one rename", () => {
    const root = tempProject();
    const dir = join(root, "v1");
    buildFixtureBundle(dir, { version: 1 });
    buildFixtureBundle(dir, { version: 2 });
    expect(loadBundle(dir).meta.version).toBe(2);
    expect(readdirSync(root)).toEqual(["v1"]);
  });

  it("detects a modified model.onnx", () => {
    const dir = buildFixtureBundle(join(tempProject(), "v1"));
    const bytes = readFileSync(join(dir, "model.onnx"));
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(join(dir, "model.onnx"), bytes);
    expect(() => loadBundle(dir)).toThrow(/does not match onnx_sha256/);
  });

  it("names the field of an invalid bundle.json", () => {
    const bad = {
      ...fixtureMeta(),
      version: 0,
      inputs: [{ name: "x", type: "complex", nullable: true }],
      output: { name: "score", width: 2 },
    };
    const errs = validateBundleMeta(bad);
    expect(errs).toContain("version: expected a positive integer");
    expect(errs.some((e) => e.startsWith("inputs[0].type:"))).toBe(true);
    expect(errs).toContain("output.width: the task needs width 1, got 2");
    expect(validateBundleMeta(fixtureMeta())).toEqual([]);
  });

  it("accepts only `unseen: error`, on an input with values", () => {
    const meta = fixtureMeta();
    const bad = {
      ...meta,
      inputs: [
        { ...meta.inputs[0]!, unseen: "error" },
        { ...meta.inputs[3]!, unseen: "other" },
      ],
    };
    const errs = validateBundleMeta(bad);
    expect(errs).toContain('inputs[0].unseen: "error" needs the input\'s `values`');
    expect(errs).toContain('inputs[1].unseen: expected "error", got "other"');
    expect(validateBundleMeta(meta)).toEqual([]);
  });

  it("refuses to build a bundle whose ONNX inputs disagree with bundle.json", () => {
    const meta = fixtureMeta();
    meta.inputs = [...meta.inputs.slice(0, 3), { name: "plan_name", type: "category", nullable: false }];
    expect(() => buildBundleDir(join(tempProject(), "v1"), fixtureOnnx(), meta)).toThrow(BundleError);
    try {
      buildBundleDir(join(tempProject(), "v1"), fixtureOnnx(), meta);
    } catch (e) {
      expect((e as Error).message).toContain("no graph input named 'plan_name'");
      expect((e as Error).message).toContain("graph input 'plan' is not described");
    }
  });

  it("reports a missing bundle clearly", () => {
    const root = tempProject();
    expect(() => loadBundle(join(root, "nope"))).toThrow(/cannot read bundle.json \(ENOENT\)/);
    expect(existsSync(join(root, "nope"))).toBe(false);
  });

  it("scores through the bundle exactly as the reference computation", async () => {
    const b = loadBundle(buildFixtureBundle(join(tempProject(), "v1")));
    const runner = await ModelRunner.load(b);
    const recs = [
      { tenure: 3, monthly: 50.5, active: true, plan: "pro" },
      { tenure: 40, monthly: null, active: false, plan: "premium" },
    ];
    const enc = runner.encoder.encodeRecords(recs, true);
    if (isProblem(enc)) throw new Error(enc.message);
    const s = await runner.score(enc);
    expect(s[0]).toBeCloseTo(fixtureExpected(recs[0]!), 5);
    expect(s[1]).toBeCloseTo(fixtureExpected(recs[1]!), 5);
    runner.retire();
  });
});
