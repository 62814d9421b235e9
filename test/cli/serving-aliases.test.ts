// The champion alias and the deployment pointer never disagree: after every command that moves one
// (apply/deploy, rollback, rollout start/promote/abort, models promote/demote) the champion is the
// version served and the challenger is a rollout's candidate.
import { renameSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ModelRegistry } from "../../src/registry/model-registry.js";
import { openState } from "../../src/runtime/state/open.js";
import { readDeployment } from "../../src/serve/deployment.js";
import { applyOk, setSpec, tinyProject } from "../runtime/deploy-project.js";
import { runCli } from "./run-cli.js";

async function inStep(dir: string): Promise<{ serves: number; champion?: number; challenger?: number }> {
  const p = readDeployment(dir, "api")!;
  const s = await openState(dir);
  try {
    const reg = new ModelRegistry(s);
    const champion = (await reg.alias("m", "champion"))?.version;
    const challenger = (await reg.alias("m", "challenger"))?.version;
    expect(champion).toBe(p.version);
    expect(challenger).toBe(p.rollout?.candidate.version);
    return { serves: p.version, ...(champion ? { champion } : {}), ...(challenger ? { challenger } : {}) };
  } finally {
    await s.close();
  }
}

async function cli(args: string[]): Promise<string> {
  const r = await runCli(args);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return r.stdout;
}

describe("champion alias and serving pointer", () => {
  it("stay in step across every command that moves either", async () => {
    const dir = tinyProject(5);
    await applyOk(dir);
    expect(await inStep(dir)).toEqual({ serves: 1, champion: 1 });
    setSpec(dir, 7);
    await applyOk(dir);
    expect(await inStep(dir)).toEqual({ serves: 2, champion: 2 });

    await cli(["rollback", "api", "--dir", dir]);
    expect(await inStep(dir)).toEqual({ serves: 1, champion: 1 });

    const promoted = await cli(["models", "promote", "m@2", "--dir", dir]);
    expect(promoted).toContain("deployment api now serves version 2 (was 1)");
    expect(await inStep(dir)).toEqual({ serves: 2, champion: 2 });

    await cli([
      "rollout",
      "start",
      "api",
      "--bundle",
      `${dir}/.mlc/bundles/api/v1`,
      "--shadow",
      "--dir",
      dir,
    ]);
    expect(await inStep(dir)).toEqual({ serves: 2, champion: 2, challenger: 1 });
    await cli(["rollout", "promote", "api", "--dir", dir]);
    expect(await inStep(dir)).toEqual({ serves: 1, champion: 1 });

    await cli([
      "rollout",
      "start",
      "api",
      "--bundle",
      `${dir}/.mlc/bundles/api/v2`,
      "--canary",
      "20%",
      "--key",
      "id",
      "--dir",
      dir,
    ]);
    expect(await inStep(dir)).toEqual({ serves: 1, champion: 1, challenger: 2 });
    const during = await runCli(["models", "promote", "m@2", "--dir", dir]);
    expect(during.code).toBe(1);
    expect(during.stderr).toContain("rollout");
    await cli(["rollout", "abort", "api", "--dir", dir]);
    expect(await inStep(dir)).toEqual({ serves: 1, champion: 1 });

    const demote = await runCli(["models", "demote", "m", "--dir", dir]);
    expect(demote.code).toBe(1);
    expect(demote.stderr).toContain("which deployment 'api' serves");
    expect(await inStep(dir)).toEqual({ serves: 1, champion: 1 });

    // apply after all this changes nothing: the deploy node is up to date and keeps what rollback/promote chose.
    await applyOk(dir);
    expect(await inStep(dir)).toEqual({ serves: 1, champion: 1 });
  });

  it("models promote of a version without a usable bundle for the deployment changes nothing", async () => {
    const dir = tinyProject(5);
    await applyOk(dir);
    setSpec(dir, 7);
    await applyOk(dir);
    renameSync(join(dir, ".mlc/bundles/api/v1"), join(dir, ".mlc/bundles/api/.v1.moved"));
    const r = await runCli(["models", "promote", "m@1", "--dir", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("m version 1 has no usable bundle for deployment 'api'");
    expect(await inStep(dir)).toEqual({ serves: 2, champion: 2 });
  });
});
