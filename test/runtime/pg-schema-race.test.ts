// Issue 19: processes opening a new MLC_STATE_SCHEMA at the same moment must all succeed (no
// `duplicate key value violates unique constraint "pg_namespace_nspname_index"`, nor a clash
// creating the tables). Real processes race here: each imports the state module, says it is
// ready, and opens the state when the test releases them all at once; repeated on fresh schemas.
// Needs MLC_TEST_PG_URL (skipped without it).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { buildForSubprocess } from "./subprocess-build.js";
import { PG, pgSchemas } from "./pg-schemas.js";

const freshSchema = pgSchemas();
const ROUNDS = 4;
const PROCESSES = 3;

const work = mkdtempSync(join(tmpdir(), "mlc-pg-race-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * A child: imports openState, prints "ready", and opens the state on "go" (or at once with
 * RACE_NOW), then prints its serial.
 */
function childScript(root: string): string {
  const open = pathToFileURL(join(root, "src/runtime/state/open.js")).href;
  return `import { openState } from ${JSON.stringify(open)};
const run = async () => {
  const store = await openState(process.env.RACE_DIR, { url: process.env.RACE_URL, schema: process.env.RACE_SCHEMA });
  process.stdout.write("serial " + (await store.serial()) + "\\n");
  await store.close();
  process.stdin.destroy();
};
process.stdout.write("ready\\n");
if (process.env.RACE_NOW) void run();
else process.stdin.once("data", () => void run());
`;
}

interface Racer {
  ready: Promise<void>;
  go(): void;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function racer(script: string, schema: string, now = false): Racer {
  const child = spawn(process.execPath, [script], {
    // PGAPPNAME names the children's connections, so the test can see them wait
    env: {
      ...process.env,
      RACE_DIR: work,
      RACE_URL: PG!,
      RACE_SCHEMA: schema,
      PGAPPNAME: schema,
      ...(now ? { RACE_NOW: "1" } : {}),
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let markReady = () => {};
  const ready = new Promise<void>((res) => (markReady = res));
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes("ready\n")) markReady();
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((res) =>
    child.on("close", (code) => {
      markReady(); // a child that died before "ready" must not hang the test
      res({ code, stdout, stderr });
    }),
  );
  return { ready, go: () => child.stdin.write("go\n"), done };
}

async function expectAllOpened(racers: Racer[], what: string): Promise<void> {
  const results = await Promise.all(racers.map((r) => r.done));
  for (const r of results) {
    expect(r.stderr, what).toBe("");
    expect(r.code, what).toBe(0);
    expect(r.stdout, what).toMatch(/serial \d+/);
  }
}

/** Waits until `n` of the children's connections wait on a lock (or one of them has exited). */
async function waitForWaiting(c: pg.Client, appName: string, racers: Racer[]): Promise<void> {
  const n = racers.length;
  let exited = false;
  for (const r of racers) void r.done.then(() => (exited = true));
  const end = Date.now() + 90_000;
  while (!exited) {
    const r = await c.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
      [appName],
    );
    if (r.rows[0].n >= n) return;
    if (Date.now() > end) throw new Error(`only ${r.rows[0].n} of ${n} processes reached the schema lock`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

describe.skipIf(!PG)("PostgreSQL: processes creating one new schema at once", () => {
  it("processes that arrive while another creator holds the schema uncommitted all succeed after it commits", async () => {
    // The test plays a creator mid-way (as mlc does it: the advisory lock, then CREATE SCHEMA),
    // and commits only once every child is waiting on it: the widest possible race window.
    const script = join(work, "open-state.mjs");
    writeFileSync(script, childScript(buildForSubprocess()));
    const schema = freshSchema("mlc_race");
    const creator = new pg.Client({ connectionString: PG });
    // a second connection watches: inside a transaction pg_stat_activity is a frozen snapshot
    const watcher = new pg.Client({ connectionString: PG });
    await creator.connect();
    await watcher.connect();
    try {
      await creator.query("BEGIN");
      await creator.query("SELECT pg_advisory_xact_lock(hashtext('mlc.create_schema.' || $1))", [schema]);
      await creator.query(`CREATE SCHEMA ${schema}`);
      const racers = Array.from({ length: PROCESSES }, () => racer(script, schema, true));
      await waitForWaiting(watcher, schema, racers);
      await creator.query("COMMIT");
      await expectAllOpened(racers, "after the creator committed");
    } finally {
      await creator.end();
      await watcher.end();
    }
  }, 180_000);

  it(`${PROCESSES} processes open a fresh MLC_STATE_SCHEMA together, ${ROUNDS} times: all succeed`, async () => {
    const script = join(work, "open-state.mjs");
    writeFileSync(script, childScript(buildForSubprocess()));
    for (let round = 0; round < ROUNDS; round++) {
      const schema = freshSchema("mlc_race");
      const racers = Array.from({ length: PROCESSES }, () => racer(script, schema));
      await Promise.all(racers.map((r) => r.ready));
      for (const r of racers) r.go();
      await expectAllOpened(racers, `round ${round}`);
      // the schema exists once, with the state's tables in it
      const c = new pg.Client({ connectionString: PG });
      await c.connect();
      try {
        const tables = await c.query(
          "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1",
          [schema],
        );
        expect(tables.rows[0].n).toBeGreaterThan(0);
      } finally {
        await c.end();
      }
    }
  }, 240_000);
});
