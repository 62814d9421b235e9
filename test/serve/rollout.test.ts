import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { register } from "../../src/cli/commands/rollout.js";
import { readDeployment, readHistory, writeDeployment } from "../../src/serve/deployment.js";
import { readPredictionLog } from "../../src/serve/prediction-log-reader.js";
import { chooseArm, keyBucket } from "../../src/serve/routing.js";
import { createPredictionServer } from "../../src/serve/server.js";
import { runCommand } from "./cli-harness.js";
import { buildFixtureBundle, fixtureExpected, tempProject } from "./fixtures.js";

const rec = { tenure: 7, monthly: 20, active: true, plan: "basic" };

function project(): string {
  const p = tempProject();
  buildFixtureBundle(join(p, ".mlc/bundles/d/v1"), { version: 1, scale: 1 });
  buildFixtureBundle(join(p, ".mlc/bundles/d/v2"), { version: 2, scale: 2 });
  writeDeployment(p, "d", { version: 1, bundle: ".mlc/bundles/d/v1" }, "deploy v1");
  return p;
}

describe("canary routing", () => {
  it("hashes keys stably into [0, 1) with an even spread", () => {
    expect(keyBucket("customer-42")).toBe(keyBucket("customer-42"));
    let below = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < 10_000; i++) {
      const b = keyBucket(`c${i}`);
      min = Math.min(min, b);
      max = Math.max(max, b);
      if (b < 0.1) below++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(below).toBeGreaterThan(850);
    expect(below).toBeLessThan(1150);
  });

  it("sends records without the key to the stable arm", () => {
    const r = { kind: "canary" as const, share: 0.99, key: "id", candidate: { version: 2, bundle: "x" } };
    expect(chooseArm(r, { other: 1 })).toBe("stable");
    expect(chooseArm(r, { id: null })).toBe("stable");
  });

  it("routes a share of entities to the candidate, the same key always to the same arm, labelled and logged", async () => {
    const p = project();
    writeDeployment(
      p,
      "d",
      {
        version: 1,
        bundle: ".mlc/bundles/d/v1",
        rollout: {
          kind: "canary",
          share: 0.3,
          key: "customer_id",
          candidate: { version: 2, bundle: ".mlc/bundles/d/v2" },
        },
      },
      "canary",
    );
    const s = createPredictionServer({ projectDir: p, deployment: "d", maxBatch: 1000, predictionLog: {} });
    await s.loaded;
    const arms = new Map<string, string>();
    for (let i = 0; i < 120; i++) {
      const id = `cust-${i}`;
      const body = (
        await s.app.inject({ method: "POST", url: "/v1/predict", payload: { ...rec, customer_id: id } })
      ).json();
      const pred = body.predictions[0];
      expect(body.model_version).toBe(pred.model_version);
      expect(pred.model_version).toBe(pred.arm === "canary" ? 2 : 1);
      expect(pred.probabilities.churn).toBeCloseTo(fixtureExpected(rec, pred.model_version), 5);
      arms.set(id, pred.arm);
    }
    const canary = [...arms.values()].filter((a) => a === "canary").length;
    expect(canary).toBeGreaterThan(18);
    expect(canary).toBeLessThan(54);
    // same key, same arm: again one by one, and mixed inside one batch request
    const ids = [...arms.keys()].slice(0, 50);
    const batch = (
      await s.app.inject({
        method: "POST",
        url: "/v1/predict",
        payload: { instances: ids.map((customer_id) => ({ ...rec, customer_id })) },
      })
    ).json();
    ids.forEach((id, i) => expect(batch.predictions[i].arm).toBe(arms.get(id)));
    await s.close();
    const log = readPredictionLog(p, "d");
    expect(log.length).toBe(170);
    for (const e of log) expect(e.arm).toBe(arms.get((e.features as { customer_id: string }).customer_id));
  });

  it("shadow: the candidate scores every request, logged, never returned", async () => {
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
    const s = createPredictionServer({ projectDir: p, deployment: "d", predictionLog: {} });
    await s.loaded;
    for (let i = 0; i < 20; i++) {
      const body = (
        await s.app.inject({ method: "POST", url: "/v1/predict", payload: { ...rec, tenure: i } })
      ).json();
      expect(body.model_version).toBe(1);
      expect(body.predictions[0].arm).toBeUndefined();
      expect(body.predictions[0].probabilities.churn).toBeCloseTo(
        fixtureExpected({ ...rec, tenure: i }, 1),
        5,
      );
    }
    expect((await s.app.inject({ method: "GET", url: "/v1/model" })).json().rollout).toEqual({
      kind: "shadow",
      candidate_version: 2,
    });
    await s.close();
    const log = readPredictionLog(p, "d");
    const shadow = log.filter((e) => e.arm === "shadow");
    expect(shadow).toHaveLength(20);
    expect(log.filter((e) => e.arm === "stable")).toHaveLength(20);
    for (const e of shadow) {
      expect(e.model_version).toBe(2);
      const t = (e.features as { tenure: number }).tenure;
      expect((e.output as { probabilities: { churn: number } }).probabilities.churn).toBeCloseTo(
        fixtureExpected({ ...rec, tenure: t }, 2),
        5,
      );
    }
    expect(readPredictionLog(p, "d", { arms: ["stable"] })).toHaveLength(20);
  });
});

describe("mlc rollout", () => {
  it("starts a canary, promotes it, and records each step with its reason", async () => {
    const p = project();
    const start = await runCommand(register, [
      "rollout",
      "start",
      "d",
      "--dir",
      p,
      "--bundle",
      join(p, ".mlc/bundles/d/v2"),
      "--canary",
      "10%",
      "--key",
      "customer_id",
    ]);
    expect(start.code).toBe(0);
    expect(readDeployment(p, "d")!.rollout).toEqual({
      kind: "canary",
      share: 0.1,
      key: "customer_id",
      candidate: { version: 2, bundle: ".mlc/bundles/d/v2" },
    });
    const prom = await runCommand(register, [
      "rollout",
      "promote",
      "d",
      "--dir",
      p,
      "--reason",
      "canary healthy",
    ]);
    expect(prom.out).toContain("version 2 promoted (was 1)");
    const cur = readDeployment(p, "d")!;
    expect(cur).toMatchObject({ version: 2, bundle: ".mlc/bundles/d/v2", reason: "canary healthy" });
    expect(cur.rollout).toBeUndefined();
    expect(readHistory(p, "d").map((h) => h.reason)).toEqual([
      "deploy v1",
      "start canary of version 2",
      "canary healthy",
    ]);
  });

  it("aborts a shadow rollout and refuses promote/abort without one", async () => {
    const p = project();
    expect(
      (
        await runCommand(register, [
          "rollout",
          "start",
          "d",
          "--dir",
          p,
          "--bundle",
          join(p, ".mlc/bundles/d/v2"),
          "--shadow",
        ])
      ).code,
    ).toBe(0);
    expect((await runCommand(register, ["rollout", "abort", "d", "--dir", p])).code).toBe(0);
    expect(readDeployment(p, "d")).toMatchObject({ version: 1 });
    expect(readDeployment(p, "d")!.rollout).toBeUndefined();
    const again = await runCommand(register, ["rollout", "promote", "d", "--dir", p]);
    expect(again.code).toBe(1);
    expect(again.err).toContain("has no rollout in progress");
    const bad = await runCommand(register, [
      "rollout",
      "start",
      "d",
      "--dir",
      p,
      "--bundle",
      join(p, ".mlc/bundles/d/v2"),
      "--canary",
      "150%",
      "--key",
      "k",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--canary must be a share");
  });
});
