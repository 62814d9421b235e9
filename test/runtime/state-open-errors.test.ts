// Opening the state: a damaged SQLite file, a bad or unreachable MLC_STATE_URL and two processes
// creating the same PostgreSQL schema give clear messages (no stack, no password), or just work.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openState } from "../../src/runtime/state/open.js";
import { StateError } from "../../src/runtime/state/state-error.js";
import { runCli } from "../cli/run-cli.js";
import { PG, pgSchemas } from "./pg-schemas.js";

const freshSchema = pgSchemas();

/** A project whose state.db is the first `keep` bytes of a real, populated state file. */
async function truncatedProject(keep: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "mlc-trunc-"));
  const s = await openState(dir);
  for (let i = 0; i < 200; i++) await s.records.put("c", `k${i}`, { pad: "x".repeat(200) });
  await s.close();
  const file = join(dir, ".mlc", "state.db");
  const bytes = readFileSync(file);
  writeFileSync(file, bytes.subarray(0, keep));
  return dir;
}

describe("a damaged SQLite state", () => {
  it("is reported with the recovery steps, without a stack trace", async () => {
    const dir = await truncatedProject(6000);
    const r = await runCli(["models", "list", "--dir", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain("internal error");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).toContain("is damaged");
    expect(r.stderr).toContain("mlc state rebuild");
  });

  it("a file that is not a database at all is reported the same way", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlc-notadb-"));
    mkdirSync(join(dir, ".mlc"));
    writeFileSync(join(dir, ".mlc", "state.db"), "this is not a database, it is just text".repeat(200));
    await expect(openState(dir)).rejects.toThrow(StateError);
  });
});

describe("bad state URLs", () => {
  it("an unreachable server: a clear message without the password", async () => {
    const url = "postgres://alice:s3cretpw@127.0.0.1:1/mlc";
    const err = await openState("/nonexistent", { url }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateError);
    expect((err as Error).message).toContain("cannot open the state at postgres://alice:***@127.0.0.1:1/mlc");
    expect((err as Error).message).not.toContain("s3cretpw");
  });

  it("a malformed URL through the CLI: no internal error, no password", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlc-badurl-"));
    const before = process.env.MLC_STATE_URL;
    process.env.MLC_STATE_URL = "postgres://bob:hunter2pw@host:notaport/db";
    try {
      const r = await runCli(["models", "list", "--dir", dir]);
      expect(r.code).toBe(1);
      expect(r.stderr).not.toContain("internal error");
      expect(r.stderr).not.toContain("hunter2pw");
      expect(r.stderr).toMatch(/^mlc: error MLC2010: (cannot open the state|MLC_STATE_URL)/);
    } finally {
      if (before === undefined) delete process.env.MLC_STATE_URL;
      else process.env.MLC_STATE_URL = before;
    }
  });

  it("an invalid schema name is a StateError", async () => {
    await expect(
      openState("/nonexistent", { url: "postgres://x@127.0.0.1:1/x", schema: "Bad-Name" }),
    ).rejects.toThrow(StateError);
  });
});

describe.skipIf(!PG)("PostgreSQL schema creation", () => {
  it("two stores opening a new schema at once both succeed", async () => {
    for (let round = 0; round < 3; round++) {
      const schema = freshSchema(`mlc_race${round}`);
      const opened = await Promise.allSettled(
        Array.from({ length: 4 }, () => openState("/nonexistent", { url: PG!, schema })),
      );
      for (const o of opened) {
        expect(o.status === "rejected" ? String(o.reason) : "ok").toBe("ok");
        if (o.status === "fulfilled") await o.value.close();
      }
    }
  });
});
