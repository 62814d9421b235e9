import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ModelRegistry } from "../../src/registry/model-registry.js";
import { openState } from "../../src/runtime/state/open.js";
import { runCli } from "./run-cli.js";

describe("mlc models", () => {
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "mlc-models-"));
    const state = await openState(dir);
    const reg = new ModelRegistry(state);
    const base = {
      model: "churn",
      algorithm: "gbdt",
      params: {},
      runId: "r",
      artifacts: { model: "b".repeat(64) },
    };
    await reg.addVersion({ ...base, fingerprint: "f1", metrics: { "test.auc": 0.91 } });
    await reg.addVersion({ ...base, fingerprint: "f2", metrics: { "test.auc": 0.93 } });
    await reg.setAlias("churn", "champion", 1, "gate ship passed");
    await state.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("lists versions with aliases and the headline metric", async () => {
    const r = await runCli(["models", "list", "--dir", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/churn\s+1\s+champion\s+0\.9100/);
    expect(r.stdout).toMatch(/churn\s+2\s+-\s+0\.9300/);
  });

  it("promotes a version and shows the audit trail", async () => {
    expect(
      (await runCli(["models", "promote", "churn@2", "--dir", dir, "--reason", "better"])).stdout,
    ).toContain("champion 1 → 2");
    const show = await runCli(["models", "show", "churn@champion", "--dir", dir]);
    expect(show.stdout).toContain("churn version 2");
    expect(show.stdout).toContain("champion: 1 → 2  (better)");
  });

  it("demotes, and explains an unknown version without a stack trace", async () => {
    expect((await runCli(["models", "demote", "churn", "--dir", dir])).code).toBe(0);
    const bad = await runCli(["models", "show", "churn@9", "--dir", dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("no such model version 'churn@9'");
    expect(bad.stderr).not.toContain("    at ");
  });
});
