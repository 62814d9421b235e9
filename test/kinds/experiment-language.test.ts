// The experiment kind's language half and typed config: allocations, metrics and guardrails decoded
// once, the plan's sample size, and the checks (shares, unreachable duration, ungated variants).
import { describe, expect, it } from "vitest";
import { BASE, check, codes } from "../compiler/check-helpers.js";
import { decodeExperimentConfig, planExperiment, planSummary } from "../../src/kinds/experiment/config.js";
import { proportionSampleSize } from "../../src/ml/experiments/index.js";

const RETENTION = `
model retention {
  task     = classify(churned)
  data     = holdout
  features = usage.*
}
gate ship_retention { model = retention  test.auc >= 0.7 }
`;

const experiment = (body: string): string => `${BASE}${RETENTION}
experiment offer_test {
  deployment = api
  variants   = { control = churn  offer = retention }
  key        = "customer_id"
  metrics    = { converted = binary  revenue = continuous }
  primary    = "converted"
  mde        = 10%
  baseline   = 12%
  ${body}
}
`;

describe("experiment language", () => {
  it("accepts a complete experiment without diagnostics", () => {
    const r = check(
      experiment(`allocation = { control = 50%  offer = 50% }
  guardrails = { latency_p99 = 250ms  revenue = 2% }
  traffic_per_day = 20000  duration = 14d  test = sequential  on_win = promote  on_loss = stop  on_guardrail = stop`),
    );
    expect(r.diagnostics).toEqual([]);
  });

  it("rejects allocations that do not add up to 100% (MLC1111)", () => {
    const r = check(experiment("allocation = { control = 50%  offer = 40% }"));
    expect(codes(r.diagnostics)).toEqual(["MLC1111"]);
    expect(r.diagnostics[0]!.message).toMatch(/add up to 90%/);
  });

  it("rejects an allocation naming no variant and a guardrail naming no metric", () => {
    expect(check(experiment("allocation = { control = 50%  other = 50% }")).diagnostics[0]!.message).toMatch(
      /`other`, which is not a variant/,
    );
    const g = check(experiment("guardrails = { clicks = 2% }")).diagnostics;
    expect(codes(g)).toEqual(["MLC1130"]);
    expect(g[0]!.message).toMatch(/neither latency_p99, error_rate nor a declared metric/);
    expect(check(experiment("guardrails = { error_rate = 150% }")).diagnostics[0]!.message).toMatch(
      /error_rate must be the highest tolerated share of failed requests as a percentage/,
    );
    expect(check(experiment("guardrails = { error_rate = 250ms }")).diagnostics[0]!.message).toMatch(
      /error_rate must be the highest tolerated share/,
    );
  });

  it("accepts an error_rate guardrail as the share of failed requests an arm may have", () => {
    expect(check(experiment("guardrails = { error_rate = 1%  latency_p99 = 300ms }")).diagnostics).toEqual(
      [],
    );
    const c = decodeExperimentConfig("t", {
      deployment: { $ref: ["api"] },
      variants: { $object: { control: { $ref: ["churn"] }, a: { $ref: ["m1"] } } },
      key: "customer_id",
      metrics: { $object: { converted: { $ref: ["binary"] } } },
      primary: { $ref: ["converted"] },
      mde: { $percent: 10 },
      guardrails: { $object: { error_rate: { $percent: 1 }, latency_p99: { $duration: 0.3 } } },
    });
    expect(c.guardrails).toEqual([
      { kind: "error_rate", max: 0.01 },
      { kind: "latency_p99", maxMs: 300 },
    ]);
  });

  it("warns when the duration cannot reach the sample size (MLC1160)", () => {
    const r = check(experiment("traffic_per_day = 1000  duration = 3d"));
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([["MLC1160", "warning"]]);
    expect(r.diagnostics[0]!.message).toMatch(
      /duration cannot reach the sample size: [\d,]+ units need [\d.]+ days/,
    );
  });

  it("warns about a variant whose model no gate guards (MLC1161)", () => {
    const r = check(experiment("").replace("gate ship_retention { model = retention  test.auc >= 0.7 }", ""));
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([["MLC1161", "warning"]]);
    expect(r.diagnostics[0]!.message).toMatch(/variant `offer` serves model `retention`/);
  });
});

