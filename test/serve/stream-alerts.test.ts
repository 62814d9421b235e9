// Alert rules on a scored stream against the real Redis (MLC_TEST_REDIS_URL) and a webhook receiver on
// loopback: single-event rules per group with a cooldown, rate rules over a window, a redelivered event
// counted once, suppressed events reported, failed deliveries retried and recorded, every alert in state.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { StateStore } from "../../src/ir/state-store.js";
import { openState } from "../../src/runtime/state/open.js";
import { buildBundleDir } from "../../src/serve/bundle.js";
import { writeDeployment } from "../../src/serve/deployment.js";
import { ALERT_COLLECTION, type AlertRecord } from "../../src/serve/stream-alert-dispatch.js";
import type { AlertRule } from "../../src/serve/stream-alert-rules.js";
import type { StreamTarget } from "../../src/serve/stream-config.js";
import { startStreamService, type StreamService } from "../../src/serve/stream-serve.js";
import { fixtureMeta, fixtureOnnx, tempProject } from "./fixtures.js";

const REDIS = process.env.MLC_TEST_REDIS_URL;

// The anomaly fixture's score is −0.05·tenure + 0.02·monthly + 0.5·active + (basic −0.3, pro 0.2, premium 0.4);
// with the threshold 0.5, an active customer of tenure 0 on pro (0.7) or premium (0.9) is an anomaly.
const anomalous = (plan: "pro" | "premium") => ({ tenure: 0, monthly: null, active: true, plan });
const normal = { tenure: 30, monthly: 10, active: false, plan: "basic" };

