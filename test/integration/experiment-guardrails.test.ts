// An experiment's error-rate and latency guardrails against a real server on a loopback port: one arm
// serves a model that fails to score (a Gather out of its bounds), or a slow one (a chain of large matrix
// products); the server logs the failed rows and the latency per arm, `mlc experiment status` finds the
// breach on that arm alone, and the declared decision stops it with every later request answered.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { register } from "../../src/cli/commands/experiment.js";
import type { Json } from "../../src/ir/graph-ir.js";
import { experimentExecutor } from "../../src/kinds/experiment/executor.js";
import { buildBundleDir, loadBundle } from "../../src/serve/bundle.js";
import { readDeployment, writeDeployment } from "../../src/serve/deployment.js";
import { armOfUnit } from "../../src/serve/experiment-route.js";
import { ModelRunner } from "../../src/serve/model-runner.js";
import { readPredictionLog } from "../../src/serve/prediction-log-reader.js";
import { createPredictionServer, type PredictionServer } from "../../src/serve/server.js";
import { armOnnx, type ArmModel } from "../kinds/experiment-arm-models.js";
import { context } from "../kinds/experiment-fixtures.js";
import { runCommand } from "../serve/cli-harness.js";
import { fixtureMeta, tempProject } from "../serve/fixtures.js";

const rec = { tenure: 7, monthly: 20, active: true, plan: "basic" };

interface ArmJson {
  arm: string;
  requests: number;
  units: number;
  latency_p99_ms: number | null;
  error_rate: number | null;
  guardrails: { guardrail: string; value: number; limit: number; breached: boolean }[];
}

let server: PredictionServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A deployment serving the sound model, an experiment offer_test whose `offer` arm serves `offer`, and a listening server. */
async function served(
  offer: ArmModel,
  guardrails: { [k: string]: Json },
): Promise<{ p: string; base: string; units: Record<string, string[]> }> {
  const p = tempProject();
  const ok = armOnnx({ kind: "ok" });
  buildBundleDir(join(p, ".mlc/bundles/api/v1"), ok, fixtureMeta({ version: 1 }));
  writeDeployment(p, "api", { version: 1, bundle: ".mlc/bundles/api/v1" }, "deployed");
  await experimentExecutor.run(
    context(
      p,
      { churn: 1, retention: 1 },
      { attributes: { guardrails: { $object: guardrails } }, onnx: { churn: ok, retention: armOnnx(offer) } },
    ),
  );
  const route = readDeployment(p, "api")!.experiment!;
  // units in a deterministic order until each arm has 110 (the guardrails are judged from 100 requests)
  const units: Record<string, string[]> = { control: [], offer: [] };
  for (let i = 0; units.control!.length < 110 || units.offer!.length < 110; i++) {
    const u = `c${i}`;
    const arm = armOfUnit(route, u);
    if (units[arm]!.length < 110) units[arm]!.push(u);
  }
  server = createPredictionServer({ projectDir: p, deployment: "api", logLevel: "silent" });
  const base = await server.listen(0, "127.0.0.1");
  await server.loaded;
  return { p, base, units };
}

