import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import { BatchScoreError, predictionColumns, scoreTable } from "../../src/serve/batch-score.js";
import { writeDeployment } from "../../src/serve/deployment.js";
import { createPredictionServer } from "../../src/serve/server.js";
import { writeScores } from "../../src/serve/score-writer.js";
import { buildFixtureBundle, fixtureExpected, PLANS, tempProject } from "./fixtures.js";

function rows(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: `c${i}`,
    tenure: i % 72,
    monthly: i % 10 === 0 ? null : 20 + (i % 50),
    active: i % 3 === 0,
    plan: PLANS[i % 3]!,
  }));
}

describe("batch scoring", () => {
  it("scores rows and columns through the bundle in chunks, equal to the reference", async () => {
    const dir = buildFixtureBundle(join(tempProject(), "v1"));
    const data = rows(2500);
    const byRows = await scoreTable(dir, data);
    expect(byRows.n).toBe(2500);
    data.forEach((r, i) => expect(byRows.scores[i]).toBeCloseTo(fixtureExpected(r), 5));
    const cols = {
      tenure: Float64Array.from(data, (r) => r.tenure),
      monthly: Float64Array.from(data, (r) => r.monthly ?? NaN),
      active: data.map((r) => r.active),
      plan: data.map((r) => r.plan),
    };
    const byCols = await scoreTable(dir, cols, { batchSize: 700 });
    expect(Array.from(byCols.scores)).toEqual(Array.from(byRows.scores));
  });

  it("agrees exactly with the online server on the same rows", async () => {
    const p = tempProject();
    buildFixtureBundle(join(p, "v1"));
    writeDeployment(p, "d", { version: 1, bundle: "v1" }, "x");
    const s = createPredictionServer({ projectDir: p, deployment: "d", predictionLog: false, maxBatch: 100 });
    await s.loaded;
    const data = rows(50);
    const online = (
      await s.app.inject({ method: "POST", url: "/v1/predict", payload: { instances: data } })
    ).json();
    await s.close();
    const batch = await scoreTable(join(p, "v1"), data);
    data.forEach((_, i) => expect(online.predictions[i].probabilities.churn).toBe(batch.scores[i]));
  });

  it("scores a category never seen in training when the column does not refuse it, as the server does", async () => {
    const p = tempProject();
    const dir = buildFixtureBundle(join(p, "v1"), { planUnseen: "score" });
    const data = rows(20);
    (data[7] as Record<string, unknown>).plan = "Three year";
    const batch = await scoreTable(dir, data);
    const rec = data[7] as { tenure: number; monthly: number | null; active: boolean; plan: string };
    expect(batch.scores[7]).toBeCloseTo(fixtureExpected(rec), 5); // one-hot of an unseen plan: all zeros
    writeDeployment(p, "d", { version: 1, bundle: "v1" }, "x");
    const s = createPredictionServer({ projectDir: p, deployment: "d", predictionLog: false });
    await s.loaded;
    const res = await s.app.inject({ method: "POST", url: "/v1/predict", payload: data[7] });
    await s.close();
    expect(res.statusCode).toBe(200);
    expect(res.json().predictions[0].probabilities.churn).toBe(batch.scores[7]);
  });

  it("names the column and row of bad data", async () => {
    const dir = buildFixtureBundle(join(tempProject(), "v1"));
    const data = rows(1500);
    (data[1234] as Record<string, unknown>).plan = "gold";
    const err = await scoreTable(dir, data).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BatchScoreError);
    expect((err as BatchScoreError).message).toContain("row 1234: unknown category 'gold'");
    expect((err as BatchScoreError).column).toBe("plan");
    const cols = {
      tenure: Float64Array.from([1, 2.5]),
      monthly: [1, 2],
      active: [true, false],
      plan: ["pro", "pro"],
    };
    await expect(scoreTable(dir, cols)).rejects.toThrow(
      "column 'tenure' row 1: expected an integer, got 2.5",
    );
    await expect(scoreTable(dir, { tenure: [1] })).rejects.toThrow("missing column 'monthly'");
  });

  it("labels multiclass and regression outputs as the API does", async () => {
    const data = rows(5);
    const mc = await scoreTable(buildFixtureBundle(join(tempProject(), "m"), { task: "multiclass" }), data);
    const cols = predictionColumns(mc);
    expect(Object.keys(cols)).toEqual(["p_a", "p_b", "p_c", "label"]);
    for (let i = 0; i < 5; i++) {
      const ps = [cols.p_a![i], cols.p_b![i], cols.p_c![i]] as number[];
      expect(ps.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(cols.label![i]).toBe(["a", "b", "c"][ps.indexOf(Math.max(...ps))]);
    }
    const reg = await scoreTable(buildFixtureBundle(join(tempProject(), "r"), { task: "regression" }), data);
    expect(Object.keys(predictionColumns(reg))).toEqual(["value"]);
  });

  it("writes scores as CSV, JSON lines and Parquet", async () => {
    const data = rows(10);
    const r = await scoreTable(buildFixtureBundle(join(tempProject(), "v1")), data);
    const cols = { id: data.map((d) => d.id), ...predictionColumns(r) };
    const out = tempProject();
    writeScores(join(out, "s.csv"), cols);
    const csv = readFileSync(join(out, "s.csv"), "utf8").trim().split("\n");
    expect(csv[0]).toBe("id,score,label");
    expect(csv).toHaveLength(11);
    expect(Number(csv[1]!.split(",")[1])).toBeCloseTo(r.scores[0]!, 6);
    writeScores(join(out, "s.jsonl"), cols);
    const j = readFileSync(join(out, "s.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(j[3]).toEqual({ id: "c3", score: r.scores[3], label: r.scores[3]! >= 0.5 ? "churn" : "stay" });
    writeScores(join(out, "s.parquet"), cols);
    const pq = (await import("parquet-wasm/node")) as typeof import("parquet-wasm/node");
    const t = aq.fromArrow(pq.readParquet(readFileSync(join(out, "s.parquet"))).intoIPCStream());
    expect(t.numRows()).toBe(10);
    expect(t.array("id")).toEqual(data.map((d) => d.id));
    expect(t.get("score", 3)).toBeCloseTo(r.scores[3]!, 6);
    expect(() => writeScores(join(out, "s.txt"), cols)).toThrow(/\.csv, \.jsonl/);
  });
});
