// Streaming scoring on NATS JetStream (MLC_TEST_NATS_URL): the same guarantees as on Redis Streams — a
// durable consumer, outputs equal to the REST server's predictions, acknowledgement after the output is
// stored, redelivery of a crashed reader's events after claim_idle with exactly one output each, no second
// output for a redelivered event, dead letters with the reason, bounded batches, a drain on stop.
import { join } from "node:path";
import { AckPolicy, connect, headers, nanos, type JetStreamManager, type NatsConnection } from "nats";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadBundle } from "../../src/serve/bundle.js";
import { writeDeployment } from "../../src/serve/deployment.js";
import { ModelRunner } from "../../src/serve/model-runner.js";
import { readPredictionLog } from "../../src/serve/prediction-log-reader.js";
import { createPredictionServer } from "../../src/serve/server.js";
import type { StreamTarget } from "../../src/serve/stream-config.js";
import { jetStreamNameOf, NatsStreamConsumer, setUpJetStream } from "../../src/serve/stream-nats.js";
import { MAX_DELIVERIES } from "../../src/serve/stream-score.js";
import { startStreamService, type StreamService } from "../../src/serve/stream-serve.js";
import { buildFixtureBundle, PLANS, tempProject } from "./fixtures.js";

const NATS = process.env.MLC_TEST_NATS_URL;

type Rec = { tenure: number; monthly: number | null; active: boolean; plan: string };
const record = (i: number): Rec => ({
  tenure: i % 37,
  monthly: i % 5 === 0 ? null : 20 + (i % 13) * 3.5,
  active: i % 2 === 0,
  plan: PLANS[i % 3]!,
});

