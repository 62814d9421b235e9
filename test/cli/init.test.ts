import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

describe("mlc init", () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), "mlc-init-"));
    dirs.push(d);
    return d;
  };

  it("writes a starter project that validates clean", async () => {
    const dir = join(tmp(), "proj");
    const r = await runCli(["init", dir]);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, "iris.mlspec"))).toBe(true);
    expect(existsSync(join(dir, "data", "iris.csv"))).toBe(true);
    const v = await runCli(["validate", dir]);
    expect(v.code).toBe(0);
  });

  it.each(["classification", "regression", "anomaly", "recommend", "events"])(
    "writes the %s template, which validates clean",
    async (template) => {
      const dir = join(tmp(), template);
      const r = await runCli(["init", dir, "--template", template]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Created a ${template} starter project`);
      expect(existsSync(join(dir, ".mlc"))).toBe(false);
      const v = await runCli(["validate", dir]);
      expect(v.code, v.stderr).toBe(0);
      expect(v.stderr).toBe("");
    },
  );

  it("refuses an unknown template as a usage error", async () => {
    const r = await runCli(["init", join(tmp(), "x"), "--template", "clustering"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown template 'clustering' (one of classification, regression");
  });

  it("refuses a directory that already has specs", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "mine.mlspec"), "project x {}\n");
    const r = await runCli(["init", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("already holds .mlspec files");
  });
});
