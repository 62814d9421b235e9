// POST /v1/feedback on a running server: labels by request id (single, batch rows), by entity key and
// time, idempotent duplicates, 404 for an unknown request, 400 naming the field, and the log's exclude.
import { existsSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogConfig } from "../../src/serve/log/types.js";
import { predictionLogDir } from "../../src/serve/prediction-log.js";
import { writeDeployment } from "../../src/serve/deployment.js";
import { readPredictionLog } from "../../src/serve/prediction-log-reader.js";
import { createPredictionServer, type PredictionServer } from "../../src/serve/server.js";
import { buildFixtureBundle, tempProject } from "./fixtures.js";

const rec = { customer_id: "c-1", tenure: 3, monthly: 50.5, active: true, plan: "pro", ssn: "123-45-6789" };

describe("POST /v1/feedback", () => {
  let s: PredictionServer;
  let project: string;
  beforeAll(async () => {
    project = tempProject();
    buildFixtureBundle(join(project, ".mlc/bundles/churn_api/v1"), { version: 1 });
    writeDeployment(
      project,
      "churn_api",
      {
        version: 1,
        bundle: ".mlc/bundles/churn_api/v1",
        log: { store: { kind: "files" }, retention_seconds: 30 * 86400, exclude: ["ssn"] },
      },
      "test",
    );
    s = createPredictionServer({
      projectDir: project,
      deployment: "churn_api",
      predictionLog: { flushMs: 10_000 },
    });
    await s.loaded;
  });
  afterAll(async () => {
    await s.close();
  });

  const post = (url: string, payload: unknown) =>
    s.app.inject({
      method: "POST",
      url,
      payload: JSON.stringify(payload),
      headers: { "content-type": "application/json" },
    });
  const predict = async (body: unknown): Promise<string> =>
    (await post("/v1/predict", body)).json().request_id as string;

  it("stores a label for a logged request once; a second label for it is a duplicate (the first wins)", async () => {
    const id = await predict(rec);
    const first = await post("/v1/feedback", { request_id: id, label: "churn" });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: "stored" });
    const again = await post("/v1/feedback", { request_id: id, label: "stay" });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ status: "duplicate" });
    const stored = (await s.log!.readFeedback()).filter((f) => f.request_id === id);
    expect(stored.map((f) => f.label)).toEqual(["churn"]);
  });

  it("answers 404 JSON for a request id that was never logged, storing nothing", async () => {
    const res = await post("/v1/feedback", { request_id: "no-such-request", label: "churn" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({
      error: "unknown_request",
      field: "request_id",
      request_ids: ["no-such-request"],
    });
    const batch = await post("/v1/feedback", {
      items: [
        { request_id: await predict(rec), label: true },
        { request_id: "missing-2", label: false },
      ],
    });
    expect(batch.statusCode).toBe(404);
    expect(batch.json().field).toBe("items[1].request_id");
  });

  it("labels the rows of a batch request by index, and maps true/false to the classes", async () => {
    const id = await predict({ instances: [rec, { ...rec, tenure: 40 }] });
    const missing = await post("/v1/feedback", { request_id: id, label: "churn" });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: "invalid_feedback", field: "index" });
    const res = await post("/v1/feedback", {
      items: [
        { request_id: id, index: 0, label: true },
        { request_id: id, index: 1, label: false },
        { request_id: id, index: 1, label: true },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ stored: 2, duplicates: 1, results: ["stored", "stored", "duplicate"] });
    const stored = (await s.log!.readFeedback()).filter((f) => f.request_id === id);
    expect(stored.map((f) => [f.index, f.label])).toEqual([
      [0, "churn"],
      [1, "stay"],
    ]);
    expect((await post("/v1/feedback", { request_id: id, index: 2, label: "churn" })).json().field).toBe(
      "index",
    );
  });

  it("accepts labels by entity key and time, to be joined later", async () => {
    const res = await post("/v1/feedback", {
      key: { customer_id: "c-9" },
      time: "2026-12-01T10:00:00Z",
      label: "stay",
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe("stored");
    const f = (await s.log!.readFeedback()).find((x) => x.key?.customer_id === "c-9");
    expect(f).toMatchObject({ time: "2026-12-01T10:00:00.000Z", label: "stay" });
  });

  it("stores experiment outcomes (metric and value) by request id or key, apart from the labels", async () => {
    const id = await predict(rec);
    const res = await post("/v1/feedback", {
      items: [
        { request_id: id, label: "churn" },
        { request_id: id, metric: "converted", value: true },
        { request_id: id, metric: "revenue", value: 19.5 },
        { key: { customer_id: "c-1" }, time: "2026-12-01T10:00:00Z", metric: "revenue", value: 4 },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ stored: 4, duplicates: 0 });
    const again = await post("/v1/feedback", { request_id: id, metric: "converted", value: 0 });
    expect(again.json()).toMatchObject({ status: "duplicate", id: `o:converted:r:${id}#0` });
    expect((await s.log!.readFeedback()).filter((f) => f.request_id === id).map((f) => f.label)).toEqual([
      "churn",
    ]);
    const outcomes = await s.log!.readOutcomes();
    expect(outcomes.filter((o) => o.request_id === id).map((o) => [o.metric, o.value])).toEqual([
      ["converted", 1],
      ["revenue", 19.5],
    ]);
    expect(outcomes.find((o) => o.key?.customer_id === "c-1")).toMatchObject({ metric: "revenue", value: 4 });
    const unknown = await post("/v1/feedback", { request_id: "never-logged", metric: "converted", value: 1 });
    expect(unknown.statusCode).toBe(404);
  });

  it.each([
    [{ request_id: "x", metric: "converted" }, "value"],
    [{ request_id: "x", metric: "converted", value: "yes" }, "value"],
    [{ request_id: "x", metric: "converted", value: 1, label: "churn" }, "label"],
    [{ request_id: "x", value: 1 }, "metric"],
    [{ request_id: "x", metric: "has space", value: 1 }, "metric"],
    [
      {
        items: [
          { request_id: "x", metric: "m", value: 1 },
          { request_id: "y", metric: "m" },
        ],
      },
      "items[1].value",
    ],
    [{ label: "churn" }, "request_id"],
    [{ request_id: "x" }, "label"],
    [{ request_id: "x", label: "maybe" }, "label"],
    [{ request_id: 7, label: "churn" }, "request_id"],
    [{ request_id: "x", key: { a: 1 }, label: "churn" }, "key"],
    [{ key: { customer_id: "c" }, label: "churn" }, "time"],
    [{ key: {}, time: "2026-01-01", label: "churn" }, "key"],
    [{ key: { c: [1] }, time: "2026-01-01", label: "churn" }, "key.c"],
    [{ request_id: "x", label: "churn", extra: 1 }, "extra"],
    [{ items: [] }, "items"],
    [{ items: [{ request_id: "x", label: "churn" }, { request_id: "y" }] }, "items[1].label"],
    [[1, 2], "body"],
  ])("answers 400 JSON naming the field for %j", async (body, field) => {
    const res = await post("/v1/feedback", body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: "invalid_feedback", field });
  });

  it("leaves excluded fields out of the log", async () => {
    const id = await predict(rec);
    await s.log!.flush();
    const logged = readPredictionLog(project, "churn_api").find((e) => e.request_id === id)!;
    expect(logged.features).toEqual({
      customer_id: "c-1",
      tenure: 3,
      monthly: 50.5,
      active: true,
      plan: "pro",
    });
  });
});

const PG = process.env.MLC_TEST_PG_URL;
const REDIS = process.env.MLC_TEST_REDIS_URL;
const shared: { name: string; skip?: string; log: () => Promise<LogConfig> }[] = [
  {
    name: "postgres",
    skip: PG ? undefined : "MLC_TEST_PG_URL is not set",
    async log() {
      const schema = `mlc_fb_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
      const c = new pg.Client({ connectionString: PG });
      await c.connect();
      await c.query(`CREATE SCHEMA ${schema}`);
      await c.end();
      cleanups.push(async () => {
        const d = new pg.Client({ connectionString: PG });
        await d.connect();
        await d.query(`DROP SCHEMA ${schema} CASCADE`);
        await d.end();
      });
      return { store: { kind: "postgres", url_env: "MLC_TEST_PG_URL", table: `${schema}.preds` } };
    },
  },
  {
    name: "redis",
    skip: REDIS ? undefined : "MLC_TEST_REDIS_URL is not set",
    async log() {
      const prefix = `mlc_test_fb:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
      cleanups.push(async () => {
        const r = new Redis(REDIS!);
        const keys = await r.keys(`${prefix}:*`);
        if (keys.length) await r.del(...keys);
        r.disconnect();
      });
      return { store: { kind: "redis", url_env: "MLC_TEST_REDIS_URL", prefix } };
    },
  },
];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

for (const b of shared) {
  describe.skipIf(b.skip !== undefined)(
    `a server logging to ${b.name}${b.skip ? ` (skipped: ${b.skip})` : ""}`,
    () => {
      it("logs predictions to the shared store, where two servers' labels meet and the first wins", async () => {
        const project = tempProject();
        buildFixtureBundle(join(project, ".mlc/bundles/churn_api/v1"), { version: 1 });
        const log = await b.log();
        writeDeployment(
          project,
          "churn_api",
          { version: 1, bundle: ".mlc/bundles/churn_api/v1", log },
          "test",
        );
        const one = createPredictionServer({ projectDir: project, deployment: "churn_api" });
        const two = createPredictionServer({ projectDir: project, deployment: "churn_api" });
        await Promise.all([one.loaded, two.loaded]);
        expect(one.log!.kind).toBe(b.name);
        const inject = (s: PredictionServer, url: string, body: unknown) =>
          s.app.inject({
            method: "POST",
            url,
            payload: JSON.stringify(body),
            headers: { "content-type": "application/json" },
          });
        const id = (await inject(one, "/v1/predict", rec)).json().request_id as string;
        await one.log!.flush();
        // the label reaches the other replica, which finds the request in the shared log
        expect((await inject(two, "/v1/feedback", { request_id: id, label: "churn" })).json().status).toBe(
          "stored",
        );
        expect((await inject(one, "/v1/feedback", { request_id: id, label: "stay" })).json().status).toBe(
          "duplicate",
        );
        expect((await inject(two, "/v1/feedback", { request_id: "nope", label: "stay" })).statusCode).toBe(
          404,
        );
        const logged = await two.log!.read();
        expect(logged.map((e) => e.request_id)).toEqual([id]);
        expect(logged[0]!.features).toEqual(rec);
        expect((await two.log!.readFeedback()).map((f) => f.label)).toEqual(["churn"]);
        await Promise.all([one.close(), two.close()]);
      });
    },
  );
}

describe("a server following the pointer's log setting", () => {
  it("switches sinks when the pointer's log changes, and enforces the retention it names", async () => {
    const project = tempProject();
    buildFixtureBundle(join(project, ".mlc/bundles/churn_api/v1"), { version: 1 });
    writeDeployment(project, "churn_api", { version: 1, bundle: ".mlc/bundles/churn_api/v1" }, "test");
    const s = createPredictionServer({ projectDir: project, deployment: "churn_api", pollMs: 20 });
    await s.loaded;
    const before = s.log!;
    // an old rotated file from an earlier run: deleted once a retention is declared
    const dir = predictionLogDir(project, "churn_api");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "old.ndjson"), "");
    const old = (Date.now() - 10 * 86_400_000) / 1000;
    utimesSync(join(dir, "old.ndjson"), old, old);
    writeDeployment(
      project,
      "churn_api",
      {
        version: 1,
        bundle: ".mlc/bundles/churn_api/v1",
        log: { store: { kind: "files" }, retention_seconds: 86_400 },
      },
      "retention",
    );
    s.live.check();
    for (let i = 0; i < 100 && (s.log === before || existsSync(join(dir, "old.ndjson"))); i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(s.log).not.toBe(before);
    expect(existsSync(join(dir, "old.ndjson"))).toBe(false);
    await s.close();
  });
});

