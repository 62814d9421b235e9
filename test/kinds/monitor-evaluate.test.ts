// The monitor's evaluation of assertions over a log window against a reference profile: statistics
// equal to the drift functions', the default test by column type and window size, drift_share,
// null and unseen rates, latency in seconds, live metrics from labels, min_rows giving NOT ENOUGH
// DATA, a statistic that cannot be computed never passing, and the threshold read off the comparison.
import { describe, expect, it } from "vitest";
import { check } from "../compiler/check-helpers.js";
import { lower } from "../../src/compiler/lower.js";
import type { Json } from "../../src/ir/graph-ir.js";
import { readBlock } from "../../src/ir/node-config.js";
import { buildProfile } from "../../src/ml/drift/profile.js";
import { driftStatistic, LiveColumn } from "../../src/ml/drift/compare.js";
import { logWindow } from "../../src/serve/monitoring/window.js";
import type { PredictionLogEntry } from "../../src/serve/prediction-log.js";
import type { BundleInput, BundleTask } from "../../src/serve/bundle.js";
import { evaluateMonitor } from "../../src/kinds/monitor/evaluate.js";
import { Rng } from "../../src/ml/random.js";

const TASK: BundleTask = { kind: "binary", classes: ["no", "yes"] };
const INPUTS: BundleInput[] = [
  { name: "minutes", type: "float", nullable: true },
  { name: "plan", type: "category", nullable: false },
];

/** Assertions as lowering encodes them, from spec text. */
function assertions(lines: string): Json[] {
  const spec = `source s {
  file = "d.csv"
  schema { minutes = float  plan = category  churn = category }
}
features f { from = s  m2 = minutes * 2  p = onehot(plan) }
split sp { from = f  method = random }
model m { task = classify(churn, positive = "yes")  data = sp  features = f.* }
gate g { model = m  test.auc >= 0.5 }
deploy api { model = m  when = g }
monitor w {
  deployment = api
  ${lines}
}`;
  const r = check(spec);
  expect(r.diagnostics).toEqual([]);
  return readBlock(lower(r.value).nodes.find((n) => n.id === "monitor.w")!.config, "monitor").assertions;
}

function entries(n: number, shift: number, seed: number): PredictionLogEntry[] {
  const rng = new Rng(seed);
  const rnd = () => rng.next();
  return Array.from({ length: n }, (_, i) => ({
    ts: new Date(Date.UTC(2026, 11, 1, 0, 0, i)).toISOString(),
    request_id: `r${seed}-${i}`,
    deployment: "api",
    model_version: 1,
    arm: "stable",
    latency_ms: 10 + (i % 10),
    features: { minutes: i % 50 === 0 ? null : 100 + 20 * rnd() + shift, plan: i % 5 === 0 ? "yes" : "no" },
    output: { label: "no", probabilities: { no: 0.7, yes: 0.3 + shift / 1000 } },
  })) as PredictionLogEntry[];
}

function reference() {
  const rng = new Rng(1);
  const rnd = () => rng.next();
  const n = 2000;
  return buildProfile("train", {
    minutes: { kind: "numeric", values: Float64Array.from({ length: n }, () => 100 + 20 * rnd()) },
    plan: { kind: "categorical", values: Array.from({ length: n }, (_, i) => (i % 5 === 0 ? "yes" : "no")) },
    "output.score": {
      kind: "numeric",
      values: Float64Array.from({ length: n }, (_, i) => 0.3 + (i % 3) * 1e-6),
    },
  });
}

const data = (rows: PredictionLogEntry[], minRows = 100) => ({
  window: logWindow(rows, INPUTS, TASK),
  profile: reference(),
  labels: [],
  task: TASK,
  minRows,
  seed: 42,
});

