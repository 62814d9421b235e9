// Streaming scoring against the real Redis (MLC_TEST_REDIS_URL): scores equal REST and batch scores,
// idle entries of a crashed consumer are claimed and scored once, duplicates are not re-emitted,
// bad events are dead-lettered with the REST validation messages, stop() drains, batches stay bounded.
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { predictionColumns, scoreTable } from "../../src/serve/batch-score.js";
import { buildBundleDir, loadBundle } from "../../src/serve/bundle.js";
import { ModelRunner } from "../../src/serve/model-runner.js";
import { writeDeployment } from "../../src/serve/deployment.js";
import { readPredictionLog } from "../../src/serve/prediction-log-reader.js";
import { createPredictionServer } from "../../src/serve/server.js";
import type { StreamTarget } from "../../src/serve/stream-config.js";
import { ensureGroup, MAX_DELIVERIES, StreamConsumer } from "../../src/serve/stream-consumer.js";
import { startStreamService, type StreamService } from "../../src/serve/stream-serve.js";
import {
  buildFixtureBundle,
  fixtureExpected,
  fixtureMeta,
  fixtureOnnx,
  PLANS,
  tempProject,
} from "./fixtures.js";

const REDIS = process.env.MLC_TEST_REDIS_URL;

type Rec = { tenure: number; monthly: number | null; active: boolean; plan: string };
const record = (i: number): Rec => ({
  tenure: i % 37,
  monthly: i % 5 === 0 ? null : 20 + (i % 13) * 3.5,
  active: i % 2 === 0,
  plan: PLANS[i % 3]!,
});

