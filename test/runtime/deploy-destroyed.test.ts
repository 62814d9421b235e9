// Removing a deploy block stops the deployment but keeps its history: rollback and rollout then
// say when it was destroyed, what it served, and how to restore it (not "never deployed").
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readDeployment } from "../../src/serve/deployment.js";
import { runCli } from "../cli/run-cli.js";
import { applyOk, setSpec, tinyProject } from "./deploy-project.js";

describe("a deployment whose block was removed", () => {
  it("rollback explains the destroy and the way back; re-adding the block restores it", async () => {
    const dir = tinyProject(5);
    await applyOk(dir);
    setSpec(dir, 5, { deploy: false });
    await applyOk(dir);
    expect(readDeployment(dir, "api")).toBeUndefined();

    const r = await runCli(["rollback", "api", "--dir", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain("never been deployed");
    expect(r.stderr).toMatch(/deployment 'api' was destroyed on \d{4}-\d\d-\d\dT/);
    expect(r.stderr).toContain("its deploy block was removed from the spec");
    expect(r.stderr).toContain("last served version 1");
    expect(r.stderr).toContain("add its deploy block back and run mlc apply");
    const ro = await runCli(["rollout", "status", "api", "--dir", dir]);
    expect(ro.stderr).toContain("was destroyed on");

    setSpec(dir, 5);
    await applyOk(dir);
    expect(readDeployment(dir, "api")?.version).toBe(1);
    expect(existsSync(join(dir, ".mlc", "deployments", "api", "destroyed.json"))).toBe(false);
  });

  it("a deployment that never existed is still 'never deployed'", async () => {
    const dir = tinyProject(5);
    const r = await runCli(["rollback", "nowhere", "--dir", dir]);
    expect(r.stderr).toContain("has never been deployed");
  });
});