describe("monitor evaluation", () => {
  it("computes each check as the drift functions do, with the default test by type and window size", () => {
    const rows = entries(500, 0, 2);
    const d = data(rows);
    const [a, b, c] = evaluateMonitor(
      assertions("drift(minutes) < 0.2\n  drift(plan) > 0.01\n  drift(minutes, psi) < 0.2"),
      d,
    );
    const live = new LiveColumn(d.window.inputs.minutes!);
    expect(a!.values).toEqual({
      "drift(minutes, ks)": driftStatistic("ks", d.profile.columns.minutes!, live),
    });
    expect(a!).toMatchObject({ status: "PASS", threshold: 0.2, rows: 490 });
    expect(Object.keys(b!.values)).toEqual(["drift(plan, chi2)"]);
    expect(c!.values["drift(minutes, psi)"]).toBeCloseTo(
      driftStatistic("psi", d.profile.columns.minutes!, live),
      15,
    );
    const big = evaluateMonitor(
      assertions("drift(minutes) < 0.2\n  drift(plan) < 0.2"),
      data(entries(1500, 0, 3)),
    );
    expect(big.map((x) => Object.keys(x.values)[0])).toEqual([
      "drift(minutes, wasserstein)",
      "drift(plan, js)",
    ]);
  });

  it("breaches on a shifted window, and drift_share counts the drifted columns", () => {
    const out = evaluateMonitor(
      assertions(
        "drift(minutes) < 0.2\n  drift_share() < 0.5\n  null_rate(minutes) < 0.01\n  unseen_rate(minutes) < 0.5",
      ),
      data(entries(500, 15, 4)),
    );
    expect(out.map((o) => o.status)).toEqual(["BREACH", "BREACH", "BREACH", "BREACH"]);
    expect(out[1]!.values["drift_share(default)"]).toBe(0.5); // minutes drifted, plan did not
    expect(out[2]!.values["null_rate(minutes)"]).toBe(10 / 500);
    expect(out[3]!.values["unseen_rate(minutes)"]).toBeGreaterThan(0.5);
  });

  it("is NOT ENOUGH DATA below min_rows, for live metrics without labels, and latency counts requests", () => {
    const out = evaluateMonitor(
      assertions("drift(minutes) < 0.2\n  live.auc >= 0.7\n  latency.p99 < 1s\n  requests() > 1"),
      data(entries(50, 0, 5)),
    );
    expect(out.map((o) => o.status)).toEqual([
      "NOT ENOUGH DATA",
      "NOT ENOUGH DATA",
      "NOT ENOUGH DATA",
      "PASS",
    ]);
    expect(out[2]!.values["latency.p99"]).toBeCloseTo(0.019, 6);
    expect(out[2]!.threshold).toBe(1);
    expect(out[3]!.values["requests()"]).toBe(50);
  });

  it("computes live.auc from labels joined by request id", () => {
    const rows = entries(300, 0, 6);
    rows.forEach(
      (r, i) =>
        ((r.output as { probabilities: Record<string, number> }).probabilities.yes = (i % 2) * 0.8 + 0.1),
    );
    const labels = rows.map((r, i) => ({
      id: `r:${r.request_id}#0`,
      received: r.ts,
      request_id: r.request_id,
      label: i % 2 ? "yes" : "no",
    }));
    const [auc] = evaluateMonitor(assertions("live.auc >= 0.9"), { ...data(rows), labels });
    expect(auc).toMatchObject({ status: "PASS", rows: 300, values: { "live.auc": 1 } });
  });

  it("never passes a statistic that cannot be computed; a column with no values is not enough data", () => {
    const rows = entries(300, 0, 7);
    // every label the same class: the AUC is undefined
    const labels = rows.map((r) => ({
      id: `r:${r.request_id}#0`,
      received: r.ts,
      request_id: r.request_id,
      label: "no",
    }));
    const [auc] = evaluateMonitor(assertions("live.auc >= 0.5"), { ...data(rows), labels });
    expect(auc!.status).toBe("BREACH");
    expect(auc!.note).toMatch(/could not be computed/);
    const empty = rows.map((e) => ({ ...e, features: { ...(e.features as object), minutes: null } }));
    const [d] = evaluateMonitor(assertions("drift(minutes) < 0.2"), data(empty, 1));
    expect(d!.status).toBe("NOT ENOUGH DATA");
  });
});