describe.skipIf(!REDIS)(
  `stream target on Redis Streams${REDIS ? "" : " (skipped: MLC_TEST_REDIS_URL is not set)"}`,
  () => {
    let project: string;
    let redis: Redis;
    const streams: string[] = [];
    const services: StreamService[] = [];

    beforeAll(() => {
      project = tempProject();
      buildFixtureBundle(join(project, ".mlc/bundles/churn_api/v1"), { version: 1 });
      writeDeployment(project, "churn_api", { version: 1, bundle: ".mlc/bundles/churn_api/v1" }, "test");
      redis = new Redis(REDIS!);
    });
    afterEach(async () => {
      await Promise.all(services.splice(0).map((s) => s.stop()));
    });
    afterAll(async () => {
      const done = await redis.keys(`mlc:stream:mlc-test-${process.pid}-*`);
      if (streams.length || done.length) await redis.del(...streams, ...done);
      await redis.quit();
    });

    let serial = 0;
    /** A target on fresh stream names, deleted after the suite. */
    const target = (over: Partial<StreamTarget> = {}): StreamTarget => {
      const base = `mlc-test-${process.pid}-${++serial}`;
      const t: StreamTarget = {
        format: "mlc-stream/1",
        url_env: "MLC_TEST_REDIS_URL",
        input: `${base}:events`,
        output: `${base}:scores`,
        group: `${base}:group`,
        dead_letter: `${base}:dead`,
        batch: 64,
        claim_idle_ms: 30_000,
        dedup_s: 600,
        workers: 1,
        ...over,
      };
      streams.push(t.input, t.output, t.dead_letter);
      return t;
    };
    const start = async (
      t: StreamTarget,
      workers?: number,
      deployment = "churn_api",
    ): Promise<StreamService> => {
      const s = await startStreamService({
        projectDir: project,
        deployment,
        target: t,
        blockMs: 50,
        ...(workers ? { workers } : {}),
      });
      services.push(s);
      return s;
    };
    const produce = async (t: StreamTarget, events: { id?: string; data: string }[]): Promise<void> => {
      const p = redis.pipeline();
      for (const e of events) p.xadd(t.input, "*", ...(e.id ? ["id", e.id] : []), "data", e.data);
      await p.exec();
    };
    /** The output entries as objects, oldest first. */
    const outputs = async (stream: string): Promise<Record<string, string>[]> =>
      (await redis.xrange(stream, "-", "+")).map(([, f]) => {
        const o: Record<string, string> = {};
        for (let i = 0; i + 1 < f.length; i += 2) o[f[i]!] = f[i + 1]!;
        return o;
      });
    const until = async (what: () => Promise<boolean>, ms = 8000): Promise<void> => {
      const end = Date.now() + ms;
      while (!(await what())) {
        if (Date.now() > end) throw new Error("timed out");
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const pendingCount = async (t: StreamTarget): Promise<number> => {
      const summary = (await redis.xpending(t.input, t.group)) as [number, ...unknown[]];
      return Number(summary[0]);
    };

    it("scores every event once, equal to batch scoring and to the REST server's predictions", async () => {
      const t = target();
      const recs = Array.from({ length: 150 }, (_, i) => record(i));
      await produce(
        t,
        recs.map((r, i) => ({ id: `e${i}`, data: JSON.stringify(r) })),
      );
      const s = await start(t);
      await until(async () => (await redis.xlen(t.output)) >= recs.length);
      const out = await outputs(t.output);
      expect(out.length).toBe(recs.length);
      const byId = new Map(out.map((o) => [o.id!, o]));
      expect(byId.size).toBe(recs.length);

      const batch = predictionColumns(await scoreTable(join(project, ".mlc/bundles/churn_api/v1"), recs));
      const server = createPredictionServer({
        projectDir: project,
        deployment: "churn_api",
        bodyLimit: 1 << 20,
        maxBatch: 1024,
        predictionLog: false,
      });
      await server.loaded;
      const rest = (
        await server.app.inject({
          method: "POST",
          url: "/v1/predict",
          payload: JSON.stringify({ instances: recs }),
          headers: { "content-type": "application/json" },
        })
      ).json() as { predictions: { label: string; probabilities: Record<string, number> }[] };
      await server.close();
      await s.stop(); // flushes the prediction log
      services.splice(services.indexOf(s), 1);
      const logged = readPredictionLog(project, "churn_api").filter((e) => e.request_id.startsWith("e"));
      expect(logged.length).toBe(recs.length);
      const logById = new Map(logged.map((e) => [e.request_id, e]));
      recs.forEach((r, i) => {
        const e = logById.get(`e${i}`)!;
        expect(e.features).toEqual(r);
        expect(e.output).toEqual(rest.predictions[i]);
        expect(e).toMatchObject({ deployment: "churn_api", model_version: 1, arm: "stable" });
      });
      recs.forEach((r, i) => {
        const o = byId.get(`e${i}`)!;
        expect(o.version).toBe("1");
        const p = JSON.parse(o.prediction!) as { label: string; probabilities: Record<string, number> };
        expect(p).toEqual(rest.predictions[i]);
        expect(p.probabilities.churn).toBe((batch.score as Float32Array)[i]);
        expect(p.label).toBe((batch.label as string[])[i]);
        expect(p.probabilities.churn).toBeCloseTo(fixtureExpected(r), 5);
      });
      expect(await pendingCount(t)).toBe(0);
      expect(s.stats()).toMatchObject({ scored: recs.length, dead: 0, duplicates: 0 });
    });

    it("claims the entries of a consumer that read and crashed, and scores each exactly once", async () => {
      const t = target({ claim_idle_ms: 150, batch: 32 });
      await redis.xgroup("CREATE", t.input, t.group, "0", "MKSTREAM");
      await produce(
        t,
        Array.from({ length: 100 }, (_, i) => ({ id: `c${i}`, data: JSON.stringify(record(i)) })),
      );
      // a consumer reads 40 events mid-batch and dies without acknowledging them
      const crashed = await redis.xreadgroup(
        "GROUP",
        t.group,
        "crashed",
        "COUNT",
        40,
        "STREAMS",
        t.input,
        ">",
      );
      expect((crashed as [string, unknown[]][])[0]![1].length).toBe(40);
      const s = await start(t, 2);
      await until(async () => (await redis.xlen(t.output)) >= 100 && (await pendingCount(t)) === 0);
      await new Promise((r) => setTimeout(r, 400)); // time for a wrong second output to appear
      const out = await outputs(t.output);
      expect(out.length).toBe(100);
      expect(new Set(out.map((o) => o.id)).size).toBe(100);
      expect(s.stats().claimed).toBe(40);
      expect(s.stats().duplicates).toBe(0);
    });

    it("does not re-emit a redelivered event or a producer's retry with the same id", async () => {
      const t = target();
      await produce(t, [
        { id: "a", data: JSON.stringify(record(1)) },
        { id: "b", data: JSON.stringify(record(2)) },
        { id: "a", data: JSON.stringify(record(1)) },
      ]);
      const s = await start(t);
      await until(async () => (await pendingCount(t)) === 0 && s.stats().read === 3);
      expect((await outputs(t.output)).map((o) => o.id)).toEqual(["a", "b"]);
      expect(s.stats().duplicates).toBe(1);
      // every entry delivered again to the group (as after a crash between the write and the ack)
      await redis.xgroup("SETID", t.input, t.group, "0");
      await until(async () => s.stats().read === 6 && (await pendingCount(t)) === 0);
      expect((await outputs(t.output)).map((o) => o.id)).toEqual(["a", "b"]);
      expect(s.stats().duplicates).toBe(4);
    });

    it("dead-letters bad events with the reason and the payload, and scores the good ones beside them", async () => {
      const t = target();
      const good = record(3);
      await redis.xadd(t.input, "*", "id", "nojson", "data", "{tenure: 3");
      await redis.xadd(t.input, "*", "id", "missing", "data", JSON.stringify({ ...good, tenure: undefined }));
      await redis.xadd(t.input, "*", "id", "mistyped", "data", JSON.stringify({ ...good, tenure: 2.5 }));
      await redis.xadd(t.input, "*", "id", "badcat", "data", JSON.stringify({ ...good, plan: "gold" }));
      await redis.xadd(t.input, "*", "id", "array", "data", "[1, 2]");
      await redis.xadd(t.input, "*", "id", "nodata", "payload", "x");
      await redis.xadd(t.input, "*", "id", "ok", "data", JSON.stringify(good));
      const s = await start(t);
      await until(async () => (await pendingCount(t)) === 0 && s.stats().read === 7);
      expect((await outputs(t.output)).map((o) => o.id)).toEqual(["ok"]);
      const dead = await outputs(t.dead_letter);
      const reasons = Object.fromEntries(dead.map((d) => [d.id, [d.field, d.reason]]));
      expect(reasons.nojson![0]).toBe("data");
      expect(reasons.nojson![1]).toMatch(/^data is not valid JSON: /);
      expect(reasons.missing).toEqual(["tenure", "missing required field 'tenure'"]);
      expect(reasons.mistyped).toEqual(["tenure", "expected an integer, got 2.5"]);
      expect(reasons.badcat).toEqual([
        "plan",
        "unknown category 'gold'; expected one of basic, pro, premium",
      ]);
      expect(reasons.array).toEqual(["data", "expected a JSON object per record, got array"]);
      expect(reasons.nodata![0]).toBe("data");
      expect(dead.find((d) => d.id === "mistyped")!.payload).toBe(JSON.stringify({ ...good, tenure: 2.5 }));
      expect(dead.every((d) => d.entry && /^\d+-\d+$/.test(d.entry))).toBe(true);
      expect(s.stats()).toMatchObject({ scored: 1, dead: 6 });
    });

    it("drains on stop: the batch in flight is written and acknowledged, the rest stays for the next consumer", async () => {
      // small batches over a long backlog, so the stop comes while most of it is unread
      const t = target({ batch: 10 });
      const n = 3000;
      await produce(
        t,
        Array.from({ length: n }, (_, i) => ({ id: `d${i}`, data: JSON.stringify(record(i)) })),
      );
      const s = await start(t);
      await until(async () => s.stats().scored >= 100);
      await s.stop();
      services.splice(services.indexOf(s), 1);
      const stats = s.stats();
      expect(await pendingCount(t)).toBe(0);
      expect(await redis.xlen(t.output)).toBe(stats.scored);
      expect(stats.scored).toBeLessThan(n);
      // the drained consumer left the group
      const consumers = (await redis.xinfo("CONSUMERS", t.input, t.group)) as unknown[];
      expect(consumers.length).toBe(0);
      const next = await start(t);
      await until(async () => (await redis.xlen(t.output)) >= n && (await pendingCount(t)) === 0);
      const out = await outputs(t.output);
      expect(new Set(out.map((o) => o.id)).size).toBe(n);
      expect(out.length).toBe(n);
      expect(next.stats().duplicates).toBe(0);
    });

    it("never holds more than `batch` events per consumer and scores each batch in one model run", async () => {
      const t = target({ batch: 16 });
      await produce(
        t,
        Array.from({ length: 200 }, (_, i) => ({ data: JSON.stringify(record(i)) })),
      );
      const s = await start(t);
      await until(async () => (await redis.xlen(t.output)) >= 200);
      const stats = s.stats();
      expect(stats.maxInFlight).toBe(16);
      expect(stats.batches).toBeGreaterThanOrEqual(200 / 16);
      const runner = s.routing.stable;
      expect(runner.rows).toBe(200 + 1); // + the warm-up record
      expect(runner.runs).toBe(stats.batches + 1);
    });

    it("streams an anomaly model's decision beside the score, as the REST server returns it", async () => {
      const meta = { ...fixtureMeta({ task: "anomaly" }), deployment: "anomaly_api" };
      buildBundleDir(join(project, ".mlc/bundles/anomaly_api/v1"), fixtureOnnx({ task: "anomaly" }), {
        ...meta,
        task: { kind: "anomaly", threshold: 0.5 },
      });
      writeDeployment(project, "anomaly_api", { version: 1, bundle: ".mlc/bundles/anomaly_api/v1" }, "test");
      const t = target();
      const recs = Array.from({ length: 40 }, (_, i) => record(i));
      await produce(
        t,
        recs.map((r, i) => ({ id: `a${i}`, data: JSON.stringify(r) })),
      );
      await start(t, 1, "anomaly_api");
      await until(async () => (await redis.xlen(t.output)) >= recs.length);
      const streamed = (await outputs(t.output)).map(
        (o) => JSON.parse(o.prediction!) as Record<string, unknown>,
      );
      const server = createPredictionServer({
        projectDir: project,
        deployment: "anomaly_api",
        bodyLimit: 1 << 20,
        maxBatch: 1024,
        predictionLog: false,
      });
      await server.loaded;
      const rest = (
        await server.app.inject({
          method: "POST",
          url: "/v1/predict",
          payload: JSON.stringify({ instances: recs }),
          headers: { "content-type": "application/json" },
        })
      ).json() as { predictions: { score: number; anomaly: boolean; threshold: number }[] };
      await server.close();
      expect(streamed).toEqual(rest.predictions);
      const decisions = rest.predictions.map((p) => p.anomaly);
      expect(decisions).toContain(true);
      expect(decisions).toContain(false);
      for (const p of rest.predictions)
        expect(p).toEqual({ score: p.score, anomaly: p.score >= 0.5, threshold: 0.5 });
    });

    it("dead-letters events the model failed to score on every delivery, after MAX_DELIVERIES", async () => {
      const t = target({ claim_idle_ms: 40 });
      await produce(
        t,
        [0, 1, 2].map((i) => ({ id: `x${i}`, data: JSON.stringify(record(i)) })),
      );
      // a runner whose session was freed: every score() fails, as a broken model would
      const runner = await ModelRunner.load(loadBundle(join(project, ".mlc/bundles/churn_api/v1")), {
        coalesce: false,
      });
      runner.retire();
      const conn = new Redis(REDIS!);
      await ensureGroup(conn, t);
      const c = new StreamConsumer({
        redis: conn,
        target: t,
        name: "failing",
        route: () => ({ runner }),
        blockMs: 20,
      });
      c.start();
      try {
        await until(async () => (await redis.xlen(t.dead_letter)) >= 3 && (await pendingCount(t)) === 0);
      } finally {
        await c.stop();
        await conn.quit();
      }
      const dead = await outputs(t.dead_letter);
      expect(dead.map((d) => d.id)).toEqual(["x0", "x1", "x2"]);
      for (const d of dead) {
        expect(d.reason).toMatch(
          new RegExp(
            `^not scored after ${MAX_DELIVERIES} deliveries: .*the last failure here: model version 1 was released`,
          ),
        );
        expect(d.payload).toBe(JSON.stringify(record(Number(d.id!.slice(1)))));
      }
      expect(await redis.xlen(t.output)).toBe(0);
      expect(c.stats.errors).toBe(MAX_DELIVERIES);
    });
  },
);
