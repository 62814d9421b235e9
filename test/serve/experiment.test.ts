// Experiments in the server: every arm side by side, routed by a salted stable hash of the key,
// labelled in responses and the prediction log, a 400 without the key, and concluding with no dropped request.
import { describe, expect, it } from "vitest";
import { readDeployment, readHistory, writeDeployment } from "../../src/serve/deployment.js";
import { concludeExperiment, startExperiment } from "../../src/serve/experiment-control.js";
import { armOfUnit, chooseExperimentArm, type ExperimentRoute } from "../../src/serve/experiment-route.js";
import { readPredictionLog } from "../../src/serve/prediction-log-reader.js";
import { createPredictionServer } from "../../src/serve/server.js";
import { fixtureExpected, projectWithVersions } from "./fixtures.js";

const rec = { tenure: 7, monthly: 20, active: true, plan: "basic" };

function project(): string {
  const p = projectWithVersions();
  writeDeployment(p, "d", { version: 1, bundle: ".mlc/bundles/d/v1" }, "deploy v1");
  return p;
}

const route = (over: Partial<ExperimentRoute> = {}): ExperimentRoute => ({
  name: "offer_test",
  key: "customer_id",
  salt: "offer_test",
  control: "control",
  arms: [
    { name: "control", share: 0.5, target: { version: 1, bundle: ".mlc/bundles/d/v1" } },
    { name: "offer", share: 0.3, target: { version: 2, bundle: ".mlc/bundles/d/v2" } },
    { name: "discount", share: 0.2, target: { version: 3, bundle: ".mlc/bundles/d/v3" } },
  ],
  started: "2026-12-03T00:00:00.000Z",
  ...over,
});

