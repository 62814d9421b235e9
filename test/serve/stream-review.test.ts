// The stream consumer queues the events an anomaly deployment flags for review (real Redis,
// MLC_TEST_REDIS_URL): exactly the events scored at or above the threshold, once per event id even
// when a producer sends the same id again, with the explainer's reasons.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StateStore } from "../../src/ir/state-store.js";
import { ReviewQueue } from "../../src/registry/review-queue.js";
import { openState } from "../../src/runtime/state/open.js";
import { buildBundleDir } from "../../src/serve/bundle.js";
import { writeDeployment } from "../../src/serve/deployment.js";
import type { AnomalyExplainer } from "../../src/serve/review-intake.js";
import type { StreamTarget } from "../../src/serve/stream-config.js";
import { startStreamService } from "../../src/serve/stream-serve.js";
import { fixtureMeta, fixtureOnnx, PLANS } from "./fixtures.js";

const REDIS = process.env.MLC_TEST_REDIS_URL;

describe.skipIf(!REDIS)(
  `stream review intake${REDIS ? "" : " (skipped: MLC_TEST_REDIS_URL is not set)"}`,
  () => {
    let dir: string;
    let state: StateStore;
    let redis: Redis;
    const base = `mlc-test-review-${process.pid}`;
    const t: StreamTarget = {
      format: "mlc-stream/1",
      url_env: "MLC_TEST_REDIS_URL",
      input: `${base}:events`,
      output: `${base}:scores`,
      group: `${base}:group`,
      dead_letter: `${base}:dead`,
      batch: 16,
      claim_idle_ms: 30_000,
      dedup_s: 600,
      workers: 1,
    };
    const THRESHOLD = 1;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "mlc-stream-review-"));
      // the fixture's linear score: −0.05·tenure + 0.02·monthly + 0.5·active − 0.3/0.2/0.4 by plan
      buildBundleDir(join(dir, ".mlc/bundles/churn_api/v1"), fixtureOnnx({ task: "anomaly" }), {
        ...fixtureMeta({ task: "anomaly" }),
        task: { kind: "anomaly", threshold: THRESHOLD },
      });
      writeDeployment(dir, "churn_api", { version: 1, bundle: ".mlc/bundles/churn_api/v1" }, "test");
      state = await openState(dir);
      redis = new Redis(REDIS!);
    });
    afterAll(async () => {
      const done = await redis.keys(`mlc:stream:${base}*`);
      await redis.del(t.input, t.output, t.dead_letter, ...done);
      await redis.quit();
      await state.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("queues exactly the flagged events, once each, with their reasons", async () => {
      const recs = Array.from({ length: 40 }, (_, i) => ({
        tenure: i % 5,
        monthly: 30 + i,
        active: i % 2 === 0,
        plan: PLANS[i % 3]!,
      }));
      const expectedScore = (r: (typeof recs)[number]) =>
        -0.05 * r.tenure +
        0.02 * r.monthly +
        0.5 * (r.active ? 1 : 0) +
        [-0.3, 0.2, 0.4][PLANS.indexOf(r.plan)]!;
      const flagged = recs.flatMap((r, i) => (Math.fround(expectedScore(r)) >= THRESHOLD ? [`e${i}`] : []));
      expect(flagged.length).toBeGreaterThan(3);
      expect(flagged.length).toBeLessThan(recs.length);

      const explained: string[] = [];
      const explainer: AnomalyExplainer = {
        explain: async (meta, records) =>
          records.map((r) => {
            explained.push(`${meta.model}@${meta.version}`);
            return {
              reason_kind: "test",
              reasons: [{ feature: "monthly", value: Number(r.monthly), contribution: 1 }],
            };
          }),
      };
      const p = redis.pipeline();
      recs.forEach((r, i) => p.xadd(t.input, "*", "id", `e${i}`, "data", JSON.stringify(r)));
      // a producer retry: the same event id again
      p.xadd(t.input, "*", "id", flagged[0]!, "data", JSON.stringify(recs[Number(flagged[0]!.slice(1))]));
      await p.exec();
      const s = await startStreamService({
        projectDir: dir,
        deployment: "churn_api",
        target: t,
        blockMs: 50,
        predictionLog: false,
        review: { queue: new ReviewQueue(state.records), explainer },
      });
      try {
        const end = Date.now() + 10_000;
        while ((await redis.xlen(t.output)) < recs.length && Date.now() < end)
          await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, 300)); // the retried entry too
      } finally {
        await s.stop();
      }
      const items = await new ReviewQueue(state.records).list({ deployment: "churn_api" });
      expect(items.map((i) => i.event_id).sort()).toEqual([...flagged].sort());
      const first = items.find((i) => i.event_id === flagged[0])!;
      expect(first).toMatchObject({
        origin: "stream",
        model: "churn",
        model_version: 1,
        threshold: THRESHOLD,
      });
      expect(first.score).toBeCloseTo(expectedScore(recs[Number(flagged[0]!.slice(1))]!), 5);
      expect(first.features).toEqual(recs[Number(flagged[0]!.slice(1))]);
      expect(first.reasons).toEqual([
        { feature: "monthly", value: recs[Number(flagged[0]!.slice(1))]!.monthly, contribution: 1 },
      ]);
      expect(new Set(explained)).toEqual(new Set(["churn@1"]));
    }, 30_000);
  },
);
