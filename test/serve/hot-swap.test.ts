import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { previousVersion, writeDeployment } from "../../src/serve/deployment.js";
import { createPredictionServer } from "../../src/serve/server.js";
import { buildFixtureBundle, fixtureExpected, tempProject } from "./fixtures.js";

const rec = { tenure: 7, monthly: 20, active: true, plan: "basic" };

function project(): string {
  const p = tempProject();
  buildFixtureBundle(join(p, ".mlc/bundles/d/v1"), { version: 1, scale: 1 });
  writeDeployment(p, "d", { version: 1, bundle: ".mlc/bundles/d/v1" }, "deploy v1");
  return p;
}

/** Runs `workers` sequential request loops until `until()` holds; returns every outcome. */
type Outcome = { worker: number; status: number; version?: number; p?: number; error?: string };

async function loadLoop(
  url: string,
  workers: number,
  until: (outcomes: Outcome[]) => boolean,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (!until(outcomes)) {
        try {
          const res = await fetch(url, {
            method: "POST",
            body: JSON.stringify(rec),
            headers: { "content-type": "application/json" },
          });
          const body = (await res.json()) as {
            model_version: number;
            predictions: { probabilities: { churn: number } }[];
          };
          outcomes.push({
            worker,
            status: res.status,
            version: body.model_version,
            p: body.predictions?.[0]?.probabilities.churn,
          });
        } catch (e) {
          outcomes.push({ worker, status: 0, error: (e as Error).message });
        }
      }
    }),
  );
  return outcomes;
}

describe("hot swap", () => {
  it("switches versions under load with zero failed requests, then rolls back", async () => {
    const p = project();
    const s = createPredictionServer({ projectDir: p, deployment: "d", pollMs: 100, predictionLog: false });
    await s.loaded;
    const base = await s.listen(0);
    const url = `${base}/v1/predict`;
    let phase = 0;
    let promotedAt = 0;
    let rolledBackAt = 0;
    const outcomes = await loadLoop(url, 8, (outcomes) => {
      const n = outcomes.length;
      if (phase === 0 && n >= 80) {
        phase = 1;
        buildFixtureBundle(join(p, ".mlc/bundles/d/v2"), { version: 2, scale: 2 });
        writeDeployment(p, "d", { version: 2, bundle: ".mlc/bundles/d/v2" }, "promote v2");
        promotedAt = n;
      }
      if (phase === 1 && outcomes.slice(promotedAt).filter((o) => o.version === 2).length >= 80) {
        phase = 2;
        writeDeployment(p, "d", previousVersion(p, "d")!, "rollback"); // what `mlc rollback` writes
        rolledBackAt = n;
      }
      if (phase === 2 && outcomes.slice(rolledBackAt).filter((o) => o.version === 1).length >= 80)
        return true;
      return n > 20_000; // safety net: the assertions below then fail
    });
    await s.close();

    expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
    expect(phase).toBe(2);
    // each version answers with its own model's output
    for (const o of outcomes) expect(o.p).toBeCloseTo(fixtureExpected(rec, o.version === 2 ? 2 : 1), 5);
    // per worker: v1 … v2 … v1 — once a loop saw the new version it never sees the old one until the rollback
    for (let w = 0; w < 8; w++) {
      const seq = outcomes.filter((o) => o.worker === w).map((o) => o.version);
      const collapsed = seq.filter((v, i) => i === 0 || v !== seq[i - 1]);
      expect(collapsed).toEqual([1, 2, 1]);
    }
  });

  it("keeps serving the old version when the new pointer's bundle is broken", async () => {
    const p = project();
    const s = createPredictionServer({
      projectDir: p,
      deployment: "d",
      pollMs: 50,
      predictionLog: false,
      logLevel: "silent",
    });
    await s.loaded;
    mkdirSync(join(p, "broken"));
    writeFileSync(join(p, "broken", "bundle.json"), "{}");
    writeDeployment(p, "d", { version: 2, bundle: "broken" }, "bad promote");
    await new Promise((r) => setTimeout(r, 300));
    await s.live.settled();
    const res = await s.app.inject({ method: "POST", url: "/v1/predict", payload: rec });
    expect(res.json().model_version).toBe(1);
    expect((await s.app.inject({ method: "GET", url: "/metrics" })).body).toMatch(
      /mlc_model_load_failures_total\{deployment="d"\} 1/,
    );
    // a fixed pointer is picked up
    buildFixtureBundle(join(p, ".mlc/bundles/d/v2"), { version: 2, scale: 2 });
    writeDeployment(p, "d", { version: 2, bundle: ".mlc/bundles/d/v2" }, "good promote");
    for (let i = 0; i < 100 && s.live.routing?.stable.version !== 2; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(
      (await s.app.inject({ method: "POST", url: "/v1/predict", payload: rec })).json().model_version,
    ).toBe(2);
    await s.close();
  });
});
