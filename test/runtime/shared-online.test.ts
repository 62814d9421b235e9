// Online feature tables shared between checkouts (PostgreSQL state + a shared-directory store): the
// events example applied in checkout A; checkout B, holding only the spec and the data, plans no
// changes and serves a request that names only the station and the day with the same looked-up
// inputs and predictions as A. A SQLite table comes down as one verified object of the store; a
// Redis table (`online = redis { … }`) is read from the same Redis by both.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applyProject, planProject } from "../../src/runtime/project.js";
import { readDeployment } from "../../src/serve/deployment.js";
import { createPredictionServer } from "../../src/serve/server.js";
import { PG, pgSchemas } from "./pg-schemas.js";

const freshSchema = pgSchemas();
const REDIS = process.env.MLC_TEST_REDIS_URL;
const REQUEST = { station: "Belmont", date: "2016-08-29", temp: 77.5 };

/** The events example sharing `store` and the PostgreSQL state, its deploy block's online store replaced by `online`. */
function project(store: string, online?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "mlc-shared-online-"));
  cpSync(resolve(__dirname, "../../examples/events"), dir, {
    recursive: true,
    filter: (s) => !s.includes(".mlc"),
  });
  const file = join(dir, "events.mlspec");
  let spec = readFileSync(file, "utf8").replace(
    "  seed        = 7\n}",
    `  seed        = 7\n  state       = postgres { url = env("MLC_TEST_PG_URL") }\n  artifacts   = dir { path = "${store}" }\n}`,
  );
  if (online) spec = spec.replace(/ {2}online = sqlite[^\n]*\n/, `  online = ${online}\n`);
  expect(spec).toContain("artifacts   = dir");
  if (online) expect(spec).toContain(`online = ${online}`);
  writeFileSync(file, spec);
  return dir;
}

/** Every object file of a shared-directory store. */
function storeObjects(store: string): string[] {
  const root = join(store, "objects");
  return readdirSync(root)
    .filter((p) => /^[0-9a-f]{2}$/.test(p))
    .flatMap((p) => readdirSync(join(root, p)).map((f) => join(root, p, f)));
}

/** A fresh clone of `from`: the spec and the data, nothing of .mlc/. */
function clone(from: string): string {
  const to = mkdtempSync(join(tmpdir(), "mlc-shared-online-b-"));
  cpSync(join(from, "events.mlspec"), join(to, "events.mlspec"));
  cpSync(join(from, "data"), join(to, "data"), { recursive: true });
  return to;
}

/** What a checkout's server answers to REQUEST, and which inputs it looked up. */
async function served(dir: string): Promise<{ predictions: unknown; online: unknown }> {
  const server = createPredictionServer({
    projectDir: dir,
    deployment: "ridership_api",
    predictionLog: false,
  });
  try {
    await server.loaded;
    const res = await server.app.inject({
      method: "POST",
      url: "/v1/predict",
      payload: JSON.stringify(REQUEST),
      headers: { "content-type": "application/json" },
    });
    expect(res.statusCode, res.body).toBe(200);
    const model = (await server.app.inject({ method: "GET", url: "/v1/model" })).json() as {
      online: unknown;
    };
    return { predictions: res.json().predictions, online: model.online };
  } finally {
    await server.close();
  }
}

describe.skipIf(!PG)("online tables shared between checkouts (needs MLC_TEST_PG_URL)", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    delete process.env.MLC_STATE_SCHEMA;
  });

  let store = "";
  const run = async (online: string | undefined) => {
    process.env.MLC_STATE_SCHEMA = freshSchema("mlc_online");
    store = mkdtempSync(join(tmpdir(), "mlc-store-"));
    dirs.push(store);
    const a = project(store, online);
    dirs.push(a);
    const out = await applyProject(a, { log: () => undefined, parallel: 2 });
    expect(out.ok && out.result.ok).toBe(true);
    const expected = await served(a);

    const b = clone(a);
    dirs.push(b);
    const planned = await planProject(b);
    if (!planned.ok) throw new Error(planned.diagnostics.map((d) => d.message).join("\n"));
    expect(planned.plan.changes.filter((c) => c.action !== "noop")).toEqual([]);
    expect(readDeployment(b, "ridership_api")?.online).toEqual(readDeployment(a, "ridership_api")?.online);
    expect(await served(b)).toEqual(expected);
    return { a, b };
  };

  it("a SQLite table comes down to the second checkout, verified, and serves the same lookups", async () => {
    const { a, b } = await run(undefined);
    expect(existsSync(join(b, ".mlc/online.db"))).toBe(true);

    // The export is verified as it comes down: a tampered one is refused (MLC2400) and nothing is served from it.
    const exported = storeObjects(store).find((f) =>
      readFileSync(f, "utf8").includes('"format":"mlc-online-export/1"'),
    );
    expect(exported).toBeDefined();
    writeFileSync(exported!, readFileSync(exported!, "utf8").replace(/\[\d/, "[9"));
    const c = clone(a);
    dirs.push(c);
    await expect(planProject(c)).rejects.toMatchObject({ code: "MLC2400" });
    expect(readDeployment(c, "ridership_api")).toBeUndefined();
  }, 240_000);

  it.skipIf(!REDIS)(
    "a Redis table is read by both checkouts from the same Redis (needs MLC_TEST_REDIS_URL)",
    async () => {
      const prefix = `mlc-test-shared:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
      const { b } = await run(`redis { url = env("MLC_TEST_REDIS_URL")  prefix = "${prefix}" }`);
      expect(existsSync(join(b, ".mlc/online.db"))).toBe(false);
    },
    240_000,
  );
});
