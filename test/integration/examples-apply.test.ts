// Small examples through apply: every learner trains from a model block, is evaluated with
// intervals, and has its preprocessing + model exported to ONNX with parity checked against batch.
import { appendFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applyProject, planProject } from "../../src/runtime/project.js";
import { openState } from "../../src/runtime/state/open.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function applyExample(name: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `mlc-${name}-`));
  dirs.push(dir);
  cpSync(resolve(__dirname, "../../examples", name), dir, {
    recursive: true,
    filter: (s) => !s.includes(".mlc"),
  });
  const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
  expect(out.ok).toBe(true);
  if (out.ok) expect(out.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);
  return dir;
}

async function modelMetrics(dir: string, model: string): Promise<Record<string, number>> {
  const state = await openState(dir);
  try {
    return (await state.getNode(`model.${model}`))!.result!.metrics!;
  } finally {
    await state.close();
  }
}

describe("examples through apply", () => {
  it("iris: random forest, logistic regression, an MLP and a stack of two of them classify three species", async () => {
    const dir = await applyExample("iris");
    for (const name of ["forest", "logit", "net", "stacked"]) {
      const m = await modelMetrics(dir, name);
      expect(m["test.accuracy"], name).toBeGreaterThan(0.8);
      expect(m["test.accuracy.lower"]!).toBeLessThanOrEqual(m["test.accuracy"]!);
      expect(m.onnx_parity_max_diff!).toBeLessThan(1e-4);
    }
  });

  it("events: a GBDT forecasts ridership from window features (lags of the label) and joined weather on a temporal split", async () => {
    const dir = await applyExample("events");
    const m = await modelMetrics(dir, "forecast");
    expect(m["test.r2"]).toBeGreaterThan(0.5);
    expect(m.onnx_parity_max_diff!).toBeLessThan(1e-4);
    // The weather columns joined point in time are ordinary inputs of the served bundle.
    const state = await openState(dir);
    try {
      const inputs = (await state.getNode("model.forecast"))!.result!.summary!.inputs as {
        name: string;
        type: string;
      }[];
      expect(inputs.filter((i) => ["temp_min", "weather_rain", "weather_snow"].includes(i.name))).toEqual([
        expect.objectContaining({ name: "temp_min", type: "float" }),
        expect.objectContaining({ name: "weather_rain", type: "float" }),
        expect.objectContaining({ name: "weather_snow", type: "float" }),
      ]);
    } finally {
      await state.close();
    }
  });

  it("anomaly: an isolation forest and an autoencoder score shuttle sensor rows", async () => {
    const dir = await applyExample("anomaly");
    const forest = await modelMetrics(dir, "isolation");
    const auto = await modelMetrics(dir, "reconstruction");
    expect(forest["test.auc"]).toBeGreaterThan(0.75);
    expect(auto["test.auc"]).toBeGreaterThan(0.5);
    for (const m of [forest, auto]) expect(m.onnx_parity_max_diff!).toBeLessThan(1e-4);
  });

  it("housing: a linear model and GBDTs regress the median home value, one tuned for error against size", async () => {
    const dir = await applyExample("housing");
    for (const name of ["linear_price", "boosted_price"]) {
      const m = await modelMetrics(dir, name);
      // medv spans 5–50 ($1000s) with a standard deviation of about 9: a useful model is well below that.
      expect(m["test.rmse"], name).toBeLessThan(6);
      expect(m["test.r2"], name).toBeGreaterThan(0.6);
      expect(m["test.rmse.lower"]!).toBeLessThanOrEqual(m["test.rmse"]!);
      expect(m.onnx_parity_max_diff!, name).toBeLessThan(1e-3);
    }
    // compact_price searches error against size: a front of several trials, the refitted one on it.
    const m = await modelMetrics(dir, "compact_price");
    expect(m["test.rmse"]).toBeLessThan(6);
    const state = await openState(dir);
    try {
      const tuning = (await state.getNode("model.compact_price"))!.result!.summary!.tuning as {
        trials: number;
        best_trial: number;
        pareto: number[];
      };
      expect(tuning.trials).toBe(12);
      expect(tuning.pareto.length).toBeGreaterThan(1);
      expect(tuning.pareto).toContain(tuning.best_trial);
    } finally {
      await state.close();
    }
  });

  // two factorisations and a report each: allow for a loaded machine
  it(
    "recommend: a matrix factorisation predicts held-out ratings; another ranks impressions",
    { timeout: 360_000 },
    async () => {
      const dir = await applyExample("recommend");
      const m = await modelMetrics(dir, "factors");
      // The ratings' standard deviation is about 1.02, so the global mean alone scores RMSE ≈ 1.
      expect(m["test.rmse"]).toBeLessThan(0.75);
      expect(m["test.r2"]).toBeGreaterThan(0.4);
      expect(m.onnx_parity_max_diff!).toBeLessThan(1e-4);
      // Implicit feedback ranked per user at k = 5, beside the popularity baseline on the same rows.
      const r = await modelMetrics(dir, "picks");
      expect(r["test.ndcg"]!).toBeGreaterThanOrEqual(r["baseline.test.ndcg"]! + 0.02);
      expect(r["test.ndcg.lower"]!).toBeLessThan(r["test.ndcg"]!);
      expect(r["test.coverage"]!).toBeGreaterThan(0.1);
      expect(r["test.popularity_bias"]!).toBeGreaterThan(1);
      expect(r["baseline.test.popularity_bias"]!).toBeGreaterThan(1);
      for (const k of ["map", "mrr", "hit_rate", "recall_at_k"]) {
        expect(r[`test.${k}`]!, k).toBeLessThan(1);
        expect(r[`test.${k}`]!, k).toBeGreaterThan(0);
      }
      // two-tower.mlspec: side-feature towers on the same impressions, at least as good as popularity
      const t = await modelMetrics(dir, "towers");
      expect(t["test.ndcg"]!).toBeGreaterThanOrEqual(t["baseline.test.ndcg"]!);
      expect(t.onnx_parity_max_diff!).toBeLessThan(1e-4);
    },
  );

  it("imported: a linear regression saved as ONNX elsewhere is evaluated and merged into the export", async () => {
    const dir = await applyExample("imported");
    const m = await modelMetrics(dir, "petal_width");
    // Petal width has a standard deviation of 0.76 cm; the least-squares fit explains most of it.
    expect(m["test.rmse"]).toBeLessThan(0.3);
    expect(m["test.r2"]).toBeGreaterThan(0.85);
    expect(m.onnx_parity_max_diff!).toBeLessThan(1e-5);

    // The imported file is part of the model's identity: replacing it plans a re-evaluation.
    const model = join(dir, "model", "linear.onnx");
    const planned = async () => {
      const p = await planProject(dir);
      if (!p.ok) throw new Error("plan failed");
      return p.plan.changes.find((c) => c.id === "model.petal_width")!;
    };
    expect((await planned()).action).toBe("noop");
    appendFileSync(model, new Uint8Array([0]));
    const change = await planned();
    expect(change.action).toBe("replace");
    expect(change.reasons.map((r) => r.type)).toContain("data_changed");
  });
});
