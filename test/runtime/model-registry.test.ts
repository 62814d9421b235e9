import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ModelRegistry, parseModelRef } from "../../src/registry/model-registry.js";
import { openState } from "../../src/runtime/state/open.js";
import type { StateStore } from "../../src/ir/state-store.js";

const base = {
  algorithm: "gbdt",
  params: {},
  fingerprint: "f1",
  runId: "r1",
  metrics: { "test.auc": 0.9 },
  artifacts: { model: "a".repeat(64) },
};

describe("ModelRegistry", () => {
  let dir: string;
  let state: StateStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "mlc-registry-"));
    state = await openState(dir);
  });
  afterEach(async () => {
    await state.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("two gates of one version recorded at once both stay (no lost update)", async () => {
    const reg = new ModelRegistry(state);
    const other = await openState(dir);
    const v = await reg.addVersion({ ...base, model: "churn" });
    // two `mlc exec gate.…` processes: each reads the version and writes its gate
    await Promise.all([
      reg.recordGate("churn", v.version, "ship", true, {}),
      new ModelRegistry(other).recordGate("churn", v.version, "fair", false, {}),
      reg.recordGate("churn", v.version, "latency", true, {}),
    ]);
    expect(Object.keys((await reg.version("churn", v.version))!.gates).sort()).toEqual([
      "fair",
      "latency",
      "ship",
    ]);
    await expect(reg.recordGate("churn", 99, "ship", true, {})).rejects.toThrow(/has no version 99/);
    await other.close();
  });

  it("numbers versions per model and finds them by fingerprint", async () => {
    const reg = new ModelRegistry(state);
    const v1 = await reg.addVersion({ ...base, model: "churn" });
    const v2 = await reg.addVersion({ ...base, model: "churn", fingerprint: "f2" });
    const o1 = await reg.addVersion({ ...base, model: "other" });
    expect([v1.version, v2.version, o1.version]).toEqual([1, 2, 1]);
    expect((await reg.findByFingerprint("churn", "f2"))?.version).toBe(2);
    expect(await reg.models()).toEqual(["churn", "other"]);
    expect((await reg.versions("churn")).map((v) => v.version)).toEqual([1, 2]);
  });

  it("records every alias change and knows the previous champion", async () => {
    const reg = new ModelRegistry(state);
    await reg.addVersion({ ...base, model: "churn" });
    await reg.addVersion({ ...base, model: "churn" });
    await reg.setAlias("churn", "champion", 1, "gate ship passed");
    await reg.setAlias("churn", "champion", 2, "gate ship passed");
    expect((await reg.alias("churn", "champion"))?.version).toBe(2);
    expect(await reg.previousChampion("churn")).toBe(1);
    const h = await reg.history("churn");
    expect(h.map((e) => [e.version, e.previous, e.reason])).toEqual([
      [1, null, "gate ship passed"],
      [2, 1, "gate ship passed"],
    ]);
    await reg.setAlias("churn", "champion", null, "demoted by user");
    expect(await reg.alias("churn", "champion")).toBeUndefined();
  });

  it("refuses an alias to a version that does not exist", async () => {
    const reg = new ModelRegistry(state);
    await expect(reg.setAlias("churn", "champion", 3, "x")).rejects.toThrow(/no version 3/);
  });

  it("parses model references", () => {
    expect(parseModelRef("churn")).toEqual({ model: "churn" });
    expect(parseModelRef("churn@3")).toEqual({ model: "churn", version: 3 });
    expect(parseModelRef("churn@champion")).toEqual({ model: "churn", alias: "champion" });
    expect(() => parseModelRef("churn@best")).toThrow(/neither/);
  });
});
