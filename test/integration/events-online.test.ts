// The events example end to end with its online store: apply materialises the window features and
// the joined weather per station, and `mlc serve ridership_api` answers a request naming only the
// station, the day and its temperature exactly as if the caller had sent those values itself.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyProject } from "../../src/runtime/project.js";
import { loadBundle } from "../../src/serve/bundle.js";
import { writeContainerManifests } from "../../src/serve/container.js";
import { readDeployment, resolveBundlePath } from "../../src/serve/deployment.js";
import { openOnlineStore } from "../../src/serve/online-store.js";
import { createPredictionServer, type PredictionServer } from "../../src/serve/server.js";

const REDIS = process.env.MLC_TEST_REDIS_URL;

let dir: string;
let server: PredictionServer | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mlc-events-online-"));
  cpSync(resolve(__dirname, "../../examples/events"), dir, {
    recursive: true,
    filter: (s) => !s.includes(".mlc"),
  });
  const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
  expect(out.ok).toBe(true);
  if (out.ok) expect(out.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);
}, 120_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Belmont's rows from the CSV, oldest first: the reference for the window values. */
function belmont(): { date: string; rides: number }[] {
  return readFileSync(join(dir, "data/station_days.csv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split(","))
    .filter((f) => f[1] === "Belmont")
    .map((f) => ({ date: f[0]!, rides: Number(f[2]) }));
}

describe("events: online features for ridership_api", () => {
  it("materialises one row per station: windows over the last days including the newest, the newest day's weather", async () => {
    const pointer = readDeployment(dir, "ridership_api")!;
    expect(pointer.online?.store).toEqual({ kind: "sqlite", path: ".mlc/online.db" });
    const store = await openOnlineStore(dir, pointer.online!.store, { readonly: true });
    try {
      const meta = (await store.meta(pointer.online!.table))!;
      expect(meta.key).toEqual(["station"]);
      expect(meta.rows).toBe(5);
      expect(meta.as_of).toBe("2016-08-28T00:00:00.001Z");
      const names = meta.columns.map((c) => c.name);
      expect(names.sort()).toEqual([
        "days_28d",
        "low_7d",
        "peak_7d",
        "rides_28d",
        "rides_7d",
        "temp_min",
        "trend",
        "weather_rain",
        "weather_snow",
      ]);
      const [row] = await store.lookup(pointer.online!.table, ["Belmont"]);
      const v = Object.fromEntries(meta.columns.map((c, i) => [c.name, row![i]]));
      const last7 = belmont()
        .slice(-7)
        .map((r) => r.rides);
      expect(v.rides_7d).toBeCloseTo(last7.reduce((a, b) => a + b, 0) / 7, 4);
      expect(v.low_7d).toBeCloseTo(Math.min(...last7), 5); // 2.743, the newest day's
      expect(v.peak_7d).toBeCloseTo(Math.max(...last7), 5);
      expect(v.days_28d).toBe(28);
      // weather.csv's last row, 2016-08-28: temp_min 75, no rain or snow
      expect([v.temp_min, v.weather_rain, v.weather_snow]).toEqual([75, 0, 0]);
    } finally {
      await store.close();
    }
  });

  it("serves {station, date, temp} with the looked-up inputs, equal to sending them", async () => {
    server = createPredictionServer({ projectDir: dir, deployment: "ridership_api", predictionLog: false });
    await server.loaded;
    const post = async (payload: unknown) =>
      server!.app.inject({
        method: "POST",
        url: "/v1/predict",
        payload: JSON.stringify(payload),
        headers: { "content-type": "application/json" },
      });
    const request = { station: "Belmont", date: "2016-08-29", temp: 77.5 };
    const looked = await post(request);
    expect(looked.statusCode).toBe(200);
    const online = (await server.app.inject({ method: "GET", url: "/v1/model" })).json().online;
    const pointer = readDeployment(dir, "ridership_api")!;
    const store = await openOnlineStore(dir, pointer.online!.store, { readonly: true });
    const [row] = await store.lookup(pointer.online!.table, ["Belmont"]);
    await store.close();
    const explicit = await post({
      ...request,
      ...Object.fromEntries((online.inputs as string[]).map((n, i) => [n, row![i]])),
    });
    expect(looked.json().predictions).toEqual(explicit.json().predictions);
    // a supplied value wins over the stored one
    const hot = await post({ ...request, rides_7d: 40, rides_28d: 40, trend: 1 });
    expect(hot.json().predictions[0].value).not.toBeCloseTo(looked.json().predictions[0].value, 3);
    const unknown = await post({ ...request, station: "Loop" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: "unknown_entity", field: "station" });
  });
});

describe("events: a container context carries the version's online table", () => {
  it("copies the one SQLite table beside the bundle, and a server on the context looks up from it", async () => {
    const pointer = readDeployment(dir, "ridership_api")!;
    const bundle = loadBundle(resolveBundlePath(dir, pointer.bundle));
    const out = mkdtempSync(join(tmpdir(), "mlc-events-container-"));
    try {
      const files = writeContainerManifests(out, bundle.meta, {
        bundleDir: bundle.dir,
        online: { ref: pointer.online!, projectDir: dir },
      });
      expect(files).toContain("project/.mlc/online.db");
      const inside = readDeployment(join(out, "project"), "ridership_api")!;
      expect(inside.online).toEqual({
        store: { kind: "sqlite", path: ".mlc/online.db" },
        table: pointer.online!.table,
      });
      const s = createPredictionServer({
        projectDir: join(out, "project"),
        deployment: "ridership_api",
        predictionLog: false,
      });
      try {
        await s.loaded;
        const res = await s.app.inject({
          method: "POST",
          url: "/v1/predict",
          payload: JSON.stringify({ station: "Harlem", date: "2016-08-29", temp: 70 }),
          headers: { "content-type": "application/json" },
        });
        expect(res.statusCode).toBe(200);
      } finally {
        await s.close();
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

/** Every file under the project's .mlc folder, as text (for a leaked credential). */
function stateText(root: string): string {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(readFileSync(p).toString("latin1"));
    }
  };
  walk(join(root, ".mlc"));
  return out.join("\n");
}

describe.skipIf(!REDIS)(
  `events: online = redis { url = env(…) }${REDIS ? "" : " (skipped: MLC_TEST_REDIS_URL is not set)"}`,
  () => {
    it("re-deploys into Redis when the store changes, records the variable's name only, and serves from it", async () => {
      const prefix = `mlc-test-events:${process.pid}`;
      const spec = join(dir, "events.mlspec");
      writeFileSync(
        spec,
        readFileSync(spec, "utf8").replace(
          /online = sqlite.*/,
          `online = redis { url = env("MLC_TEST_REDIS_URL")  prefix = "${prefix}" }`,
        ),
      );
      const out = await applyProject(dir, { log: () => undefined });
      expect(out.ok).toBe(true);
      if (!out.ok) return;
      expect(out.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);
      // only the deployment re-ran: the model and its data are unchanged
      expect(out.result.outcomes.filter((o) => o.status === "ok").map((o) => o.id)).toEqual([
        "deploy.ridership_api",
      ]);
      const pointer = readDeployment(dir, "ridership_api")!;
      expect(pointer.online?.store).toEqual({ kind: "redis", url_env: "MLC_TEST_REDIS_URL", prefix });
      expect(stateText(dir)).not.toContain(REDIS!);
      await server?.close();
      server = createPredictionServer({ projectDir: dir, deployment: "ridership_api", predictionLog: false });
      await server.loaded;
      const res = await server.app.inject({
        method: "POST",
        url: "/v1/predict",
        payload: JSON.stringify({ station: "Kedzie", date: "2016-08-29", temp: 70 }),
        headers: { "content-type": "application/json" },
      });
      expect(res.statusCode).toBe(200);
      expect((await server.app.inject({ method: "GET", url: "/v1/model" })).json().online.store).toBe(
        "redis (env MLC_TEST_REDIS_URL)",
      );
      const store = await openOnlineStore(dir, pointer.online!.store);
      expect(await store.prune("ridership_api", new Set())).toBe(1);
      await store.close();
    });
  },
);
