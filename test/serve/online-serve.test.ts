// `mlc serve` with an online feature table: records give the entity key and omit the looked-up
// inputs, which come from the version's table; the same suite on SQLite and (MLC_TEST_REDIS_URL) Redis.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { previousVersion, readDeployment, writeDeployment } from "../../src/serve/deployment.js";
import {
  openOnlineStore,
  type OnlineRef,
  type OnlineStoreRef,
  type OnlineTableMeta,
} from "../../src/serve/online-store.js";
import { createPredictionServer, type PredictionServer } from "../../src/serve/server.js";
import { readPredictionLog } from "../../src/serve/prediction-log-reader.js";
import { buildFixtureBundle, fixtureExpected, tempProject } from "./fixtures.js";

const REDIS = process.env.MLC_TEST_REDIS_URL;

interface Backend {
  name: string;
  skip?: string;
  store(): OnlineStoreRef;
}

const backends: Backend[] = [
  { name: "sqlite", store: () => ({ kind: "sqlite", path: ".mlc/online.db" }) },
  {
    name: "redis",
    skip: REDIS ? undefined : "MLC_TEST_REDIS_URL is not set",
    // the URL is read from the environment by name, as a deployment with url = env("…") records it
    store: () => ({
      kind: "redis",
      url_env: "MLC_TEST_REDIS_URL",
      prefix: `mlc-test:${process.pid}:${Math.random().toString(36).slice(2, 8)}`,
    }),
  },
];

const meta = (version: number): OnlineTableMeta => ({
  format: "mlc-online-table/1",
  deployment: "churn_api",
  model: "churn",
  version,
  key: ["customer_id"],
  columns: [
    { name: "tenure", source: "window" },
    { name: "monthly", source: "join" },
  ],
  as_of: "2026-11-01T00:00:00.001Z",
  rows: 2,
  created: "2026-11-26T09:00:00.000Z",
});

/** Writes one version's online table: customer → [tenure, monthly]. */
async function writeTable(
  project: string,
  store: OnlineStoreRef,
  version: number,
  rows: Record<string, [number, number | null]>,
): Promise<OnlineRef> {
  const s = await openOnlineStore(project, store);
  try {
    const table = await s.write(
      meta(version),
      Object.entries(rows).map(([k, v]) => ({ key: [k], values: v })),
    );
    return { store, table };
  } finally {
    await s.close();
  }
}

const V1 = { "c-1": [3, 50.5], "c-2": [40, null] } as Record<string, [number, number | null]>;
const V2 = { "c-1": [30, 99], "c-2": [1, 10] } as Record<string, [number, number | null]>;
const partial = { customer_id: "c-1", active: true, plan: "pro" };

