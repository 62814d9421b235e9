// The data side of the monitor: a window of the log as typed columns, data quality against training,
// latency percentiles (numpy's), request volume, and live metrics from joined labels with a seeded interval.
import { describe, expect, it } from "vitest";
import { aucRoc } from "../../src/ml/metrics/index.js";
import type { BundleTask } from "../../src/serve/bundle.js";
import { FilesSink } from "../../src/serve/log/files.js";
import { feedbackId, type FeedbackEntry } from "../../src/serve/log/types.js";
import { dataQuality, requestVolume } from "../../src/serve/monitoring/data-quality.js";
import { latencySummary } from "../../src/serve/monitoring/latency.js";
import { joinFeedback, liveMetric } from "../../src/serve/monitoring/live-quality.js";
import { logWindow, readLogWindow } from "../../src/serve/monitoring/window.js";
import { fixtureMeta, tempProject } from "./fixtures.js";

const meta = fixtureMeta();
const task: BundleTask = meta.task;
const T0 = Date.UTC(2026, 11, 1, 0, 0, 0);

/** Row i: request r<i> at T0 + i minutes, P(churn) = i/20, latency i+1 ms. */
function sinkWith(n: number): FilesSink {
  const sink = new FilesSink(tempProject(), "churn_api", { flushMs: 10_000 });
  for (let i = 0; i < n; i++) {
    const p = i / 20;
    sink.append({
      ts: new Date(T0 + i * 60_000).toISOString(),
      request_id: `r${i}`,
      deployment: "churn_api",
      model_version: 1,
      arm: i === n - 1 ? "shadow" : "stable",
      latency_ms: i + 1,
      features: JSON.stringify({
        customer_id: `c${i % 5}`,
        tenure: i === 3 ? "abc" : i,
        monthly: i % 4 === 0 ? null : 10 * i,
        active: i % 2 === 0,
        plan: i === 7 ? "gold" : i % 2 ? "pro" : "basic",
      }),
      output: JSON.stringify({
        label: p >= 0.5 ? "churn" : "stay",
        probabilities: { stay: 1 - p, churn: p },
      }),
    });
  }
  return sink;
}

