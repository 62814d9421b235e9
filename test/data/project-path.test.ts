import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { loadSource, sourceFingerprint } from "../../src/data/source-load.js";
import { readSourceSpec } from "../../src/data/source-spec.js";
import { columnValues } from "../../src/data/table-columns.js";
import type { Json } from "../../src/ir/graph-ir.js";
import { call } from "./expr-helpers.js";
import { MemoryStatCache, tempProject } from "./fixtures.js";

const SECRET = "root:x:0:0:root:/root:/bin/bash";

/** A project and, beside it, a directory it must not read, holding a secret file and database. */
function setup(): { dir: string; outside: string } {
  const dir = tempProject();
  const outside = mkdtempSync(join(tmpdir(), "mlc-outside-"));
  writeFileSync(join(outside, "passwd"), `${SECRET}\nbin:x:1:1\n`);
  writeFileSync(join(outside, "a.csv"), "id\n1\n");
  const db = new Database(join(outside, "secret.db"));
  db.exec("create table t (v text); insert into t values ('secret')");
  db.close();
  mkdirSync(join(dir, "data"));
  return { dir, outside };
}

async function refused(config: { [k: string]: Json }, dir: string): Promise<string> {
  const err = await loadSource(readSourceSpec(config), dir).then(
    () => new Error("read succeeded"),
    (e: unknown) => e as Error,
  );
  expect(err.message).toMatch(/leads outside the project directory through a symbolic link/);
  expect(err.message).not.toContain("root:x");
  return err.message;
}

describe("symbolic links cannot take a source outside the project", () => {
  it("a linked file, a linked directory and a linked SQLite database are refused before reading", async () => {
    const { dir, outside } = setup();
    symlinkSync(join(outside, "passwd"), join(dir, "data/link.csv"));
    symlinkSync(outside, join(dir, "data/out"));
    symlinkSync(join(outside, "secret.db"), join(dir, "data/local.db"));
    expect(await refused({ file: "data/link.csv" }, dir)).toContain('the path "data/link.csv"');
    await refused({ file: "data/out/a.csv" }, dir);
    await refused(
      { connection: call("sqlite", [], { path: "data/local.db" }), query: "select * from t" },
      dir,
    );
    // The fingerprint, computed at plan time, refuses it too: it hashes nothing outside.
    await expect(
      sourceFingerprint(readSourceSpec({ file: "data/link.csv" }), dir, new MemoryStatCache()),
    ).rejects.toThrow(/through a symbolic link/);
  });

  it("a glob refuses a match or a root that links outside, and follows links that stay inside", async () => {
    const { dir, outside } = setup();
    mkdirSync(join(dir, "data/parts"));
    writeFileSync(join(dir, "data/parts/p1.csv"), "id\n1\n");
    writeFileSync(join(dir, "data/real.csv"), "id\n2\n");
    symlinkSync(join(dir, "data/real.csv"), join(dir, "data/parts/p2.csv"));
    const inside = await loadSource(readSourceSpec({ file: "data/parts/*.csv" }), dir);
    expect(inside.files).toEqual(["data/parts/p1.csv", "data/parts/p2.csv"]);
    expect(Array.from(columnValues(inside.table, "id") as Float64Array)).toEqual([1, 2]);
    symlinkSync(join(outside, "a.csv"), join(dir, "data/parts/p3.csv"));
    await refused({ file: "data/parts/*.csv" }, dir);
    symlinkSync(outside, join(dir, "data/ext"));
    await refused({ file: "data/ext/*.csv" }, dir);
    await refused({ file: "data/**/a.csv" }, dir);
  });

  it("`**` does not loop on a link back up; allow_outside_paths = true reads through links", async () => {
    const { dir, outside } = setup();
    mkdirSync(join(dir, "data/d"));
    writeFileSync(join(dir, "data/d/x.csv"), "id\n1\n");
    symlinkSync(join(dir, "data"), join(dir, "data/d/up"));
    const loaded = await loadSource(readSourceSpec({ file: "data/**/x.csv" }), dir);
    expect(loaded.files).toEqual(["data/d/x.csv"]);
    symlinkSync(join(outside, "a.csv"), join(dir, "data/a.csv"));
    const allowed = await loadSource(readSourceSpec({ file: "data/a.csv", allow_outside_paths: true }), dir);
    expect(Array.from(columnValues(allowed.table, "id") as Float64Array)).toEqual([1]);
  });
});