describe("experiment routing", () => {
  it("splits units by the allocation, and the salt decorrelates two experiments", () => {
    const r = route();
    const counts = new Map<string, number>();
    let same = 0;
    const other = { ...r, salt: "another" };
    for (let i = 0; i < 20_000; i++) {
      const a = armOfUnit(r, `u${i}`);
      counts.set(a, (counts.get(a) ?? 0) + 1);
      if ((a === "control") === (armOfUnit(other, `u${i}`) === "control")) same++;
    }
    expect(counts.get("control")! / 20_000).toBeCloseTo(0.5, 1);
    expect(counts.get("offer")! / 20_000).toBeCloseTo(0.3, 1);
    expect(counts.get("discount")! / 20_000).toBeCloseTo(0.2, 1);
    // independent 50% splits agree half the time; the same salt would agree always
    expect(same / 20_000).toBeGreaterThan(0.46);
    expect(same / 20_000).toBeLessThan(0.54);
  });

  it("names the missing key, or sends such requests to the declared default arm", () => {
    expect(chooseExperimentArm(route(), { other: 1 })).toEqual({ missing: "customer_id" });
    expect(chooseExperimentArm(route({ default_arm: "control" }), {})).toEqual({ arm: "control" });
  });

  it("refuses a pointer whose shares do not add up or whose control is not its version", () => {
    const p = project();
    const bad = route();
    bad.arms[2]!.share = 0.3;
    expect(() =>
      writeDeployment(p, "d", { version: 1, bundle: ".mlc/bundles/d/v1", experiment: bad }, "x"),
    ).toThrow(/shares add up to 1.1/);
    expect(() =>
      writeDeployment(p, "d", { version: 2, bundle: ".mlc/bundles/d/v2", experiment: route() }, "x"),
    ).toThrow(/control arm serves version 1, the pointer 2/);
  });

  it("serves every arm side by side, sticky per key, labelled in responses and the log", async () => {
    const p = project();
    startExperiment(p, "d", route(), "experiment offer_test started");
    const s = createPredictionServer({ projectDir: p, deployment: "d", maxBatch: 1000, predictionLog: {} });
    await s.loaded;
    const arms = new Map<string, string>();
    for (let i = 0; i < 150; i++) {
      const id = `cust-${i}`;
      const res = await s.app.inject({
        method: "POST",
        url: "/v1/predict",
        payload: { ...rec, customer_id: id },
      });
      expect(res.statusCode).toBe(200);
      const pred = res.json().predictions[0];
      expect(pred.experiment).toBe("offer_test");
      const version = { control: 1, offer: 2, discount: 3 }[pred.arm as string]!;
      expect(pred.model_version).toBe(version);
      expect(pred.probabilities.churn).toBeCloseTo(fixtureExpected(rec, version), 5);
      arms.set(id, pred.arm);
    }
    expect(new Set(arms.values())).toEqual(new Set(["control", "offer", "discount"]));
    const ids = [...arms.keys()].slice(0, 60);
    const batch = (
      await s.app.inject({
        method: "POST",
        url: "/v1/predict",
        payload: { instances: ids.map((customer_id) => ({ ...rec, customer_id })) },
      })
    ).json();
    ids.forEach((id, i) => expect(batch.predictions[i].arm).toBe(arms.get(id)));

    const missing = await s.app.inject({ method: "POST", url: "/v1/predict", payload: rec });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: "missing_key", field: "customer_id" });
    const model = (await s.app.inject({ method: "GET", url: "/v1/model" })).json();
    expect(model.experiment).toMatchObject({ name: "offer_test", key: "customer_id", control: "control" });
    expect(model.experiment.arms.map((a: { model_version: number }) => a.model_version)).toEqual([1, 2, 3]);
    await s.close();

    const log = readPredictionLog(p, "d");
    expect(log).toHaveLength(210);
    for (const e of log) {
      expect(e.experiment).toBe("offer_test");
      expect(e.experiment_arm).toBe(arms.get((e.features as { customer_id: string }).customer_id));
    }
  });

  it("a restarted server assigns every key to the same arm", async () => {
    const p = project();
    startExperiment(p, "d", route(), "start");
    const armsOf = async (): Promise<string[]> => {
      const s = createPredictionServer({ projectDir: p, deployment: "d", predictionLog: false });
      await s.loaded;
      const body = (
        await s.app.inject({
          method: "POST",
          url: "/v1/predict",
          payload: { instances: Array.from({ length: 40 }, (_, i) => ({ ...rec, customer_id: i })) },
        })
      ).json();
      await s.close();
      return body.predictions.map((x: { arm: string }) => x.arm);
    };
    expect(await armsOf()).toEqual(await armsOf());
  });

  it("serves a record without the key from the declared default arm, in a batch beside routed ones", async () => {
    const p = project();
    startExperiment(p, "d", route({ default_arm: "discount" }), "start");
    const s = createPredictionServer({ projectDir: p, deployment: "d", predictionLog: {} });
    await s.loaded;
    const one = await s.app.inject({ method: "POST", url: "/v1/predict", payload: rec });
    expect(one.statusCode).toBe(200);
    expect(one.json().predictions[0]).toMatchObject({
      experiment: "offer_test",
      arm: "discount",
      model_version: 3,
    });
    const ids = Array.from({ length: 30 }, (_, i) => `k${i}`);
    const batch = (
      await s.app.inject({
        method: "POST",
        url: "/v1/predict",
        payload: { instances: [rec, ...ids.map((customer_id) => ({ ...rec, customer_id }))] },
      })
    ).json();
    expect(batch.predictions[0].arm).toBe("discount");
    ids.forEach((id, i) => expect(batch.predictions[i + 1].arm).toBe(armOfUnit(route(), id)));
    await s.close();
    const keyless = readPredictionLog(p, "d").filter((e) => e.features.customer_id === undefined);
    expect(keyless.map((e) => [e.experiment, e.experiment_arm, e.model_version])).toEqual([
      ["offer_test", "discount", 3],
      ["offer_test", "discount", 3],
    ]);
  });

  it("concluding sends all traffic to the winner with zero failed requests under load", async () => {
    const p = project();
    startExperiment(p, "d", route(), "start");
    const s = createPredictionServer({ projectDir: p, deployment: "d", pollMs: 50, predictionLog: false });
    await s.loaded;
    const url = `${await s.listen(0)}/v1/predict`;
    const outcomes: { status: number; version?: number }[] = [];
    let concludedAt = -1;
    await Promise.all(
      Array.from({ length: 6 }, async (_, w) => {
        for (let i = 0; ; i++) {
          const n = outcomes.length;
          if (concludedAt < 0 && n >= 60) {
            concludedAt = n;
            concludeExperiment(p, "d", "offer_test", "offer", "experiment offer_test: offer won");
          }
          if (concludedAt >= 0 && outcomes.slice(concludedAt).filter((o) => o.version === 2).length >= 120)
            break;
          if (n > 5000) break;
          const res = await fetch(url, {
            method: "POST",
            body: JSON.stringify({ ...rec, customer_id: `w${w}-${i}` }),
            headers: { "content-type": "application/json" },
          });
          const body = (await res.json()) as { model_version?: number };
          outcomes.push({
            status: res.status,
            ...(body.model_version ? { version: body.model_version } : {}),
          });
        }
      }),
    );
    await s.close();
    expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
    expect(new Set(outcomes.slice(0, 60).map((o) => o.version)).size).toBeGreaterThan(1);
    // after the swap every request is served by the winner
    expect(outcomes.slice(-60).every((o) => o.version === 2)).toBe(true);
    const cur = readDeployment(p, "d")!;
    expect(cur).toMatchObject({ version: 2, reason: "experiment offer_test: offer won" });
    expect(cur.experiment).toBeUndefined();
    expect(readHistory(p, "d").map((h) => h.reason)).toEqual([
      "deploy v1",
      "start",
      "experiment offer_test: offer won",
    ]);
  });

  it("refuses to start beside a rollout and to conclude an arm that does not exist", () => {
    const p = project();
    writeDeployment(
      p,
      "d",
      {
        version: 1,
        bundle: ".mlc/bundles/d/v1",
        rollout: { kind: "shadow", candidate: { version: 2, bundle: ".mlc/bundles/d/v2" } },
      },
      "shadow",
    );
    expect(() => startExperiment(p, "d", route(), "start")).toThrow(/shadow rollout in progress/);
    const q = project();
    startExperiment(q, "d", route(), "start");
    expect(() => concludeExperiment(q, "d", "offer_test", "nope", "x")).toThrow(/no arm 'nope'/);
    expect(() => concludeExperiment(q, "d", "other", "offer", "x")).toThrow(
      /runs no experiment named 'other'/,
    );
  });
});