describe.skipIf(!REDIS)(
  `alerts on a scored stream${REDIS ? "" : " (skipped: MLC_TEST_REDIS_URL is not set)"}`,
  () => {
    let project: string;
    let redis: Redis;
    let state: StateStore;
    let server: Server;
    let webhook: string;
    /** Bodies the receiver got, and the status it answers with. */
    const received: { body: Record<string, unknown> }[] = [];
    let answer = 200;
    const streams: string[] = [];
    const services: StreamService[] = [];

    beforeAll(async () => {
      project = tempProject();
      const dir = join(project, ".mlc/bundles/fraud/v1");
      buildBundleDir(dir, fixtureOnnx({ task: "anomaly" }), {
        ...fixtureMeta({ task: "anomaly" }),
        deployment: "fraud",
        task: { kind: "anomaly", threshold: 0.5 },
      });
      writeDeployment(project, "fraud", { version: 1, bundle: ".mlc/bundles/fraud/v1" }, "test");
      redis = new Redis(REDIS!);
      state = await openState(project);
      server = createServer((req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => {
          received.push({ body: JSON.parse(body) as Record<string, unknown> });
          res.writeHead(answer, { "content-type": "application/json" }).end("{}");
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      webhook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      process.env.MLC_TEST_ALERT_URL = webhook;
    });
    afterEach(async () => {
      await Promise.all(services.splice(0).map((s) => s.stop()));
      received.length = 0;
      answer = 200;
    });
    afterAll(async () => {
      const keys = [
        ...(await redis.keys(`mlc:stream:mlc-alert-test-${process.pid}-*`)),
        ...(await redis.keys(`mlc:alert:mlc-alert-test-${process.pid}-*`)),
      ];
      if (streams.length || keys.length) await redis.del(...streams, ...keys);
      await redis.quit();
      await state.close();
      await new Promise((r) => server.close(r));
    });

    let serial = 0;
    const rule = (over: Partial<AlertRule>): AlertRule => ({
      name: "spike",
      webhook_env: "MLC_TEST_ALERT_URL",
      count: 1,
      within_ms: 0,
      cooldown_ms: 60_000,
      timeout_ms: 2000,
      retries: 0,
      ...over,
    });
    const start = async (alerts: AlertRule[]): Promise<{ t: StreamTarget; s: StreamService }> => {
      const base = `mlc-alert-test-${process.pid}-${++serial}`;
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
        alerts,
      };
      streams.push(t.input, t.output, t.dead_letter, `${t.output}.alerts`);
      const s = await startStreamService({
        projectDir: project,
        deployment: "fraud",
        target: t,
        blockMs: 50,
        records: state.records,
        alertBackoffMs: 10,
        predictionLog: false,
      });
      services.push(s);
      return { t, s };
    };
    const produce = async (t: StreamTarget, events: { id: string; data: object }[]): Promise<void> => {
      const p = redis.pipeline();
      for (const e of events) p.xadd(t.input, "*", "id", e.id, "data", JSON.stringify(e.data));
      await p.exec();
    };
    const until = async (what: () => Promise<boolean> | boolean, ms = 8000): Promise<void> => {
      const end = Date.now() + ms;
      while (!(await what())) {
        if (Date.now() > end) throw new Error("timed out");
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const scored = async (t: StreamTarget, n: number) => until(async () => (await redis.xlen(t.output)) >= n);
    /** Alert records of the test's alert stream entries, oldest first. */
    const records = async (t: StreamTarget): Promise<AlertRecord[]> => {
      const ids = new Set((await redis.xrange(`${t.output}.alerts`, "-", "+")).map(([id]) => `fraud/${id}`));
      return (await state.records.list(ALERT_COLLECTION, "fraud/"))
        .filter((r) => ids.has(r.key))
        .map((r) => r.value as unknown as AlertRecord);
    };

    it("alerts once per group on single anomalous events, and a cooldown holds back the rest of the incident", async () => {
      const { t, s } = await start([rule({ group_by: "plan" })]);
      await produce(t, [
        { id: "n1", data: normal },
        { id: "a1", data: anomalous("premium") },
        { id: "a2", data: anomalous("pro") },
        { id: "a3", data: anomalous("premium") },
        { id: "n2", data: normal },
        { id: "a4", data: anomalous("pro") },
      ]);
      await scored(t, 6);
      await until(() => s.alerts!.stats.delivered >= 2);
      await new Promise((r) => setTimeout(r, 300)); // no third alert comes
      expect(received.map((r) => [r.body.group, r.body.event]).sort()).toEqual([
        ["premium", "a1"],
        ["pro", "a2"],
      ]);
      const first = received.find((r) => r.body.group === "premium")!.body;
      expect(first).toMatchObject({
        deployment: "fraud",
        rule: "spike",
        group_by: "plan",
        count: 1,
        events: ["a1"],
        version: 1,
        suppressed: 0,
        prediction: { anomaly: true, threshold: 0.5 },
      });
      expect((first.prediction as { score: number }).score).toBeCloseTo(0.9, 5);
      const recs = await records(t);
      expect(recs.map((r) => [r.group, r.event, r.delivered, r.attempts])).toEqual([
        ["premium", "a1", true, 1],
        ["pro", "a2", true, 1],
      ]);
      expect(recs[0]!.alert_id).toBe(first.alert_id);
    });

    it("raises a rate alert on `count` anomalies within the window, counts a redelivered event once, and reports suppressed ones", async () => {
      const { t, s } = await start([
        rule({ name: "burst", count: 3, within_ms: 600_000, cooldown_ms: 1500 }),
      ]);
      // the same event id twice is one event (it is scored once)
      await produce(t, [
        { id: "b1", data: anomalous("pro") },
        { id: "b1", data: anomalous("pro") },
        { id: "b2", data: anomalous("premium") },
        { id: "x1", data: normal },
      ]);
      await scored(t, 3);
      await new Promise((r) => setTimeout(r, 300));
      expect(received).toEqual([]);
      await produce(t, [{ id: "b3", data: anomalous("pro") }]);
      await until(() => s.alerts!.stats.delivered >= 1);
      expect(received[0]!.body).toMatchObject({
        rule: "burst",
        count: 3,
        within_s: 600,
        events: ["b1", "b2", "b3"],
        event: "b3",
      });
      expect(received[0]!.body.group_by).toBeUndefined();
      // three more during the cooldown: the window fills again (3), held back once
      await produce(t, [
        { id: "c1", data: anomalous("pro") },
        { id: "c2", data: anomalous("pro") },
        { id: "c3", data: anomalous("pro") },
      ]);
      await scored(t, 7);
      await new Promise((r) => setTimeout(r, 300));
      expect(received).toHaveLength(1);
      // after the cooldown, the next anomaly raises the incident's second alert
      await new Promise((r) => setTimeout(r, 1300));
      await produce(t, [{ id: "c4", data: anomalous("premium") }]);
      await until(() => s.alerts!.stats.delivered >= 2);
      expect(received[1]!.body).toMatchObject({ count: 4, events: ["c1", "c2", "c3", "c4"], suppressed: 1 });
      expect((await records(t)).map((r) => r.event)).toEqual(["b3", "c4"]);
    });

    it("retries a failing webhook and records the failed delivery", async () => {
      answer = 500;
      const { t, s } = await start([rule({ retries: 2 })]);
      await produce(t, [{ id: "f1", data: anomalous("premium") }]);
      await until(() => s.alerts!.stats.failed >= 1);
      expect(received).toHaveLength(3);
      const [rec] = await records(t);
      expect(rec).toMatchObject({ event: "f1", delivered: false, attempts: 3, status: 500 });
      expect(rec!.error).toBe("the webhook answered 500");
    });

    it("refuses to start without the webhook's variable, naming it", async () => {
      await expect(start([rule({ webhook_env: "MLC_TEST_UNSET_ALERT_URL" })])).rejects.toThrow(
        "the environment variable MLC_TEST_UNSET_ALERT_URL is not set (it holds the webhook URL of alert 'spike')",
      );
    });
  },
);