for (const b of backends) {
  describe.skipIf(b.skip !== undefined)(
    `serving with an online table on ${b.name}${b.skip ? ` (skipped: ${b.skip})` : ""}`,
    () => {
      let s: PredictionServer;
      let project: string;
      let store: OnlineStoreRef;
      let t1: OnlineRef;

      beforeAll(async () => {
        project = tempProject();
        store = b.store();
        buildFixtureBundle(join(project, ".mlc/bundles/churn_api/v1"), { version: 1 });
        t1 = await writeTable(project, store, 1, V1);
        writeDeployment(
          project,
          "churn_api",
          { version: 1, bundle: ".mlc/bundles/churn_api/v1", online: t1 },
          "test",
        );
        s = createPredictionServer({
          projectDir: project,
          deployment: "churn_api",
          predictionLog: { flushMs: 10 },
          pollMs: 60_000,
        });
        await s.loaded;
      });
      afterAll(async () => {
        await s?.close();
        // nothing names these tables any more: pruning with an empty keep-set removes every key the suite wrote
        const st = await openOnlineStore(project, store);
        await st.prune("churn_api", new Set());
        await st.close();
      });

      const post = (payload: unknown) =>
        s.app.inject({
          method: "POST",
          url: "/v1/predict",
          payload: JSON.stringify(payload),
          headers: { "content-type": "application/json" },
        });
      const churnOf = (res: { json(): { predictions: { probabilities: { churn: number } }[] } }, i = 0) =>
        res.json().predictions[i]!.probabilities.churn;

      it("fills the inputs a record omits from its entity's row", async () => {
        const res = await post(partial);
        expect(res.statusCode).toBe(200);
        expect(churnOf(res)).toBeCloseTo(
          fixtureExpected({ tenure: 3, monthly: 50.5, active: true, plan: "pro" }),
          5,
        );
        // a stored null is a null input (monthly is nullable)
        const c2 = await post({ ...partial, customer_id: "c-2" });
        expect(churnOf(c2)).toBeCloseTo(
          fixtureExpected({ tenure: 40, monthly: null, active: true, plan: "pro" }),
          5,
        );
      });

      it("keeps a value the record supplies, looking up only the others", async () => {
        const res = await post({ ...partial, tenure: 60 });
        expect(churnOf(res)).toBeCloseTo(
          fixtureExpected({ tenure: 60, monthly: 50.5, active: true, plan: "pro" }),
          5,
        );
        // a record with every looked-up input needs no entity key at all
        const full = await post({ tenure: 60, monthly: 1, active: true, plan: "pro" });
        expect(full.statusCode).toBe(200);
        expect(churnOf(full)).toBeCloseTo(
          fixtureExpected({ tenure: 60, monthly: 1, active: true, plan: "pro" }),
          5,
        );
      });

      it("answers an unknown entity with 404 naming the key (and the record's index in a batch)", async () => {
        const res = await post({ ...partial, customer_id: "c-404" });
        expect(res.statusCode).toBe(404);
        expect(res.json()).toMatchObject({ error: "unknown_entity", field: "customer_id" });
        expect(res.json().message).toMatch(/customer_id 'c-404'/);
        const batch = await post({ instances: [partial, { ...partial, customer_id: "nope" }] });
        expect(batch.statusCode).toBe(404);
        expect(batch.json()).toMatchObject({ error: "unknown_entity", field: "customer_id", index: 1 });
        const keyless = await post({ active: true, plan: "pro" });
        expect(keyless.statusCode).toBe(400);
        expect(keyless.json()).toMatchObject({ error: "invalid_input", field: "customer_id" });
        expect(keyless.json().message).toMatch(/tenure, monthly/);
      });

      it("scores a batch with one lookup per distinct entity, in order", async () => {
        const instances = [
          partial,
          { ...partial, customer_id: "c-2", plan: "basic" },
          { ...partial, monthly: 7 },
        ];
        const res = await post({ instances });
        expect(res.statusCode).toBe(200);
        expect(churnOf(res, 0)).toBeCloseTo(
          fixtureExpected({ tenure: 3, monthly: 50.5, active: true, plan: "pro" }),
          5,
        );
        expect(churnOf(res, 1)).toBeCloseTo(
          fixtureExpected({ tenure: 40, monthly: null, active: true, plan: "basic" }),
          5,
        );
        expect(churnOf(res, 2)).toBeCloseTo(
          fixtureExpected({ tenure: 3, monthly: 7, active: true, plan: "pro" }),
          5,
        );
      });

      it("describes the lookup in GET /v1/model and logs the values scored", async () => {
        const model = (await s.app.inject({ method: "GET", url: "/v1/model" })).json();
        expect(model.online).toMatchObject({
          key: ["customer_id"],
          inputs: ["tenure", "monthly"],
          as_of: "2026-11-01T00:00:00.001Z",
          table: t1.table,
        });
        expect(JSON.stringify(model)).not.toContain("redis://");
        await post({ ...partial, customer_id: "c-1", plan: "basic" });
        await s.log!.flush();
        const logged = readPredictionLog(project, "churn_api").filter(
          (e) =>
            (e.features as { plan?: string }).plan === "basic" &&
            (e.features as { customer_id?: string }).customer_id === "c-1",
        );
        expect(logged.at(-1)?.features).toMatchObject({ tenure: 3, monthly: 50.5 });
      });

      it("a rollback brings back the previous version together with its own online table", async () => {
        buildFixtureBundle(join(project, ".mlc/bundles/churn_api/v2"), { version: 2, scale: 2 });
        const t2 = await writeTable(project, store, 2, V2);
        expect(t2.table).not.toBe(t1.table);
        writeDeployment(
          project,
          "churn_api",
          { version: 2, bundle: ".mlc/bundles/churn_api/v2", online: t2 },
          "deploy v2",
        );
        s.live.check();
        await s.live.settled();
        let res = await post(partial);
        expect(res.json().model_version).toBe(2);
        expect(churnOf(res)).toBeCloseTo(
          fixtureExpected({ tenure: 30, monthly: 99, active: true, plan: "pro" }, 2),
          5,
        );

        expect(previousVersion(project, "churn_api")?.online).toEqual(t1);
        writeDeployment(project, "churn_api", previousVersion(project, "churn_api")!, "rollback");
        expect(readDeployment(project, "churn_api")).toMatchObject({ version: 1, online: t1 });
        s.live.check();
        await s.live.settled();
        res = await post(partial);
        expect(res.json().model_version).toBe(1);
        expect(churnOf(res)).toBeCloseTo(
          fixtureExpected({ tenure: 3, monthly: 50.5, active: true, plan: "pro" }),
          5,
        );
      });
    },
  );
}

describe("online store writes", () => {
  it("are content-addressed, atomic per table, and prune only tables no pointer names", async () => {
    const project = tempProject();
    const ref: OnlineStoreRef = { kind: "sqlite", path: ".mlc/online.db" };
    const a = await writeTable(project, ref, 1, V1);
    // the same content twice (two processes materialising the same version) is one table
    const [again, other] = await Promise.all([
      writeTable(project, ref, 1, V1),
      writeTable(project, ref, 1, V2),
    ]);
    expect(again.table).toBe(a.table);
    expect(other.table).not.toBe(a.table);
    const s = await openOnlineStore(project, ref);
    try {
      expect(await s.lookup(a.table, ["c-1", "zz"])).toEqual([[3, 50.5], undefined]);
      expect(await s.prune("churn_api", new Set([a.table]))).toBe(1);
      expect(await s.meta(other.table)).toBeUndefined();
      expect((await s.meta(a.table))?.rows).toBe(2);
    } finally {
      await s.close();
    }
  });
});