describe("a server whose log cannot be opened", () => {
  it("does not start, naming the unset variable", async () => {
    const project = tempProject();
    buildFixtureBundle(join(project, ".mlc/bundles/churn_api/v1"), { version: 1 });
    const log: LogConfig = { store: { kind: "redis", url_env: "MLC_TEST_UNSET_LOG_URL", prefix: "p" } };
    writeDeployment(project, "churn_api", { version: 1, bundle: ".mlc/bundles/churn_api/v1", log }, "test");
    const s = createPredictionServer({ projectDir: project, deployment: "churn_api" });
    await expect(s.loaded).rejects.toThrow(/MLC_TEST_UNSET_LOG_URL is not set/);
    await s.close();
  });
});

describe("a server whose database log is down", () => {
  it("keeps serving, and /metrics counts the failed writes; feedback answers 503", async () => {
    process.env.MLC_TEST_DOWN_LOG_URL = "postgres://postgres@127.0.0.1:1/none";
    const project = tempProject();
    buildFixtureBundle(join(project, ".mlc/bundles/churn_api/v1"), { version: 1 });
    const log: LogConfig = { store: { kind: "postgres", url_env: "MLC_TEST_DOWN_LOG_URL", table: "preds" } };
    writeDeployment(project, "churn_api", { version: 1, bundle: ".mlc/bundles/churn_api/v1", log }, "test");
    const s = createPredictionServer({
      projectDir: project,
      deployment: "churn_api",
      predictionLog: { flushMs: 10_000 },
    });
    await s.loaded;
    const post = (url: string, body: unknown) =>
      s.app.inject({
        method: "POST",
        url,
        payload: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      });
    const pred = await post("/v1/predict", rec);
    expect(pred.statusCode).toBe(200);
    const fb = await post("/v1/feedback", { request_id: pred.json().request_id, label: "churn" });
    expect(fb.statusCode).toBe(503);
    expect(fb.json().error).toBe("feedback_store_unavailable");
    const metrics = (await s.app.inject({ method: "GET", url: "/metrics" })).body;
    expect(metrics).toMatch(/mlc_prediction_log_write_failures_total\{deployment="churn_api"\} [1-9]/);
    await s.close();
  });
});
