// Losing the state never overwrites what was deployed: bundles and model versions are write-once,
// an empty state beside deployed bundles is refused, and `mlc state rebuild` / --force-new-state recover.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyProject } from "../../src/runtime/project.js";
import { ModelRegistry } from "../../src/registry/model-registry.js";
import { openState } from "../../src/runtime/state/open.js";
import { StateError } from "../../src/runtime/state/state-error.js";
import { readDeployment } from "../../src/serve/deployment.js";
import { runCli } from "../cli/run-cli.js";
import { applyOk, setSpec, tinyProject } from "./deploy-project.js";

const bundleJson = (dir: string, v: number) => join(dir, ".mlc", "bundles", "api", `v${v}`, "bundle.json");
const dropState = (dir: string) => {
  for (const f of ["state.db", "state.db-wal", "state.db-shm", "plan-cache.json"])
    rmSync(join(dir, ".mlc", f), { force: true });
};

async function champion(dir: string): Promise<number | undefined> {
  const s = await openState(dir);
  try {
    return (await new ModelRegistry(s).alias("m", "champion"))?.version;
  } finally {
    await s.close();
  }
}

describe("a lost state", () => {
  it("is refused by plan and apply, naming what was found; no bundle changes", async () => {
    const dir = tinyProject(5);
    await applyOk(dir);
    const v1 = readFileSync(bundleJson(dir, 1), "utf8");
    dropState(dir);
    setSpec(dir, 9);
    const err = await applyProject(dir, { log: () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateError);
    expect((err as Error).message).toContain("m up to version 1");
    expect((err as Error).message).toContain("api serves version 1");
    expect((err as Error).message).toContain("mlc state rebuild");
    expect((err as Error).message).toContain("--force-new-state");
    expect(readFileSync(bundleJson(dir, 1), "utf8")).toBe(v1);

    const plan = await runCli(["plan", dir]);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain("has deployed before");
    expect(plan.stderr).not.toContain("internal error");
  });

  it("mlc state rebuild restores versions and the champion; the next apply numbers after them", async () => {
    const dir = tinyProject(5);
    await applyOk(dir);
    const v1 = readFileSync(bundleJson(dir, 1), "utf8");
    dropState(dir);
    const r = await runCli(["state", "rebuild", "--dir", dir]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("m@1");
    expect(r.stdout).toContain("m champion → 1");
    expect(await champion(dir)).toBe(1);
    setSpec(dir, 9);
    await applyOk(dir);
    expect(readFileSync(bundleJson(dir, 1), "utf8")).toBe(v1);
    expect(JSON.parse(readFileSync(bundleJson(dir, 2), "utf8")).version).toBe(2);
    expect(readDeployment(dir, "api")?.version).toBe(2);
    expect(await champion(dir)).toBe(2);
  });

  it("apply --force-new-state never reuses a version number on disk", async () => {
    const dir = tinyProject(5);
    await applyOk(dir);
    setSpec(dir, 7);
    await applyOk(dir);
    const v2 = readFileSync(bundleJson(dir, 2), "utf8");
    dropState(dir);
    setSpec(dir, 9);
    await applyOk(dir, { forceNewState: true });
    expect(readFileSync(bundleJson(dir, 2), "utf8")).toBe(v2);
    expect(existsSync(bundleJson(dir, 3))).toBe(true);
    expect(readDeployment(dir, "api")?.version).toBe(3);
  });

  it("a bundle directory holding another model is never overwritten, even when the guard is bypassed", async () => {
    const dir = tinyProject(5);
    await applyOk(dir);
    // The state keeps a record (so it is not "empty") but lost the model versions: numbering restarts.
    const s = await openState(dir);
    for (const r of await s.records.list("model_versions")) await s.records.delete("model_versions", r.key);
    await s.close();
    const db = join(dir, ".mlc", "state.db");
    const Database = (await import("better-sqlite3")).default;
    const raw = new Database(db);
    raw.exec("DELETE FROM mlc_sequences; DELETE FROM mlc_nodes;");
    raw.close();
    const v1 = readFileSync(bundleJson(dir, 1), "utf8");
    setSpec(dir, 9);
    const out = await applyProject(dir, { log: () => undefined, parallel: 1 });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    const deploy = out.result.outcomes.find((o) => o.id === "deploy.api");
    expect(deploy?.status).toBe("failed");
    expect(deploy?.error).toContain("refusing to overwrite bundle");
    expect(readFileSync(bundleJson(dir, 1), "utf8")).toBe(v1);
  });

  it("a damaged bundle of the same version is set aside and rebuilt", async () => {
    const dir = tinyProject(5);
    await applyOk(dir);
    writeFileSync(bundleJson(dir, 1), "{ not json");
    const out = await applyProject(dir, { log: () => undefined, replace: ["deploy.api"] });
    expect(out.ok && out.result.ok).toBe(true);
    expect(JSON.parse(readFileSync(bundleJson(dir, 1), "utf8")).version).toBe(1);
  });
});