/** One request per unit, one at a time (so one arm's work never delays the other's); status codes by arm. */
async function send(base: string, units: readonly string[]): Promise<{ status: number; body: string }[]> {
  const out: { status: number; body: string }[] = [];
  for (const customer_id of units) {
    const res = await fetch(`${base}/v1/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...rec, customer_id }),
    });
    out.push({ status: res.status, body: await res.text() });
  }
  return out;
}

async function status(p: string): Promise<{ verdict: string; winner?: string; arms: ArmJson[] }> {
  const r = await runCommand(register, ["experiment", "status", "offer_test", "--dir", p, "--json"]);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as { verdict: string; winner?: string; arms: ArmJson[] };
}

/** Applies the declared decision, waits for the server to serve the control alone, and checks no request fails. */
async function stopsAndServesEveryone(p: string, base: string, units: Record<string, string[]>) {
  const d = await runCommand(register, ["experiment", "offer_test", "--dir", p]);
  expect(d.code, d.err).toBe(0);
  expect(d.out).toMatch(
    /all traffic to control \(version 1\); experiment offer_test stopped by its declared decision \(guardrail\)/,
  );
  const end = Date.now() + 20_000;
  for (;;) {
    const m = (await (await fetch(`${base}/v1/model`)).json()) as { experiment?: unknown };
    if (m.experiment === undefined) break;
    if (Date.now() > end) throw new Error("the server did not follow the pointer");
    await new Promise((r) => setTimeout(r, 100));
  }
  const after = await send(base, [...units.offer!.slice(0, 30), ...units.control!.slice(0, 10)]);
  expect(after.filter((r) => r.status !== 200)).toEqual([]);
}

describe("experiment guardrails against a real server", () => {
  it("error_rate: an arm whose model fails to score is logged per row, breaches, and is stopped", async () => {
    const { p, base, units } = await served({ kind: "broken" }, { error_rate: { $percent: 5 } });
    const control = await send(base, units.control!);
    const offer = await send(base, units.offer!);
    expect(control.filter((r) => r.status !== 200)).toEqual([]);
    expect(new Set(offer.map((r) => r.status))).toEqual(new Set([500]));
    expect(JSON.parse(offer[0]!.body)).toMatchObject({ error: "scoring_failed" });
    await server!.log!.flush();

    // the failed rows are in the log for the experiment only; every other reader sees predictions alone
    const failed = readPredictionLog(p, "api", { failures: true }).filter((e) => e.error !== undefined);
    expect(failed).toHaveLength(110);
    expect(new Set(failed.map((e) => [e.experiment, e.experiment_arm, e.error, e.output].join()))).toEqual(
      new Set(["offer_test,offer,scoring_failed,"]),
    );
    expect(
      readPredictionLog(p, "api").every((e) => e.error === undefined && e.experiment_arm === "control"),
    ).toBe(true);
    // a failed request never takes feedback (it has no prediction)
    const rid = failed[0]!.request_id;
    const fb = await fetch(`${base}/v1/feedback`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ request_id: rid, metric: "converted", value: 1 }),
    });
    expect(fb.status).toBe(404);

    const s = await status(p);
    const arm = (n: string) => s.arms.find((a) => a.arm === n)!;
    expect([arm("control").error_rate, arm("offer").error_rate]).toEqual([0, 1]);
    expect(arm("offer").requests).toBe(110);
    expect(arm("offer").guardrails).toEqual([
      { guardrail: "error_rate", value: 1, limit: 0.05, breached: true },
    ]);
    expect(arm("control").guardrails).toEqual([
      { guardrail: "error_rate", value: 0, limit: 0.05, breached: false },
    ]);
    expect([s.verdict, s.winner]).toEqual(["guardrail", "control"]);
    const text = await runCommand(register, ["experiment", "status", "offer_test", "--dir", p]);
    expect(text.out).toMatch(/^offer\s.*\s100\.00%\s+error_rate$/m);
    expect(text.out).toMatch(/^control\s.*\s0\.00%\s+ok$/m);
    expect(text.out).toMatch(
      /verdict: guardrail \(serve control\): guardrail breached \(offer: error_rate 1 beyond 0\.05\)/,
    );
    await stopsAndServesEveryone(p, base, units);
  }, 120_000);

  it("latency.p99: a slow arm breaches, the control does not, and it is stopped", async () => {
    // the slow model's time on this machine sets the limit: half its fastest scoring of one record
    let slow: ArmModel = { kind: "slow", size: 384, products: 4 };
    let fastest = 0;
    for (;;) {
      const dir = join(tempProject(), "slow");
      buildBundleDir(dir, armOnnx(slow), fixtureMeta({ version: 1 }));
      const runner = await ModelRunner.load(loadBundle(dir));
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const batch = runner.encoder.encodeRecords([rec], false);
        if ("message" in batch) throw new Error(batch.message);
        const t0 = performance.now();
        await runner.score(batch);
        times.push(performance.now() - t0);
      }
      runner.retire();
      fastest = Math.min(...times);
      if (fastest >= 30 || slow.products >= 64) break;
      slow = { ...slow, products: slow.products * 2 };
    }
    const limitMs = Math.floor(fastest / 2);
    expect(limitMs).toBeGreaterThanOrEqual(10);
    const { p, base, units } = await served(slow, { latency_p99: { $duration: limitMs / 1000 } });
    expect((await send(base, units.control!)).every((r) => r.status === 200)).toBe(true);
    expect((await send(base, units.offer!)).every((r) => r.status === 200)).toBe(true);
    await server!.log!.flush();

    const s = await status(p);
    const arm = (n: string) => s.arms.find((a) => a.arm === n)!;
    const g = arm("offer").guardrails[0]!;
    expect([g.guardrail, g.limit, g.breached]).toEqual(["latency.p99", limitMs, true]);
    expect(g.value).toBeGreaterThan(limitMs);
    // the sound model is far faster: its p99 stays below the slow arm's (whatever the machine's load)
    expect(arm("control").latency_p99_ms!).toBeLessThan(arm("offer").latency_p99_ms!);
    expect([s.verdict, s.winner]).toEqual(["guardrail", "control"]);
    await stopsAndServesEveryone(p, base, units);
  }, 300_000);
});