describe("experiment records", () => {
  it("joins outcomes by request id (and row) or unit, the covariate apart, and skips other experiments", async () => {
    const { experimentRecords } = await import("../../src/serve/experiment-records.js");
    const entry = (request_id: string, arm: string, id: string, experiment = "t") => ({
      ts: "2026-12-03T00:00:00.000Z",
      request_id,
      deployment: "d",
      model_version: 1,
      arm,
      latency_ms: 3,
      experiment,
      experiment_arm: arm,
      features: { customer_id: id },
      output: {},
    });
    const recs = experimentRecords(
      "t",
      "customer_id",
      [
        entry("r1", "control", "a"),
        entry("r2", "offer", "b"),
        entry("r3", "offer", "b"),
        entry("r4", "x", "c", "other"),
      ],
      [
        { request_id: "r3", metric: "revenue", value: 5 },
        { unit: "b", metric: "converted", value: 1 },
        { unit: "a", metric: "pre", value: 2 },
        { unit: "zz", metric: "converted", value: 1 },
        { request_id: "r2", index: 1, metric: "revenue", value: 9 },
        { unit: "a", metric: "converted", value: 1, time: "2026-12-02T23:59:59.000Z" },
      ],
      "pre",
    );
    // zz and row 1 of r2 are unknown; a's conversion came before its first exposure
    expect(recs.unmatched).toBe(2);
    expect(recs.beforeExposure).toBe(1);
    expect(recs.records).toEqual([
      { arm: "control", unit: "a", outcomes: {}, latencyMs: 3, covariate: 2 },
      { arm: "offer", unit: "b", outcomes: { converted: 1 }, latencyMs: 3 },
      { arm: "offer", unit: "b", outcomes: { revenue: 5 }, latencyMs: 3 },
    ]);
  });
});
