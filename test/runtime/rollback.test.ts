import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ModelRegistry } from "../../src/registry/model-registry.js";
import { rollbackDeployment } from "../../src/runtime/registry/rollback.js";
import { openState } from "../../src/runtime/state/open.js";
import { readDeployment, writeDeployment } from "../../src/serve/deployment.js";
import { buildFixtureBundle } from "../serve/fixtures.js";

const version = {
  algorithm: "gbdt",
  params: {},
  fingerprint: "f",
  runId: "r",
  metrics: {},
  artifacts: { model: "a".repeat(64) },
};

/** Versions 1-3 of the fixture model "churn" registered and bundled; 2 serves with 3 in a shadow rollout. */
async function project(): Promise<string> {
  const p = mkdtempSync(join(tmpdir(), "mlc-rollback-"));
  for (const v of [1, 2, 3]) buildFixtureBundle(join(p, `.mlc/bundles/d/v${v}`), { version: v });
  const state = await openState(p);
  try {
    const reg = new ModelRegistry(state);
    for (let i = 0; i < 3; i++) await reg.addVersion({ ...version, model: "churn" });
    await reg.setAlias("churn", "champion", 2, "gate passed");
    await reg.setAlias("churn", "challenger", 3, "shadow");
  } finally {
    await state.close();
  }
  writeDeployment(p, "d", { version: 1, bundle: ".mlc/bundles/d/v1" }, "deploy v1");
  writeDeployment(p, "d", { version: 2, bundle: ".mlc/bundles/d/v2" }, "deploy v2");
  const shadow = { kind: "shadow" as const, candidate: { version: 3, bundle: ".mlc/bundles/d/v3" } };
  writeDeployment(p, "d", { version: 2, bundle: ".mlc/bundles/d/v2", rollout: shadow }, "shadow v3");
  return p;
}

describe("rollbackDeployment (mlc rollback)", () => {
  it("moves the pointer and the champion back one version, ends the rollout, retires its challenger", async () => {
    const p = await project();
    const r = await rollbackDeployment(p, "d");
    expect(r.from).toBe(2);
    expect(r.model).toBe("churn");
    expect(r.to).toMatchObject({ version: 1, reason: "rollback of d from version 2 to 1" });
    expect(r.to.rollout).toBeUndefined();
    expect(readDeployment(p, "d")?.version).toBe(1);
    const state = await openState(p);
    try {
      const reg = new ModelRegistry(state);
      expect((await reg.alias("churn", "champion"))?.version).toBe(1);
      expect(await reg.alias("churn", "challenger")).toBeUndefined();
    } finally {
      await state.close();
    }
  });

  it("refuses at the first version, and for a deployment never deployed", async () => {
    const p = await project();
    await rollbackDeployment(p, "d", "bad release");
    await expect(rollbackDeployment(p, "d")).rejects.toThrow(/no earlier version than 1/);
    await expect(rollbackDeployment(p, "other")).rejects.toThrow(/has never been deployed/);
  });

  it("refuses when the registry lacks the previous version, leaving the pointer alone", async () => {
    const p = mkdtempSync(join(tmpdir(), "mlc-rollback-"));
    for (const v of [1, 2]) buildFixtureBundle(join(p, `.mlc/bundles/d/v${v}`), { version: v });
    writeDeployment(p, "d", { version: 1, bundle: ".mlc/bundles/d/v1" }, "deploy v1");
    writeDeployment(p, "d", { version: 2, bundle: ".mlc/bundles/d/v2" }, "deploy v2");
    await expect(rollbackDeployment(p, "d")).rejects.toThrow(/the registry has no churn version 1/);
    expect(readDeployment(p, "d")?.version).toBe(2);
  });
});