describe("experiment config and plan", () => {
  const attrs = {
    deployment: { $ref: ["api"] },
    variants: { $object: { control: { $ref: ["churn"] }, a: { $ref: ["m1"] }, b: { $ref: ["m2"] } } },
    allocation: { $object: { control: { $percent: 50 }, a: { $percent: 25 }, b: { $percent: 25 } } },
    key: "customer_id",
    metrics: { $object: { converted: { $ref: ["binary"] } } },
    primary: { $ref: ["converted"] },
    mde: { $percent: 10 },
    baseline: { $percent: 12 },
    traffic_per_day: 5000,
  };

  it("sizes each arm at alpha / comparisons, the control for the hardest comparison", () => {
    const c = decodeExperimentConfig("t", attrs);
    expect(c.test).toBe("sequential");
    expect(c.onWin).toBe("promote");
    const p = planExperiment(c);
    if (!p.sized) throw new Error(p.reason);
    const expected = proportionSampleSize(0.12, 0.1, { alpha: 0.025, power: 0.8, ratio: 0.5 });
    expect(p.perArm).toEqual([
      { name: "control", units: Math.ceil(expected.control) },
      { name: "a", units: Math.ceil(expected.treatment) },
      { name: "b", units: Math.ceil(expected.treatment) },
    ]);
    expect(p.total).toBe(
      Math.ceil(Math.max(Math.ceil(expected.control) / 0.5, Math.ceil(expected.treatment) / 0.25)),
    );
    expect(p.days).toBeCloseTo(p.total / 5000, 10);
    expect(planSummary(c)).toMatch(
      /^sample size per arm \(sequential test, alpha 0.05, power 0.8, mde 10%\): control [\d,]+, a/,
    );
  });

  it("says what is missing to size a continuous metric", () => {
    const c = decodeExperimentConfig("t", {
      ...attrs,
      metrics: { $object: { revenue: { $ref: ["continuous"] } } },
      primary: { $ref: ["revenue"] },
      baseline: 20,
    });
    expect(planExperiment(c)).toEqual({
      sized: false,
      noBaseline: true,
      reason:
        "the sample size needs a baseline: declare baseline_sd (the unit-level standard deviation of revenue), or serve the deployment and send outcomes of revenue so the plan estimates it",
    });
  });
});

describe("experiment lowering and plan note", () => {
  it("lowers to a node depending on the deployment and every variant's model, whose plan note shows the sample size", async () => {
    const { lower } = await import("../../src/compiler/lower.js");
    const { planNoteOf } = await import("../../src/runtime/plan-notes.js");
    const r = check(experiment("traffic_per_day = 20000"));
    expect(r.diagnostics).toEqual([]);
    const node = lower(r.value!).nodes.find((n) => n.id === "experiment.offer_test")!;
    // the gates guarding the variants' models too: a variant whose gate fails is never served
    expect(node.inputs.map((i) => i.node).sort()).toEqual([
      "deploy.api",
      "gate.ship",
      "gate.ship_retention",
      "model.churn",
      "model.retention",
    ]);
    expect(planNoteOf(node)!.text).toMatch(
      /^sample size per arm \(sequential test, alpha 0.05, power 0.8, mde 10%\): control [\d,]+, offer [\d,]+; [\d.]+ days at 20,000 units\/day$/,
    );
  });

  it("mlc plan's text, --json and --markdown all carry the sample size per arm and the days", async () => {
    const { lower } = await import("../../src/compiler/lower.js");
    const { planToJson, renderPlanMarkdown, renderPlanText } =
      await import("../../src/runtime/plan-render.js");
    const r = check(experiment("traffic_per_day = 20000\n  duration = 30d"));
    const graph = lower(r.value!);
    const plan = {
      formatVersion: 1 as const,
      graph,
      stateSerial: 0,
      data: {},
      fingerprints: {},
      executors: {},
      changes: graph.nodes.map((n) => ({
        id: n.id,
        kind: n.kind,
        action: "create" as const,
        reasons: [{ type: "new_node" as const }],
      })),
      summary: { create: graph.nodes.length, update: 0, replace: 0, delete: 0, noop: 0 },
      seed: 0,
    };
    const c = decodeExperimentConfig("offer_test", {
      deployment: "api",
      variants: { $object: { control: { $ref: ["churn"] }, offer: { $ref: ["retention"] } } },
      key: "customer_id",
      metrics: { $object: { converted: { $ref: ["binary"] } } },
      primary: "converted",
      mde: { $percent: 10 },
      baseline: { $percent: 12 },
      traffic_per_day: 20000,
    });
    const p = planExperiment(c);
    if (!p.sized) throw new Error(p.reason);
    const units = p.perArm.map((a) => a.units.toLocaleString("en-US"));
    const text = renderPlanText(plan as Parameters<typeof renderPlanText>[0]);
    expect(text).toContain(`experiment.offer_test: sample size per arm`);
    expect(text).toContain(`control ${units[0]}, offer ${units[1]}`);
    const json = planToJson(plan as Parameters<typeof planToJson>[0]);
    const note = json.changes.find((x) => x.id === "experiment.offer_test")!.note as {
      sample_size: Record<string, unknown>;
    };
    expect(note.sample_size).toEqual({
      test: "sequential",
      alpha: 0.05,
      power: 0.8,
      mde: 0.1,
      primary: "converted",
      sized: true,
      per_arm: p.perArm.map((a) => ({ arm: a.name, units: a.units })),
      total_units: p.total,
      traffic_per_day: 20000,
      days: +p.days!.toFixed(3),
      duration_seconds: 30 * 86400,
      duration_reaches: true,
    });
    expect(json.changes.find((x) => x.id === "model.churn")!.note).toBeUndefined();
    const md = renderPlanMarkdown(plan as Parameters<typeof renderPlanMarkdown>[0]);
    expect(md).toMatch(
      /^- `experiment.offer_test`: sample size per arm .*control [\d,]+, offer [\d,]+; [\d.]+ days/m,
    );
  });
});
