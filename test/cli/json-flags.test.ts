// `--json` on the commands that lacked it: gc, rollback, fmt, export, models promote|demote and
// schema infer print one JSON object with snake_case keys (materialize's is in materialize.test.ts).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
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

  it("fmt lists each file and whether it changed; export, models promote and demote, schema infer", async () => {
    const dir = tinyProject(5);
    const spec = join(dir, "tiny.mlspec");
    writeFileSync(spec, readFileSync(spec, "utf8").replace("seed = 3", "seed     =    3"));
    const check = await runCli(["fmt", dir, "--check", "--json"]);
    expect(check.code).toBe(1);
    expect(JSON.parse(check.stdout)).toMatchObject({ changed: 1, written: 0, errors: false });
    const fmt = await runCli(["fmt", "-C", dir, "--json"]);
    expect(fmt.code).toBe(0);
    expect(JSON.parse(fmt.stdout)).toEqual({
      files: [{ path: spec, changed: true }],
      changed: 1,
      written: 1,
      errors: false,
    });

    await applyOk(dir);
    const out = join(dir, "exported");
    const ex = await runCli(["export", "api", dir, "--out", out, "--json"]);
    expect(ex.code).toBe(0);
    expect(JSON.parse(ex.stdout)).toEqual({
      deployment: "api",
      model: "m",
      version: 1,
      out,
      files: ["model.onnx", "bundle.json"],
    });

    // the champion is what api serves; the challenger alias moves alone
    const promote = await runCli(["models", "promote", "m@1", dir, "--alias", "challenger", "--json"]);
    expect(promote.code, promote.stderr).toBe(0);
    expect(JSON.parse(promote.stdout)).toEqual({
      model: "m",
      alias: "challenger",
      from: null,
      to: 1,
      deployments: [],
    });
    const demote = await runCli(["models", "demote", "m", dir, "--alias", "challenger", "--json"]);
    expect(demote.code, demote.stderr).toBe(0);
    expect(JSON.parse(demote.stdout)).toMatchObject({ model: "m", alias: "challenger", from: 1, to: null });

    const inf = await runCli(["schema", "infer", "rows", dir, "--json"]);
    expect(inf.code).toBe(0);
    const schema = JSON.parse(inf.stdout) as { rows: number; columns: { name: string; type: string }[] };
    expect(schema.rows).toBe(300);
    expect(schema.columns.map((c) => [c.name, c.type])).toEqual([
      ["id", "int"],
      ["x1", "float"],
      ["x2", "float"],
      ["y", "category"],
    ]);
  });
});
