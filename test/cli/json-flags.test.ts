// `--json` on the commands that lacked it: gc and rollback print one JSON object with snake_case keys.
import { describe, expect, it } from "vitest";
import { applyOk, setSpec, tinyProject } from "../runtime/deploy-project.js";
import { runCli } from "./run-cli.js";

describe("--json", () => {
  it("rollback prints the deployment, model and both versions; gc its counts", async () => {
    const dir = tinyProject(5);
    await applyOk(dir);
    setSpec(dir, 6);
    await applyOk(dir);
    const r = await runCli(["rollback", "api", "--dir", dir, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ deployment: "api", from: 2, to: 1 });
    const gc = await runCli(["gc", dir, "--dry-run", "--json"]);
    expect(gc.code).toBe(0);
    const j = JSON.parse(gc.stdout) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(["dry_run", "removed", "bytes", "temps", "kept"]);
    expect(j.dry_run).toBe(true);
  });
});
