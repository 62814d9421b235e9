// `mlc materialize`: after new rows land in the events example's CSVs, the deployment's online table
// is recomputed as of the new newest day for the version it serves, without retraining; the plan
// still sees the data change, a running server answers from the new table, and rollback stays consistent.
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireApplyLock } from "../../src/runtime/lock.js";
import { applyProject, planProject } from "../../src/runtime/project.js";
import { ModelRegistry } from "../../src/registry/model-registry.js";
import { bundleModel } from "../../src/serve/serving-sync.js";
import { openState } from "../../src/runtime/state/open.js";
import {
  readDeployment,
  readHistory,
  writeDeployment,
  type DeploymentPointer,
} from "../../src/serve/deployment.js";
import { openOnlineStore } from "../../src/serve/online-store.js";
import { createPredictionServer, type PredictionServer } from "../../src/serve/server.js";
import { runCli } from "./run-cli.js";

let dir: string;
let server: PredictionServer | undefined;
let before: DeploymentPointer;

const STATIONS: [string, number][] = [
  ["Clark_Lake", 7.1],
  ["Belmont", 25],
  ["Kedzie", 1.9],
  ["Harlem", 1.4],
  ["Oak_Park", 0.9],
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mlc-materialize-"));
  cpSync(resolve(__dirname, "../../examples/events"), dir, {
    recursive: true,
    filter: (s) => !s.includes(".mlc"),
  });
  const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
  expect(out.ok && out.result.ok).toBe(true);
  before = readDeployment(dir, "ridership_api")!;
}, 180_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A station's rides from the CSV, oldest first. */
function rides(station: string): number[] {
  return readFileSync(join(dir, "data/station_days.csv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split(","))
    .filter((f) => f[1] === station)
    .map((f) => Number(f[2]));
}

async function lookup(
  p: DeploymentPointer,
  station: string,
): Promise<{ asOf: string | number; values: Record<string, unknown> }> {
  const store = await openOnlineStore(dir, p.online!.store, { readonly: true });
  try {
    const meta = (await store.meta(p.online!.table))!;
    const [row] = await store.lookup(p.online!.table, [station]);
    return { asOf: meta.as_of, values: Object.fromEntries(meta.columns.map((c, i) => [c.name, row![i]])) };
  } finally {
    await store.close();
  }
}

const post = async (payload: unknown) =>
  server!.app.inject({
    method: "POST",
    url: "/v1/predict",
    payload: JSON.stringify(payload),
    headers: { "content-type": "application/json" },
  });
const request = { station: "Belmont", date: "2016-08-30", temp: 80 };

describe("mlc materialize", () => {
  it("refuses a deployment that was never deployed, with exit code 1 and no stack", async () => {
    const r = await runCli(["materialize", "nowhere", "--dir", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("deployment 'nowhere' has never been deployed");
    expect(r.stderr).not.toContain("    at ");
  });

  it("refuses a deployment whose model looks nothing up", async () => {
    writeDeployment(
      dir,
      "plain",
      { version: before.version, bundle: before.bundle },
      "test: a deployment without an online table",
    );
    const r = await runCli(["materialize", "plain", "--dir", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("has no online table");
    expect(r.stderr).toContain("nothing to materialize");
  });

  it("refuses during a rollout, leaving the pointer as it was", async () => {
    writeDeployment(
      dir,
      "ridership_api",
      {
        ...before,
        rollout: {
          kind: "shadow",
          candidate: {
            version: before.version,
            bundle: before.bundle,
            ...(before.online ? { online: before.online } : {}),
          },
        },
      },
      "test: shadow",
    );
    const r = await runCli(["materialize", "ridership_api", "--dir", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is in a shadow rollout");
    expect(r.stderr).toContain("mlc rollout promote|abort ridership_api");
    writeDeployment(
      dir,
      "ridership_api",
      { version: before.version, bundle: before.bundle, online: before.online! },
      "test: shadow ended",
    );
  });

  it("waits for no one: another apply holding the lock is reported", async () => {
    const state = await openState(dir);
    try {
      await acquireApplyLock(state, "mlc apply (test)");
      const r = await runCli(["materialize", "ridership_api", "--dir", dir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("the state is locked by another apply");
      expect(r.stderr).toContain("mlc apply (test)");
    } finally {
      await state.lock.release();
      await state.close();
    }
  });

  it("with no new data, keeps the same table", async () => {
    const r = await runCli(["materialize", "ridership_api", "--dir", dir]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`online table ${before.online!.table} is already up to date`);
    expect(readDeployment(dir, "ridership_api")!.online).toEqual(before.online);
    const j = await runCli(["materialize", "ridership_api", dir, "--json"]);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({
      deployment: "ridership_api",
      table: before.online!.table,
      unchanged: true,
    });
  });

  it("refuses data that fails the source's expectations, and leaves the table alone", async () => {
    const csv = join(dir, "data/station_days.csv");
    const good = readFileSync(csv, "utf8");
    try {
      appendFileSync(csv, "2016-08-29,Belmont,-4,80\n");
      const r = await runCli(["materialize", "ridership_api", "--dir", dir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/source\.station_days: 1 expectation failed/);
      expect(r.stderr).toContain("rides >= 0");
      expect(r.stderr).not.toContain("    at ");
      writeFileSync(csv, good + "2016-08-29,Belmont,lots,80\n");
      const bad = await runCli(["materialize", "ridership_api", "--dir", dir]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("mlc materialize: ");
      expect(bad.stderr).toContain("rides");
      expect(bad.stderr).not.toContain("    at ");
      expect(readDeployment(dir, "ridership_api")!.online).toEqual(before.online);
    } finally {
      writeFileSync(csv, good);
    }
  });

  it("looks up the new day's windows and weather, keeps the version, and a running server follows", async () => {
    server = createPredictionServer({ projectDir: dir, deployment: "ridership_api", predictionLog: false });
    await server.loaded;
    const old = await post(request);
    expect(old.statusCode).toBe(200);

    appendFileSync(
      join(dir, "data/station_days.csv"),
      STATIONS.map(([s, r]) => `2016-08-29,${s},${r},80.5\n`).join(""),
    );
    appendFileSync(join(dir, "data/weather.csv"), "2016-08-29,12,30.2,70,0.1,0.25,0.5\n");
    const r = await runCli(["materialize", "ridership_api", "--dir", dir]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("5 station entities as of 2016-08-29T00:00:00.001Z");

    const now = readDeployment(dir, "ridership_api")!;
    expect(now.version).toBe(before.version);
    // The champion stays the version served (src/runtime/registry/serving-sync.ts).
    const state = await openState(dir);
    const model = bundleModel(dir, now.bundle)!;
    expect((await new ModelRegistry(state).alias(model, "champion"))?.version).toBe(now.version);
    await state.close();
    expect(now.bundle).toBe(before.bundle);
    expect(now.online!.table).not.toBe(before.online!.table);
    expect(r.stdout).toContain(`table ${now.online!.table}`);
    expect(now.reason).toBe("materialized as of 2016-08-29T00:00:00.001Z");
    expect(readHistory(dir, "ridership_api").at(-1)!.reason).toBe(now.reason);

    // What the batch features give a Belmont row dated just after 2016-08-29: the last 7 days including it.
    const { asOf, values } = await lookup(now, "Belmont");
    expect(asOf).toBe("2016-08-29T00:00:00.001Z");
    const last7 = rides("Belmont").slice(-7);
    expect(last7.at(-1)).toBe(25);
    expect(values.rides_7d).toBeCloseTo(last7.reduce((a, b) => a + b, 0) / 7, 4);
    expect(values.peak_7d).toBeCloseTo(Math.max(...last7), 5);
    expect(values.low_7d).toBeCloseTo(Math.min(...last7), 5);
    expect([values.temp_min, values.weather_rain, values.weather_snow]).toEqual([12, 0.25, 0.5]);
    const was = await lookup(before, "Belmont");
    expect(was.values.rides_7d).not.toBeCloseTo(values.rides_7d as number, 4);

    // the server picks the new table up on the pointer change (its watcher would too; check() makes it deterministic)
    server.live.check();
    await server.live.settled();
    expect((await server.app.inject({ method: "GET", url: "/v1/model" })).json().online.table).toBe(
      now.online!.table,
    );
    const fresh = await post(request);
    const explicit = await post({ ...request, ...values });
    expect(fresh.json().predictions).toEqual(explicit.json().predictions);
    expect(fresh.json().predictions).not.toEqual(old.json().predictions);
  });

  it("computes with the definitions the served version was deployed with, not unapplied spec edits", async () => {
    const spec = join(dir, "events.mlspec");
    const text = readFileSync(spec, "utf8");
    const served = readDeployment(dir, "ridership_api")!;
    try {
      writeFileSync(
        spec,
        text.replace(
          "rides_7d     = mean(rides, over = 7d, by = station)",
          "rides_7d     = mean(rides, over = 14d, by = station)",
        ),
      );
      const r = await runCli(["materialize", "ridership_api", "--dir", dir]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`online table ${served.online!.table} is already up to date`);
    } finally {
      writeFileSync(spec, text);
    }
  });

  it("does not fake the graph state: the plan still shows the new data", async () => {
    const p = await planProject(dir);
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    const changed = new Map(p.plan.changes.filter((c) => c.action !== "noop").map((c) => [c.id, c.action]));
    expect(changed.has("source.station_days")).toBe(true);
    expect(changed.has("source.weather")).toBe(true);
    expect(changed.has("model.forecast")).toBe(true);
  });

  it("rollback after a materialize and a new version returns the materialized (bundle, table) pair", async () => {
    const materialized = readDeployment(dir, "ridership_api")!;
    const spec = join(dir, "events.mlspec");
    writeFileSync(spec, readFileSync(spec, "utf8").replace("trees         = 300", "trees         = 120"));
    const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
    expect(out.ok && out.result.ok).toBe(true);
    const v2 = readDeployment(dir, "ridership_api")!;
    expect(v2.version).toBe(materialized.version + 1);
    const r = await runCli(["rollback", "ridership_api", "--dir", dir]);
    expect(r.code).toBe(0);
    const back = readDeployment(dir, "ridership_api")!;
    expect([back.version, back.bundle, back.online]).toEqual([
      materialized.version,
      materialized.bundle,
      materialized.online,
    ]);
    // and materialize now refreshes the rolled-back version with its own recorded definitions
    const again = await runCli(["materialize", "ridership_api", "--dir", dir]);
    expect(again.stderr).toBe("");
    expect(again.stdout).toContain(`version ${materialized.version}`);
    expect(readDeployment(dir, "ridership_api")!.online).toEqual(materialized.online);
  }, 180_000);
});
