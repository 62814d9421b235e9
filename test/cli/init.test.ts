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

  it("refuses a directory that already has specs", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "mine.mlspec"), "project x {}\n");
    const r = await runCli(["init", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("already holds .mlspec files");
  });
});