describe("log window", () => {
  it("reads the rows of an experiment's arms (a monitor of a deployment in an experiment sees them), never shadow rows", async () => {
    const sink = new FilesSink(tempProject(), "churn_api", { flushMs: 10_000 });
    const arms = ["control", "churn_small", "shadow", "stable", "canary"];
    arms.forEach((arm, i) =>
      sink.append({
        ts: new Date(T0 + i * 60_000).toISOString(),
        request_id: `e${i}`,
        deployment: "churn_api",
        model_version: 1,
        arm,
        latency_ms: 1,
        ...(arm === "control" || arm === "churn_small" ? { experiment: "offer", experiment_arm: arm } : {}),
        features: JSON.stringify({ customer_id: `c${i}`, tenure: i, monthly: 1, active: true, plan: "pro" }),
        output: JSON.stringify({ label: "stay", probabilities: { stay: 0.9, churn: 0.1 } }),
      }),
    );
    await sink.flush();
    const w = await readLogWindow(sink, { last: 10 }, meta);
    expect(w.requestIds).toEqual(["e0", "e1", "e3", "e4"]);
    const only = await readLogWindow(sink, { last: 10 }, meta, { arms: ["stable"] });
    expect(only.requestIds).toEqual(["e3"]);
  });

  it("reads the last N rows or a time window as typed columns, shadow rows left out", async () => {
    const sink = sinkWith(12);
    await sink.flush();
    const w = await readLogWindow(sink, { last: 5 }, meta, { fields: ["customer_id"] });
    expect(w.requestIds).toEqual(["r6", "r7", "r8", "r9", "r10"]);
    const byTime = await readLogWindow(sink, { seconds: 180, now: new Date(T0 + 10 * 60_000) }, meta);
    expect(byTime.requestIds).toEqual(["r7", "r8", "r9"]);
    expect(byTime.from).toBe(T0 + 7 * 60_000);
    const all = await readLogWindow(sink, { last: 100 }, meta, { fields: ["customer_id"] });
    expect(all.rows).toBe(11);
    const tenure = all.inputs.tenure!;
    expect(tenure.kind).toBe("numeric");
    expect(Array.from(tenure.values as Float64Array).slice(0, 5)).toEqual([0, 1, 2, NaN, 4]);
    expect(all.wrongTypes.tenure).toBe(1);
    expect(Array.from(all.inputs.monthly!.values as Float64Array).slice(0, 5)).toEqual([
      NaN,
      10,
      20,
      30,
      NaN,
    ]);
    expect(Array.from(all.inputs.active!.values as Float64Array).slice(0, 3)).toEqual([1, 0, 1]);
    expect(all.inputs.plan).toEqual({
      kind: "categorical",
      values: ["basic", "pro", "basic", "pro", "basic", "pro", "basic", "gold", "basic", "pro", "basic"],
    });
    expect(all.fields.customer_id!.slice(0, 6)).toEqual(["c0", "c1", "c2", "c3", "c4", "c0"]);
    expect(all.outputs.score!.values[10]).toBeCloseTo(0.5);
    expect(all.outputs.class!.values[10]).toBe("churn");
    expect(all.inputs.customer_id).toBeUndefined(); // not a model input
    await sink.close();
  });

  it("an excluded field has no column", () => {
    const w = logWindow(
      [
        {
          ts: new Date(T0).toISOString(),
          request_id: "a",
          deployment: "d",
          model_version: 1,
          arm: "stable",
          latency_ms: 1,
          features: { tenure: 1 },
          output: {},
        },
      ],
      meta.inputs,
      task,
    );
    expect(Object.keys(w.inputs)).toEqual(["tenure"]);
  });
});

describe("data quality, latency and volume", () => {
  it("counts nulls, wrong types, out-of-range numbers and unseen categories against training", async () => {
    const sink = sinkWith(12);
    await sink.flush();
    const w = await readLogWindow(sink, { last: 100 }, meta);
    const q = dataQuality(w, {
      tenure: { kind: "numeric", min: 0, max: 8 },
      monthly: { kind: "numeric", min: 10, max: 50 },
      plan: { kind: "categorical", counts: { basic: 10, pro: 4 } },
    });
    expect(q.tenure).toMatchObject({
      rows: 11,
      nulls: 0,
      wrongTypes: 1,
      belowMin: 0,
      aboveMax: 2,
      outOfRangeRate: 0.2,
    });
    // monthly: nulls at 0, 4, 8; present 10..100 except those: 60, 70, 90, 100 above 50
    expect(q.monthly).toMatchObject({ nulls: 3, belowMin: 0, aboveMax: 4, outOfRangeRate: 0.5 });
    expect(q.monthly!.nullRate).toBeCloseTo(3 / 11, 12);
    expect(q.plan).toMatchObject({ unseen: 1, unseenValues: [{ value: "gold", rows: 1 }] });
    expect(q.plan!.unseenRate).toBeCloseTo(1 / 11, 12);
    expect(q.active).toMatchObject({ nulls: 0, wrongTypes: 0 });
    expect(q.active!.belowMin).toBeUndefined();
    await sink.close();
  });

  it("latency percentiles agree with numpy.percentile over requests, a batch counted once", () => {
    const entries = Array.from({ length: 10 }, (_, i) => ({
      ts: new Date(T0 + i).toISOString(),
      request_id: `r${i}`,
      deployment: "d",
      model_version: 1,
      arm: "stable",
      latency_ms: i + 1,
      features: {},
      output: {},
    }));
    entries.push({ ...entries[9]!, latency_ms: 10 }); // a second row of request r9
    const l = latencySummary(logWindow(entries, meta.inputs, task));
    // numpy.percentile(np.arange(1, 11), [50, 90, 95, 99]) = 5.5, 9.1, 9.55, 9.91
    expect(l.requests).toBe(10);
    expect(l.p50).toBeCloseTo(5.5, 12);
    expect(l.p90).toBeCloseTo(9.1, 12);
    expect(l.p95).toBeCloseTo(9.55, 12);
    expect(l.p99).toBeCloseTo(9.91, 12);
    expect(l.mean).toBeCloseTo(5.5, 12);
    expect(l.max).toBe(10);
    expect(latencySummary(logWindow([], meta.inputs, task)).p99).toBeNaN();
  });

  it("counts requests per bucket of the window, empty buckets included", async () => {
    const sink = sinkWith(12);
    await sink.flush();
    const w = await readLogWindow(sink, { seconds: 3600, now: new Date(T0 + 3600_000) }, meta);
    const v = requestVolume(w, 600);
    expect(v.requests).toBe(11);
    expect(v.buckets).toHaveLength(6);
    expect(v.buckets.map((b) => b.requests)).toEqual([10, 1, 0, 0, 0, 0]);
    expect(v.perHour).toBeCloseTo(11, 12);
    await sink.close();
  });
});

