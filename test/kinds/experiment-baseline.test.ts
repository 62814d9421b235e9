// An experiment without a declared baseline is sized from what its deployment already served: the
// prediction log's units joined with their outcomes from POST /v1/feedback. The plan says it was
// estimated and from how many units; without traffic or outcomes it says what is missing, not a failure.
import { appendFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { estimateBaseline } from "../../src/kinds/experiment/baseline-estimate.js";
import { decodeExperimentConfig, planExperiment, planSummary } from "../../src/kinds/experiment/config.js";
import type { Json } from "../../src/ir/graph-ir.js";
import { rememberNoopPlan } from "../../src/runtime/plan-cache.js";
import { planToJson } from "../../src/runtime/plan-render.js";
import { planProject } from "../../src/runtime/project.js";
import { readExperimentEvents } from "../../src/serve/experiment-log.js";
import type { PredictionLogEntry } from "../../src/serve/prediction-log.js";
import { createPredictionServer } from "../../src/serve/server.js";
import { runCli } from "../cli/run-cli.js";
import { applyOk, tinyProject } from "../runtime/deploy-project.js";

const attrs = (over: Record<string, Json> = {}): Record<string, Json> => ({
  deployment: { $ref: ["api"] },
  variants: { $object: { control: { $ref: ["m"] }, small: { $ref: ["m2"] } } },
  key: "id",
  metrics: { $object: { converted: { $ref: ["binary"] }, revenue: { $ref: ["continuous"] } } },
  primary: { $ref: ["converted"] },
  mde: { $percent: 20 },
  ...over,
});

const entry = (i: number, over: Partial<PredictionLogEntry> = {}): PredictionLogEntry => ({
  ts: new Date(Date.UTC(2026, 11, 1, 0, 0, i)).toISOString(),
  request_id: `r${i}`,
  deployment: "api",
  model_version: 1,
  arm: "stable",
  latency_ms: 1,
  features: { id: `u${i % 200}` },
  output: {},
  ...over,
});

describe("baseline estimate", () => {
  it("is the per-unit rate over the deployment's units, a unit counting once however often it converted", () => {
    const c = decodeExperimentConfig("t", attrs());
    // 400 requests of 200 units; units 0..49 convert (twice for some: still one unit)
    const log = Array.from({ length: 400 }, (_, i) => entry(i));
    const outcomes = [
      ...Array.from({ length: 50 }, (_, u) => ({ unit: `u${u}`, metric: "converted", value: 1 })),
      ...Array.from({ length: 10 }, (_, i) => ({ request_id: `r${i}`, metric: "converted", value: 1 })),
      { unit: "u199", metric: "revenue", value: 5 },
      { unit: "stranger", metric: "converted", value: 1 },
    ];
    const e = estimateBaseline(c, log, outcomes, "files");
    expect(e).toEqual({ estimated: true, baseline: 0.25, units: 200, outcomes: 50, from: "files" });
    const p = planExperiment(c, e);
    if (!p.sized) throw new Error(p.reason);
    expect(p.estimate).toBe(e);
    const declared = planExperiment(decodeExperimentConfig("t", attrs({ baseline: { $percent: 25 } })));
    expect(declared.sized && declared.perArm).toEqual(p.perArm);
  });

  it("leaves out treatment arms and other experiments; a continuous metric gets its mean and sd", () => {
    const c = decodeExperimentConfig("t", attrs({ primary: { $ref: ["revenue"] } }));
    const log = [
      ...Array.from({ length: 100 }, (_, i) => entry(i)),
      ...Array.from({ length: 100 }, (_, i) =>
        entry(100 + i, { experiment: "t", experiment_arm: i % 2 ? "control" : "small" }),
      ),
      entry(300, { experiment: "other", experiment_arm: "control" }),
    ];
    const outcomes = log.map((e, i) => ({ request_id: e.request_id, metric: "revenue", value: i % 4 }));
    const e = estimateBaseline(c, log, outcomes, "files");
    if (!e.estimated) throw new Error(e.reason);
    // 100 plain units and the 50 control units of t; the small arm and the other experiment are left out
    expect(e.units).toBe(150);
    const ys = log.flatMap((x, i) =>
      x.experiment === undefined || (x.experiment === "t" && x.experiment_arm === "control") ? [i % 4] : [],
    );
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    const sd = Math.sqrt(ys.reduce((a, y) => a + (y - mean) ** 2, 0) / (ys.length - 1));
    expect(e.baseline).toBeCloseTo(mean, 12);
    expect(e.baseline_sd).toBeCloseTo(sd, 12);
    expect(planExperiment(c, e).sized).toBe(true);
    expect(planSummary(c, e)).toMatch(
      new RegExp(
        `; baseline ${+mean.toPrecision(4)} \\(sd ${+sd.toPrecision(4)}\\) estimated from 150 units \\(150 with an outcome\\) of the prediction log and feedback \\(files\\)$`,
      ),
    );
    // a declared mean keeps its value; only the spread is estimated, and the plan says which
    const declared = decodeExperimentConfig("t", attrs({ primary: { $ref: ["revenue"] }, baseline: 2 }));
    const p = planExperiment(declared, e);
    expect(p.sized && p.estimate).toBe(e);
    expect(planSummary(declared, e)).toMatch(
      new RegExp(`; baseline_sd ${+sd.toPrecision(4)} estimated from 150 units`),
    );
  });

  it("says why there is none: too few units, no outcome yet, a rate of 0", () => {
    const c = decodeExperimentConfig("t", attrs());
    const few = estimateBaseline(c, [entry(1), entry(2)], [], "files");
    expect(few).toMatchObject({ estimated: false, units: 2 });
    expect(!few.estimated && few.reason).toMatch(/hold 2 units with `id`; the estimate needs at least 100/);
    const log = Array.from({ length: 300 }, (_, i) => entry(i));
    const none = estimateBaseline(c, log, [], "files");
    expect(!none.estimated && none.reason).toMatch(/no outcome of `converted` yet/);
    const zero = estimateBaseline(c, log, [{ unit: "u1", metric: "converted", value: 0 }], "files");
    expect(!zero.estimated && zero.reason).toMatch(/every one of the 200 units .* has the same `converted`/);
    const p = planExperiment(c, none);
    expect(p).toMatchObject({ sized: false, noBaseline: true });
    expect(!p.sized && p.reason).toMatch(
      /^the sample size needs a baseline: declare baseline \(the expected rate of converted\), or serve the deployment and send outcomes of converted so the plan estimates it \(.*no outcome of `converted` yet\)$/,
    );
  });
});

const EXPERIMENT = `
model m2 {
  task      = classify(y, positive = "yes")
  data      = s
  features  = f.*
  algorithm = gbdt
  params {
    trees     = 3
    max_depth = 2
  }
}

gate ok2 {
  model = m2
  test.auc >= 0.5
}

experiment offer {
  deployment = api
  variants   = { control = m, small = m2 }
  key        = "id"
  metrics    = { converted = binary }
  primary    = "converted"
  mde        = 20%
  traffic_per_day = 1000
}
`;

describe("mlc plan estimates an undeclared baseline", () => {
  it("a plan that read the log is never remembered as the no-op plan (the log changes unstamped)", async () => {
    const dir = tinyProject(5);
    await applyOk(dir);
    const out = await planProject(dir);
    if (!out.ok) throw new Error("compile failed");
    const cache = join(dir, ".mlc", "plan-cache.json");
    rmSync(cache, { force: true });
    const withEvidence = { ...out.plan, evidence: { "experiment.offer": { estimated: false } } };
    await rememberNoopPlan(dir, withEvidence, planToJson(withEvidence));
    expect(existsSync(cache)).toBe(false);
    await rememberNoopPlan(dir, out.plan, planToJson(out.plan));
    expect(existsSync(cache)).toBe(true);
  }, 120_000);

  it("says it needs a baseline before anything was served, and plans without failing", async () => {
    const dir = tinyProject(5);
    appendFileSync(join(dir, "tiny.mlspec"), EXPERIMENT);
    const r = await runCli(["plan", dir]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "experiment.offer: not sized: the sample size needs a baseline: declare baseline (the expected rate of converted), or serve the deployment and send outcomes of converted so the plan estimates it (deployment api serves nothing yet)",
    );
  }, 120_000);

  it("sizes the experiment from the served units and their outcomes, and says so", async () => {
    const dir = tinyProject(5);
    await applyOk(dir);
    const s = createPredictionServer({ projectDir: dir, deployment: "api", logLevel: "silent" });
    await s.loaded;
    const rows = readFileSync(join(dir, "data", "rows.csv"), "utf8")
      .trim()
      .split("\n")
      .slice(1, 241);
    const instances = rows.map((l) => {
      const [id, x1, x2] = l.split(",");
      return { id: Number(id), x1: Number(x1), x2: Number(x2) };
    });
    const res = await s.app.inject({ method: "POST", url: "/v1/predict", payload: { instances } });
    expect(res.statusCode, res.body).toBe(200);
    await s.log!.flush();
    // 60 of the 240 customers converted (one of them twice): by key for some, by request row for others
    const items = instances
      .slice(0, 60)
      .map((r, i) =>
        i % 2
          ? { key: { id: r.id }, time: new Date().toISOString(), metric: "converted", value: true }
          : { request_id: res.json().request_id, index: i, metric: "converted", value: 1 },
      );
    items.push({
      key: { id: instances[1]!.id },
      time: "2026-12-01T00:00:00Z",
      metric: "converted",
      value: true,
    });
    const fb = await s.app.inject({ method: "POST", url: "/v1/feedback", payload: { items } });
    expect(fb.json()).toMatchObject({ stored: 61 });
    await s.close();

    appendFileSync(join(dir, "tiny.mlspec"), EXPERIMENT);
    const text = await runCli(["plan", dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /experiment\.offer: sample size per arm \(sequential test, alpha 0\.05, power 0\.8, mde 20%\): control [\d,]+, small [\d,]+; [\d.]+ days at 1,000 units\/day; baseline 25% estimated from 240 units \(60 with an outcome\) of the prediction log and feedback \(files \.mlc\/predictions\/api\)/,
    );
    const json = await runCli(["plan", dir, "--json"]);
    const note = JSON.parse(json.stdout).changes.find(
      (c: { id: string }) => c.id === "experiment.offer",
    ).note;
    expect(note.sample_size.baseline_estimate).toEqual({
      estimated: true,
      baseline: 0.25,
      units: 240,
      outcomes: 60,
      from: "files .mlc/predictions/api",
    });
    const declared = planExperiment(
      decodeExperimentConfig(
        "offer",
        attrs({
          baseline: { $percent: 25 },
          variants: { $object: { control: { $ref: ["m"] }, small: { $ref: ["m2"] } } },
        }),
      ),
    );
    expect(declared.sized && declared.perArm.map((a) => ({ arm: a.name, units: a.units }))).toEqual(
      note.sample_size.per_arm,
    );
    // apply sizes the started experiment the same way: a fixed test then waits for these units
    await applyOk(dir);
    const started = readExperimentEvents(dir, "api", "offer").find((e) => e.event === "started")!;
    expect(started.design!.plannedUnits).toEqual(
      Object.fromEntries(
        note.sample_size.per_arm.map((a: { arm: string; units: number }) => [a.arm, a.units]),
      ),
    );
  }, 180_000);
});