describe.skipIf(!NATS)(
  `stream target on NATS JetStream${NATS ? "" : " (skipped: MLC_TEST_NATS_URL is not set)"}`,
  () => {
    let project: string;
    let nc: NatsConnection;
    let jsm: JetStreamManager;
    const subjects: string[] = [];
    const services: StreamService[] = [];

    beforeAll(async () => {
      project = tempProject();
      buildFixtureBundle(join(project, ".mlc/bundles/churn_api/v1"), { version: 1 });
      writeDeployment(project, "churn_api", { version: 1, bundle: ".mlc/bundles/churn_api/v1" }, "test");
      nc = await connect({ servers: NATS! });
      jsm = await nc.jetstreamManager();
    });
    afterEach(async () => {
      await Promise.all(services.splice(0).map((s) => s.stop()));
    });
    afterAll(async () => {
      for (const s of subjects) await jsm.streams.delete(jetStreamNameOf(s)).catch(() => undefined);
      await nc.drain();
    });

    let serial = 0;
    /** A target on fresh subjects, whose streams are deleted after the suite. */
    const target = (over: Partial<StreamTarget> = {}): StreamTarget => {
      const base = `mlc-test-${process.pid}-${++serial}`;
      const t: StreamTarget = {
        format: "mlc-stream/1",
        transport: "nats",
        url_env: "MLC_TEST_NATS_URL",
        input: `${base}.events`,
        output: `${base}.scores`,
        group: `${base}-group`,
        dead_letter: `${base}.dead`,
        batch: 64,
        claim_idle_ms: 30_000,
        dedup_s: 600,
        workers: 1,
        ...over,
      };
      subjects.push(t.input, t.output, t.dead_letter);
      return t;
    };
    const start = async (t: StreamTarget, workers?: number): Promise<StreamService> => {
      const s = await startStreamService({
        projectDir: project,
        deployment: "churn_api",
        target: t,
        ...(workers ? { workers } : {}),
      });
      services.push(s);
      return s;
    };
    const produce = async (subject: string, events: { id?: string; data: string }[]): Promise<void> => {
      const js = nc.jetstream();
      for (const e of events) {
        const h = headers();
        if (e.id) h.set("Nats-Msg-Id", e.id);
        await js.publish(subject, e.data, { headers: h });
      }
    };
    /** Every message of a subject's stream, as parsed JSON, oldest first. */
    const messages = async (subject: string): Promise<Record<string, unknown>[]> => {
      const name = jetStreamNameOf(subject);
      const info = await jsm.streams.info(name).catch(() => undefined);
      if (!info) return [];
      const out: Record<string, unknown>[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages; seq++) {
        const m = await jsm.streams.getMessage(name, { seq });
        out.push(JSON.parse(new TextDecoder().decode(m.data)) as Record<string, unknown>);
      }
      return out;
    };
    const count = async (subject: string): Promise<number> =>
      (await jsm.streams.info(jetStreamNameOf(subject)).catch(() => undefined))?.state.messages ?? 0;
    const pending = async (t: StreamTarget): Promise<number> => {
      const c = await jsm.consumers.info(jetStreamNameOf(t.input), t.group);
      return c.num_ack_pending + c.num_pending;
    };
    const until = async (what: () => Promise<boolean>, ms = 15_000): Promise<void> => {
      const end = Date.now() + ms;
      while (!(await what())) {
        if (Date.now() > end) throw new Error("timed out");
        await new Promise((r) => setTimeout(r, 25));
      }
    };

    it("scores every event once, as the REST server predicts, acknowledges all and logs each", async () => {
      const t = target();
      const recs = Array.from({ length: 150 }, (_, i) => record(i));
      const s = await start(t);
      await produce(
        t.input,
        recs.map((r, i) => ({ id: `e${i}`, data: JSON.stringify(r) })),
      );
      await until(async () => (await count(t.output)) >= recs.length && (await pending(t)) === 0);
      const out = await messages(t.output);
      expect(out.length).toBe(recs.length);
      const byId = new Map(out.map((o) => [o.id as string, o]));
      expect(byId.size).toBe(recs.length);
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
      ).json() as { predictions: unknown[] };
      await server.close();
      recs.forEach((_, i) => {
        expect(byId.get(`e${i}`)).toMatchObject({ version: 1, prediction: rest.predictions[i] });
      });
      await s.stop();
      services.splice(services.indexOf(s), 1);
      const logged = readPredictionLog(project, "churn_api").filter((e) => e.request_id.startsWith("e"));
      expect(logged.length).toBe(recs.length);
      expect(s.stats()).toMatchObject({ scored: recs.length, dead: 0, duplicates: 0 });
      // the durable consumer stays, with nothing left to deliver
      expect(await pending(t)).toBe(0);
    });

    it("redelivers the events of a reader that crashed after claim_idle, and scores each exactly once", async () => {
      const t = target({ claim_idle_ms: 300, batch: 32 });
      const setup = await setUpJetStream(jsm, t);
      await produce(
        t.input,
        Array.from({ length: 100 }, (_, i) => ({ id: `c${i}`, data: JSON.stringify(record(i)) })),
      );
      // a reader takes 40 events and dies without acknowledging them
      const js = nc.jetstream();
      const taken: unknown[] = [];
      for await (const m of js.fetch(setup.inputStream, t.group, { batch: 40, no_wait: true })) taken.push(m);
      expect(taken.length).toBe(40);
      const s = await start(t, 2);
      await until(async () => (await count(t.output)) >= 100 && (await pending(t)) === 0);
      await new Promise((r) => setTimeout(r, 700)); // time for a wrong second output to appear
      const out = await messages(t.output);
      expect(out.length).toBe(100);
      expect(new Set(out.map((o) => o.id)).size).toBe(100);
      expect(s.stats().claimed).toBe(40);
      expect(s.stats().duplicates).toBe(0);
    });

    it("does not publish a second output for an event whose output is already stored", async () => {
      const t = target();
      await setUpJetStream(jsm, t);
      // the output of `a` was stored by a consumer that crashed before acknowledging it
      await nc.jetstream().publish(t.output, JSON.stringify({ id: "a", earlier: true }), { msgID: "o:a" });
      await produce(t.input, [
        { id: "a", data: JSON.stringify(record(1)) },
        { id: "b", data: JSON.stringify(record(2)) },
      ]);
      const s = await start(t);
      await until(async () => (await pending(t)) === 0 && s.stats().read === 2);
      const out = await messages(t.output);
      expect(out.map((o) => o.id)).toEqual(["a", "b"]);
      expect(out[0]).toEqual({ id: "a", earlier: true });
      expect(s.stats()).toMatchObject({ scored: 1, duplicates: 1 });
    });

    it("dead-letters bad events with the reason and the payload, and scores the good ones beside them", async () => {
      const t = target();
      const good = record(3);
      await setUpJetStream(jsm, t);
      await produce(t.input, [
        { id: "nojson", data: "{tenure: 3" },
        { id: "missing", data: JSON.stringify({ ...good, tenure: undefined }) },
        { id: "badcat", data: JSON.stringify({ ...good, plan: "gold" }) },
        { id: "empty", data: "" },
        { id: "ok", data: JSON.stringify(good) },
      ]);
      const s = await start(t);
      await until(async () => (await pending(t)) === 0 && s.stats().read === 5);
      expect((await messages(t.output)).map((o) => o.id)).toEqual(["ok"]);
      const dead = await messages(t.dead_letter);
      const reasons = Object.fromEntries(dead.map((d) => [d.id as string, [d.field, d.reason]]));
      expect(reasons.nojson![1]).toMatch(/^data is not valid JSON: /);
      expect(reasons.missing).toEqual(["tenure", "missing required field 'tenure'"]);
      expect(reasons.badcat).toEqual([
        "plan",
        "unknown category 'gold'; expected one of basic, pro, premium",
      ]);
      expect(reasons.empty).toEqual(["data", "the message is empty (its data is the event as JSON)"]);
      expect(dead.find((d) => d.id === "badcat")!.payload).toBe(JSON.stringify({ ...good, plan: "gold" }));
      expect(s.stats()).toMatchObject({ scored: 1, dead: 4 });
    });

    it("drains on stop with bounded batches: what was read is stored and acknowledged, the rest is left", async () => {
      const t = target({ batch: 10 });
      const n = 2000;
      await setUpJetStream(jsm, t);
      await produce(
        t.input,
        Array.from({ length: n }, (_, i) => ({ id: `d${i}`, data: JSON.stringify(record(i)) })),
      );
      const s = await start(t);
      await until(async () => s.stats().scored >= 100);
      await s.stop();
      services.splice(services.indexOf(s), 1);
      const stats = s.stats();
      const c = await jsm.consumers.info(jetStreamNameOf(t.input), t.group);
      expect(c.num_ack_pending).toBe(0);
      expect(await count(t.output)).toBe(stats.scored);
      expect(stats.scored).toBeLessThan(n);
      expect(stats.maxInFlight).toBe(10);
      const next = await start(t);
      await until(async () => (await count(t.output)) >= n && (await pending(t)) === 0, 60_000);
      const out = await messages(t.output);
      expect(out.length).toBe(n);
      expect(new Set(out.map((o) => o.id)).size).toBe(n);
      expect(next.stats().duplicates).toBe(0);
    }, 90_000);

    it("dead-letters events the model failed to score on every delivery, after MAX_DELIVERIES", async () => {
      const t = target({ claim_idle_ms: 100 });
      const setup = await setUpJetStream(jsm, t);
      await produce(
        t.input,
        [0, 1].map((i) => ({ id: `x${i}`, data: JSON.stringify(record(i)) })),
      );
      const runner = await ModelRunner.load(loadBundle(join(project, ".mlc/bundles/churn_api/v1")), {
        coalesce: false,
      });
      runner.retire();
      const js = nc.jetstream();
      const c = new NatsStreamConsumer({
        js,
        consumer: await js.consumers.get(setup.inputStream, t.group),
        inputStream: setup.inputStream,
        target: t,
        name: "failing",
        route: () => ({ runner }),
      });
      c.start();
      try {
        await until(async () => (await count(t.dead_letter)) >= 2 && (await pending(t)) === 0, 30_000);
      } finally {
        await c.stop();
      }
      const dead = await messages(t.dead_letter);
      expect(dead.map((d) => d.id).sort()).toEqual(["x0", "x1"]);
      for (const d of dead)
        expect(d.reason).toMatch(
          new RegExp(`^not scored after ${MAX_DELIVERIES} deliveries: .*model version 1 was released`),
        );
      expect(await count(t.output)).toBe(0);
    }, 40_000);

    it("refuses a durable consumer of the group name that reads another subject", async () => {
      const t = target();
      const setup = await setUpJetStream(jsm, t);
      const other = target({
        input: t.input,
        group: t.group,
        output: `${t.output}2`,
        dead_letter: `${t.dead_letter}2`,
      });
      // the group's consumer was made for another subject of the same stream
      await jsm.consumers.delete(setup.inputStream, t.group);
      await jsm.streams.update(setup.inputStream, { subjects: [t.input, `${t.input}.x`] });
      await jsm.consumers.add(setup.inputStream, {
        durable_name: t.group,
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(1000),
        filter_subject: `${t.input}.x`,
      });
      await expect(setUpJetStream(jsm, other)).rejects.toMatchObject({
        code: "MLC2315",
        message: expect.stringMatching(/reads '.*\.x', not '.*\.events'/),
      });
    });
  },
);