describe("live quality from labels", () => {
  const labelFor = (i: number): string => (i % 3 === 0 || i > 7 ? "churn" : "stay");

  it("joins labels by request id and by key and time, and computes live.auc with a seeded interval", async () => {
    const sink = sinkWith(12);
    await sink.flush();
    const byId: FeedbackEntry[] = [0, 1, 2, 3, 4, 5, 6, 8, 9].map((i) => ({
      id: feedbackId({ request_id: `r${i}` }),
      received: new Date().toISOString(),
      request_id: `r${i}`,
      label: labelFor(i),
    }));
    // r7 (customer c2, at minute 7) by key: the latest c2 prediction at or before minute 7.5 is r7
    const key = { customer_id: "c2" };
    const time = new Date(T0 + 7.5 * 60_000).toISOString();
    const byKey: FeedbackEntry = {
      id: feedbackId({ key, time }),
      received: time,
      key,
      time,
      label: labelFor(7),
    };
    const missing: FeedbackEntry = { ...byId[0]!, id: "r:gone#0", request_id: "gone" };
    await sink.addFeedback([...byId, byKey, missing]);
    const w = await readLogWindow(sink, { last: 100 }, meta, { fields: ["customer_id"] });
    const joined = joinFeedback(w, await sink.readFeedback(), task);
    expect(Array.from(joined.rows)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(joined.unmatched).toBe(1);
    const y = Float64Array.from(joined.rows, (r) => (labelFor(r) === "churn" ? 1 : 0));
    expect(Array.from(joined.y)).toEqual(Array.from(y));
    const auc = liveMetric("auc", joined, task, { seed: 7, resamples: 200 });
    expect(auc.name).toBe("live.auc");
    expect(auc.labelled).toBe(10);
    expect(auc.value).toBeCloseTo(
      aucRoc(
        y,
        Float64Array.from(joined.rows, (r) => r / 20),
      ),
      12,
    );
    expect(auc.lower).toBeLessThanOrEqual(auc.value);
    expect(auc.upper).toBeGreaterThanOrEqual(auc.value);
    expect(liveMetric("auc", joined, task, { seed: 7, resamples: 200 })).toEqual(auc);
    expect(liveMetric("auc", joined, task, { seed: 8, resamples: 200 })).not.toEqual(auc);
    expect(() => liveMetric("rmse", joined, task)).toThrow(/does not apply to a binary model/);
    await sink.close();
  });

  it("no labels: NaN with zero labelled rows", () => {
    const w = logWindow([], meta.inputs, task);
    const m = liveMetric("precision", joinFeedback(w, [], task), task);
    expect(m).toMatchObject({ labelled: 0 });
    expect(m.value).toBeNaN();
  });
});
