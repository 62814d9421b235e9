// One suite over every prediction-log sink: files, PostgreSQL (MLC_TEST_PG_URL) and Redis Streams
// (MLC_TEST_REDIS_URL); each database suite is skipped with its reason when its variable is unset.
import { readdirSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { predictionLogDir } from "../../src/serve/prediction-log.js";
import { FilesSink } from "../../src/serve/log/files.js";
import { openLogSink } from "../../src/serve/log/open.js";
import {
  feedbackId,
  type FeedbackEntry,
  type LogConfig,
  type LoggedPrediction,
  type OutcomeEntry,
  type PredictionSink,
} from "../../src/serve/log/types.js";
import { tempProject } from "./fixtures.js";

const PG = process.env.MLC_TEST_PG_URL;
const REDIS = process.env.MLC_TEST_REDIS_URL;
const schemas: string[] = [];
const prefixes: string[] = [];

afterAll(async () => {
  if (PG && schemas.length) {
    const c = new pg.Client({ connectionString: PG });
    await c.connect();
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await c.end();
  }
  if (REDIS && prefixes.length) {
    const r = new Redis(REDIS);
    for (const p of prefixes) {
      const keys = await r.keys(`${p}:*`);
      if (keys.length) await r.del(...keys);
    }
    r.disconnect();
  }
});

const rand = (): string => `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

interface Backend {
  name: string;
  skip?: string;
  /** A config naming a fresh, empty store; opening it twice reaches the same store. */
  fresh(): Promise<{ projectDir: string; config: LogConfig }>;
}

const backends: Backend[] = [
  {
    name: "files",
    async fresh() {
      return { projectDir: tempProject(), config: { store: { kind: "files" } } };
    },
  },
  {
    name: "postgres",
    skip: PG ? undefined : "MLC_TEST_PG_URL is not set",
    async fresh() {
      const schema = `mlc_log_${rand()}`;
      schemas.push(schema);
      const c = new pg.Client({ connectionString: PG });
      await c.connect();
      await c.query(`CREATE SCHEMA ${schema}`);
      await c.end();
      return {
        projectDir: tempProject(),
        config: { store: { kind: "postgres", url_env: "MLC_TEST_PG_URL", table: `${schema}.predictions` } },
      };
    },
  },
  {
    name: "redis",
    skip: REDIS ? undefined : "MLC_TEST_REDIS_URL is not set",
    async fresh() {
      const prefix = `mlc_test_log:${rand()}`;
      prefixes.push(prefix);
      return {
        projectDir: tempProject(),
        config: { store: { kind: "redis", url_env: "MLC_TEST_REDIS_URL", prefix } },
      };
    },
  },
];

const T0 = Date.now();
const entry = (i: number, over: Partial<LoggedPrediction> = {}): LoggedPrediction => ({
  ts: new Date(T0 - (100 - i) * 1000).toISOString(),
  request_id: `r${i}`,
  deployment: "d",
  model_version: 1,
  arm: "stable",
  latency_ms: 1 + i / 10,
  features: JSON.stringify({ x: i, plan: i % 2 ? "pro" : "basic" }),
  output: JSON.stringify({ label: "churn", probabilities: { stay: 0.25, churn: 0.75 } }),
  ...over,
});

const label = (request_id: string, l: string, index?: number): FeedbackEntry => ({
  id: feedbackId({ request_id, ...(index !== undefined ? { index } : {}) }),
  received: new Date().toISOString(),
  request_id,
  ...(index !== undefined ? { index } : {}),
  label: l,
});

for (const b of backends) {
  describe.skipIf(b.skip !== undefined)(
    `prediction log on ${b.name}${b.skip ? ` (skipped: ${b.skip})` : ""}`,
    () => {
      const open = async (): Promise<{ sink: PredictionSink; again(): Promise<PredictionSink> }> => {
        const { projectDir, config } = await b.fresh();
        return {
          sink: await openLogSink(projectDir, "d", config, { flushMs: 10_000 }),
          again: () => openLogSink(projectDir, "d", config, { flushMs: 10_000 }),
        };
      };

      it("stores appended entries on flush and reads them back by time, last N and arm", async () => {
        const { sink } = await open();
        for (let i = 0; i < 10; i++) sink.append(entry(i, i === 9 ? { arm: "shadow" } : {}));
        sink.append(entry(10, { index: 0, request_id: "batch", experiment: "offer", experiment_arm: "b" }));
        sink.append(entry(10, { index: 1, request_id: "batch", experiment: "offer", experiment_arm: "b" }));
        expect(sink.buffered).toBe(12);
        await sink.flush();
        expect(sink.buffered).toBe(0);
        const all = await sink.read();
        expect(all).toHaveLength(12);
        expect(all[0]).toMatchObject({
          request_id: "r0",
          model_version: 1,
          arm: "stable",
          features: { x: 0, plan: "basic" },
        });
        expect(all[0]!.output).toEqual({ label: "churn", probabilities: { stay: 0.25, churn: 0.75 } });
        expect(all.at(-1)).toMatchObject({ request_id: "batch", experiment: "offer", experiment_arm: "b" });
        expect(
          (await sink.read({ since: new Date(entry(5).ts) })).map((e) => e.request_id).slice(0, 3),
        ).toEqual(["r5", "r6", "r7"]);
        expect(await sink.read({ until: new Date(entry(2).ts) })).toHaveLength(2);
        expect((await sink.read({ arms: ["stable"] })).some((e) => e.arm === "shadow")).toBe(false);
        expect((await sink.read({ last: 2 })).map((e) => e.index)).toEqual([0, 1]);
        const rows = await sink.requestRows(["r3", "batch", "r9", "nope"]);
        expect(Object.fromEntries(rows)).toEqual({ r3: 1, batch: 2 }); // r9 is a shadow row only
        await sink.close();
      });

      it("keeps the rows of failed requests apart: read only with failures, never a request feedback can name", async () => {
        const { sink } = await open();
        sink.append(entry(1, { experiment: "offer", experiment_arm: "a" }));
        const failed = { experiment: "offer", experiment_arm: "b", error: "scoring_failed", output: "null" };
        sink.append(entry(2, { ...failed, arm: "b" }));
        sink.append(entry(3, { ...failed, arm: "b", index: 0, request_id: "batch" }));
        await sink.flush();
        expect((await sink.read()).map((e) => e.request_id)).toEqual(["r1"]);
        const all = await sink.read({ failures: true });
        expect(all.map((e) => [e.request_id, e.experiment_arm, e.error ?? null, e.output])).toEqual([
          ["r1", "a", null, { label: "churn", probabilities: { stay: 0.25, churn: 0.75 } }],
          ["r2", "b", "scoring_failed", null],
          ["batch", "b", "scoring_failed", null],
        ]);
        expect(Object.fromEntries(await sink.requestRows(["r1", "r2", "batch"]))).toEqual({ r1: 1 });
        await sink.close();
      });

      it("keeps the first label per id, across sinks opened on the same store", async () => {
        const { sink, again } = await open();
        expect(
          await sink.addFeedback([label("r1", "churn"), label("r2", "stay"), label("r1", "stay")]),
        ).toEqual([true, true, false]);
        const other = await again();
        expect(await other.addFeedback([label("r2", "churn"), label("r3", "churn")])).toEqual([false, true]);
        const stored = await sink.readFeedback();
        expect(stored.map((f) => [f.request_id, f.label])).toEqual([
          ["r1", "churn"],
          ["r2", "stay"],
          ["r3", "churn"],
        ]);
        const keyed: FeedbackEntry = {
          id: feedbackId({ key: { customer_id: "c-1" }, time: "2026-12-01T00:00:00.000Z" }),
          received: new Date().toISOString(),
          key: { customer_id: "c-1" },
          time: "2026-12-01T00:00:00.000Z",
          label: "churn",
        };
        expect(await other.addFeedback([keyed, keyed])).toEqual([true, false]);
        expect((await sink.readFeedback()).at(-1)).toMatchObject({
          key: { customer_id: "c-1" },
          time: keyed.time,
        });
        await Promise.all([sink.close(), other.close()]);
      });

      it("stores experiment outcomes beside labels: the first per metric and id wins, each read apart", async () => {
        const { sink, again } = await open();
        const outcome = (request_id: string, metric: string, value: number): OutcomeEntry => ({
          id: feedbackId({ request_id }, metric),
          received: new Date().toISOString(),
          request_id,
          metric,
          value,
        });
        expect(
          await sink.addFeedback([
            label("r1", "churn"),
            outcome("r1", "converted", 1),
            outcome("r1", "revenue", 12.5),
            outcome("r1", "converted", 0),
          ]),
        ).toEqual([true, true, true, false]);
        const other = await again();
        const unit: OutcomeEntry = {
          id: feedbackId({ key: { customer_id: "c-1" }, time: "2026-12-01T00:00:00.000Z" }, "converted"),
          received: new Date().toISOString(),
          key: { customer_id: "c-1" },
          time: "2026-12-01T00:00:00.000Z",
          metric: "converted",
          value: 1,
        };
        expect(await other.addFeedback([unit, outcome("r1", "revenue", 3)])).toEqual([true, false]);
        expect((await sink.readFeedback()).map((f) => [f.request_id, f.label])).toEqual([["r1", "churn"]]);
        const got = await sink.readOutcomes();
        expect(got.map((o) => [o.request_id ?? o.key?.customer_id, o.metric, o.value])).toEqual([
          ["r1", "converted", 1],
          ["r1", "revenue", 12.5],
          ["c-1", "converted", 1],
        ]);
        expect(got[2]).toMatchObject({ time: unit.time, id: unit.id });
        await Promise.all([sink.close(), other.close()]);
      });

      it("retention deletes entries and labels older than the retention, and keeps recent ones", async () => {
        const { sink, again } = await open();
        for (let i = 0; i < 5; i++) sink.append(entry(i));
        await sink.flush();
        await sink.addFeedback([label("r1", "churn")]);
        expect(await sink.enforceRetention(3600)).toBeDefined();
        expect(await sink.read()).toHaveLength(5);
        expect(await sink.readFeedback()).toHaveLength(1);
        await sink.close();
        // two days on, with a one-hour retention, everything written now is out of it
        const later = await again();
        const removed = await later.enforceRetention(3600, new Date(Date.now() + 2 * 86_400_000));
        expect(removed.predictions).toBeGreaterThan(0);
        expect(removed.feedback).toBeGreaterThan(0);
        expect(await later.read()).toEqual([]);
        expect(await later.readFeedback()).toEqual([]);
        await later.close();
      });
    },
  );
}

describe("files sink", () => {
  it("retention deletes only rotated files whose last write is older than the retention", async () => {
    const p = tempProject();
    const sink = new FilesSink(p, "d", { flushMs: 10_000, maxFileBytes: 300 });
    for (let i = 0; i < 6; i++) {
      sink.append(entry(i));
      await sink.flush();
    }
    await sink.close();
    const dir = predictionLogDir(p, "d");
    const files = readdirSync(dir).sort();
    expect(files.length).toBeGreaterThan(2);
    const old = (Date.now() - 3 * 86_400_000) / 1000;
    utimesSync(join(dir, files[0]!), old, old);
    const again = new FilesSink(p, "d");
    expect((await again.enforceRetention(86_400)).predictions).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(files.slice(1));
    await again.close();
  });

  it("a writer never appends to a file older than a quarter of the retention", async () => {
    const p = tempProject();
    const sink = new FilesSink(p, "d", { flushMs: 10_000, retentionSeconds: 0.004 });
    sink.append(entry(0));
    await sink.flush();
    await new Promise((r) => setTimeout(r, 5));
    sink.append(entry(1));
    await sink.flush();
    await sink.close();
    expect(readdirSync(predictionLogDir(p, "d"))).toHaveLength(2);
  });
});

describe("a database sink while its store is down", () => {
  it("keeps a bounded queue, counts what it drops and never throws from append or flush", async () => {
    let dropped = 0;
    const errors: string[] = [];
    process.env.MLC_TEST_DOWN_PG = "postgres://postgres@127.0.0.1:1/none";
    const sink = await openLogSink(
      tempProject(),
      "d",
      { store: { kind: "postgres", url_env: "MLC_TEST_DOWN_PG", table: "preds" } },
      {
        flushMs: 10_000,
        maxBuffered: 3,
        onDrop: (n) => (dropped += n),
        onError: (e) => errors.push(e.message),
      },
    );
    for (let i = 0; i < 5; i++) sink.append(entry(i));
    expect(dropped).toBe(2);
    await sink.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]).not.toContain("postgres://");
    expect(sink.buffered).toBe(3); // kept for the next attempt
    await sink.close();
    expect(dropped).toBe(5); // what could never be written is counted at close
  });

  it("names the unset variable that should hold the URL", async () => {
    await expect(
      openLogSink(tempProject(), "d", {
        store: { kind: "redis", url_env: "MLC_TEST_UNSET_VAR", prefix: "p" },
      }),
    ).rejects.toThrow(/MLC_TEST_UNSET_VAR is not set/);
  });
});

describe.skipIf(!PG)(
  `postgres feedback table of an earlier mlc${PG ? "" : " (skipped: MLC_TEST_PG_URL is not set)"}`,
  () => {
    it("gets the metric column when opened, keeps its labels, and then stores outcomes", async () => {
      const schema = `mlc_log_${rand()}`;
      schemas.push(schema);
      const c = new pg.Client({ connectionString: PG });
      await c.connect();
      await c.query(`CREATE SCHEMA ${schema}`);
      // the feedback table as mlc created it before outcomes shared it: no metric column
      await c.query(
        `CREATE TABLE ${schema}.predictions_feedback (deployment text NOT NULL, id text NOT NULL, received timestamptz NOT NULL, request_id text, row_index integer, key jsonb, time timestamptz, label jsonb NOT NULL, PRIMARY KEY (deployment, id))`,
      );
      await c.query(
        `INSERT INTO ${schema}.predictions_feedback (deployment, id, received, request_id, label) VALUES ('d', 'r:old#0', now(), 'old', '"churn"')`,
      );
      await c.end();
      const sink = await openLogSink(tempProject(), "d", {
        store: { kind: "postgres", url_env: "MLC_TEST_PG_URL", table: `${schema}.predictions` },
      });
      try {
        const outcome: OutcomeEntry = {
          id: feedbackId({ request_id: "old" }, "converted"),
          received: new Date().toISOString(),
          request_id: "old",
          metric: "converted",
          value: 1,
        };
        expect(await sink.addFeedback([outcome])).toEqual([true]);
        expect((await sink.readFeedback()).map((f) => [f.id, f.label])).toEqual([["r:old#0", "churn"]]);
        expect((await sink.readOutcomes()).map((o) => [o.id, o.metric, o.value])).toEqual([
          ["o:converted:r:old#0", "converted", 1],
        ]);
      } finally {
        await sink.close();
      }
    });
  },
);
