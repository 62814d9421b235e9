// A server started in one checkout follows pointer changes made from another checkout through the
// shared PostgreSQL state and store, without a restart: a rollback and a promote done elsewhere are
// served within a few polls; a new version whose bundle cannot be verified is not served (the old one
// keeps serving, the failure is logged and counted in /metrics), and it is served once it can be.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { applyQuiet, SPEC, writeProject } from "../cli/model-project.js";
import { runCli } from "../cli/run-cli.js";
import { planProject } from "../../src/runtime/project.js";
import { followSharedDeployment } from "../../src/runtime/shared-follow.js";
import { createPredictionServer } from "../../src/serve/server.js";
import { PG, pgSchemas } from "./pg-schemas.js";
import { buildForSubprocess } from "./subprocess-build.js";

const freshSchema = pgSchemas();

const shared = (store: string) => `project synth {
  seed      = 7
  state     = postgres { url = env("MLC_TEST_PG_URL") }
  artifacts = dir { path = "${store}" }
}
`;

const DEPLOY = `
deploy api {
  model = m
  when  = ok
}
`;

const RECORD = { x1: 0.5, x2: -0.2, x3: 0.1, grp: "a", region: "north" };

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!PG)("a server follows another checkout's pointer changes (needs MLC_TEST_PG_URL)", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    delete process.env.MLC_STATE_SCHEMA;
  });

  /** Checkout A with versions 1 and 2 of deployment api applied, and checkout B that has only pulled them. */
  async function checkouts(): Promise<{ a: string; b: string; store: string }> {
    process.env.MLC_STATE_SCHEMA = freshSchema("mlc_follow");
    const store = mkdtempSync(join(tmpdir(), "mlc-store-"));
    dirs.push(store);
    const spec = SPEC.replace("project synth {\n  seed = 7\n}\n", shared(store)) + DEPLOY;
    const a = writeProject();
    dirs.push(a);
    writeFileSync(join(a, "synth.mlspec"), spec);
    await applyQuiet(a);
    writeFileSync(join(a, "synth.mlspec"), spec.replace("trees         = 30", "trees         = 31"));
    await applyQuiet(a);
    const b = mkdtempSync(join(tmpdir(), "mlc-follow-b-"));
    dirs.push(b);
    cpSync(join(a, "synth.mlspec"), join(b, "synth.mlspec"));
    cpSync(join(a, "data"), join(b, "data"), { recursive: true });
    const planned = await planProject(b);
    expect(planned.ok).toBe(true);
    return { a, b, store };
  }

  it("`mlc serve --workers 2` in checkout B serves A's rollback without a restart", async () => {
    const main = join(buildForSubprocess(), "src", "cli", "main.js");
    const { a, b } = await checkouts();
    const child = spawn(
      process.execPath,
      [
        main,
        "serve",
        "api",
        "--dir",
        b,
        "--port",
        "0",
        "--workers",
        "2",
        "--shared-poll",
        "0.2",
        "--no-prediction-log",
      ],
      { env: { ...process.env, NO_COLOR: "1" } },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += String(d)));
    child.stderr.on("data", (d) => (out += String(d)));
    const exited = new Promise((res) => child.on("close", res));
    try {
      const base = await until(
        "the server to listen",
        async () => /listening on (http:\/\/\S+)/.exec(out)?.[1],
      );
      const served = async (): Promise<number | undefined> => {
        const res = await fetch(`${base}/v1/predict`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(RECORD),
        }).catch(() => undefined);
        return res?.ok ? ((await res.json()) as { model_version: number }).model_version : undefined;
      };
      await until("version 2", async () => ((await served()) === 2 ? true : undefined));
      expect((await runCli(["rollback", "api", "--dir", a])).code).toBe(0);
      // Both workers follow: every answer is version 1 soon after.
      await until("every worker to serve version 1", async () => {
        const versions = await Promise.all(Array.from({ length: 8 }, served));
        return versions.every((v) => v === 1) ? true : undefined;
      });
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
    expect(out, out).not.toMatch(/cannot follow/);
  }, 300_000);

  it("hears A's rollback at once through LISTEN/NOTIFY; polls when the listening connection is lost", async () => {
    const { a, b } = await checkouts();
    const server = createPredictionServer({
      projectDir: b,
      deployment: "api",
      predictionLog: false,
      pollMs: 100,
    });
    const logs: string[] = [];
    // An hour between polls: only the announcement can bring A's rollback to B within the test.
    let follower = await followSharedDeployment(b, "api", {
      intervalMs: 3_600_000,
      log: (m) => logs.push(m),
    });
    try {
      await server.loaded;
      const base = await server.listen(0);
      const served = async (): Promise<number> => {
        const res = await fetch(`${base}/v1/predict`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(RECORD),
        });
        expect(res.status).toBe(200);
        return ((await res.json()) as { model_version: number }).model_version;
      };
      expect(await served()).toBe(2);
      expect((await runCli(["rollback", "api", "--dir", a])).code).toBe(0);
      await until("B to serve version 1", async () => ((await served()) === 1 ? true : undefined), 120_000);
      await follower!.stop();

      // The listening connection dies: polling (every 300ms here) follows A's promote, and listening resumes.
      follower = await followSharedDeployment(b, "api", { intervalMs: 300, log: (m) => logs.push(m) });
      const admin = new pg.Client({ connectionString: PG });
      await admin.connect();
      try {
        const killed = await admin.query(
          `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1`,
          [`mlc listen ${process.pid}`],
        );
        expect(killed.rows.map((r: { ok: boolean }) => r.ok)).toEqual([true]);
      } finally {
        await admin.end();
      }
      await until("the lost connection to be noticed", async () =>
        logs.some((l) => /listening for changes at .* stopped: .*following by polling every 0\.3s/.test(l))
          ? true
          : undefined,
      );
      const promote = await runCli(["models", "promote", "m@2", "--dir", a]);
      expect(promote.code).toBe(0);
      await until("B to serve version 2", async () => ((await served()) === 2 ? true : undefined), 120_000);
      await until("listening to resume", async () =>
        logs.includes("deployment api: listening for changes again") ? true : undefined,
      );
      expect(logs.join("\n")).not.toMatch(/cannot follow/);
    } finally {
      await follower?.stop();
      await server.close();
    }
  }, 300_000);

  it("serves a rollback and a promote made from checkout A, and keeps the old version when the new one fails to verify", async () => {
    const { a, b, store } = await checkouts();

    const server = createPredictionServer({
      projectDir: b,
      deployment: "api",
      predictionLog: false,
      pollMs: 100,
    });
    const logs: string[] = [];
    const follower = await followSharedDeployment(b, "api", {
      intervalMs: 100,
      log: (m) => logs.push(m),
      failed: () => server.metrics.sharedSyncFailed(),
    });
    expect(follower).toBeDefined();
    try {
      await server.loaded;
      const base = await server.listen(0);
      const served = async (): Promise<number> => {
        const res = await fetch(`${base}/v1/predict`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(RECORD),
        });
        expect(res.status).toBe(200);
        return ((await res.json()) as { model_version: number }).model_version;
      };
      const metric = async (): Promise<number> => {
        const text = await (await fetch(`${base}/metrics`)).text();
        return Number(/^mlc_shared_sync_failures_total(?:\{[^}]*\})? (\d+)$/m.exec(text)?.[1]);
      };
      expect(await served()).toBe(2);

      // A rolls back: B's server serves version 1 without a restart.
      const rb = await runCli(["rollback", "api", "--dir", a]);
      expect(rb.code).toBe(0);
      await until("B to serve version 1", async () => ((await served()) === 1 ? true : undefined));
      expect(await metric()).toBe(0);

      // Version 2's model in the store is damaged, and B no longer holds its bundle folder (nor a cached copy): A's promote
      // is seen, but the bundle fails verification, so B keeps serving version 1 and says so.
      const onnx = readFileSync(join(a, ".mlc/bundles/api/v2/model.onnx"));
      const hash = createHash("sha256").update(onnx).digest("hex");
      const object = join(store, "objects", hash.slice(0, 2), hash.slice(2));
      expect(readFileSync(object).equals(onnx)).toBe(true);
      writeFileSync(
        object,
        Buffer.concat([onnx.subarray(0, onnx.length - 1), Buffer.from([onnx.at(-1)! ^ 1])]),
      );
      rmSync(join(b, ".mlc/bundles/api/v2"), { recursive: true });
      rmSync(join(b, ".mlc/objects", hash.slice(0, 2), hash.slice(2)), { force: true }); // B's cached copy
      const promote = await runCli(["models", "promote", "m@2", "--dir", a]);
      expect(promote.stderr).toBe("");
      expect(promote.stdout).toMatch(/deployment api now serves version 2/);
      await until("a failed look in /metrics", async () => ((await metric()) > 0 ? true : undefined));
      expect(await served()).toBe(1);
      expect(logs.join("\n")).toMatch(
        /cannot follow the shared state \(the version in use keeps serving\): MLC2400: artifact \w+ is corrupt/,
      );
      // One line per distinct failure, however many looks fail.
      await new Promise((r) => setTimeout(r, 400));
      expect(logs.filter((l) => l.includes("cannot follow")).length).toBe(1);

      // The object is repaired: B follows to version 2.
      writeFileSync(object, onnx);
      await until("B to serve version 2", async () => ((await served()) === 2 ? true : undefined));
      expect(logs.join("\n")).toMatch(/following the shared state again/);
    } finally {
      await follower?.stop();
      await server.close();
    }
  }, 240_000);
});
