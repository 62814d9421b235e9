// A binary classifier with `decision { cost = … }` through apply: the cost-optimal threshold is chosen
// on the valid predictions and recorded with the version and the bundle; test.cost is the mean cost at
// it and a gate reads it; REST predictions and batch scores decide every row the same way.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { costOptimalThreshold } from "../../src/ml/decision-threshold.js";
import { meanCostAt, precisionAt, recallAt } from "../../src/ml/metrics/index.js";
import { loadTable } from "../../src/data/table-artifact.js";
import { columnValues } from "../../src/data/table-columns.js";
import { openArtifacts } from "../../src/runtime/artifacts/store.js";
import { applyProject } from "../../src/runtime/project.js";
import { openState } from "../../src/runtime/state/open.js";
import { ModelRegistry } from "../../src/registry/model-registry.js";
import { loadBundle } from "../../src/serve/bundle.js";
import { readDeployment, resolveBundlePath } from "../../src/serve/deployment.js";
import { createPredictionServer } from "../../src/serve/server.js";
import { storedCardHash } from "../../src/runtime/model-card.js";

const COSTS = { tp: 0, fp: 1, tn: 0, fn: 8 };

/** 600 seeded rows: churn is likelier with a high x1 and the "basic" plan. */
function rowsCsv(): string {
  let s = 12345;
  const rnd = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const lines = ["id,x1,x2,plan,churned"];
  for (let i = 0; i < 600; i++) {
    const x1 = rnd() * 4 - 2;
    const x2 = rnd() * 2;
    const plan = rnd() < 0.5 ? "basic" : "premium";
    const z = 1.3 * x1 - 0.4 * x2 + (plan === "basic" ? 0.6 : -0.6) - 1.2;
    const churned = rnd() < 1 / (1 + Math.exp(-z)) ? "yes" : "no";
    lines.push(`${i},${x1.toFixed(4)},${x2.toFixed(4)},${plan},${churned}`);
  }
  return lines.join("\n") + "\n";
}

const spec = (gate: string, decision = "cost = { fp = 1, fn = 8 }"): string => `
project decide { seed = 7 }
source rows {
  file = "data/rows.csv"
  schema { id = int  x1 = float  x2 = float  plan = category  churned = category }
}
features f {
  from      = rows
  x1        = x1
  x2        = x2
  plan_code = onehot(plan)
}
split holdout { from = f  method = stratified(churned)  train = 60%  valid = 20%  test = 20% }
model churn {
  task      = classify(churned, positive = "yes")
  data      = holdout
  features  = f.*
  algorithm = logistic
  decision { ${decision} }
}
gate ship {
  model = churn
  ${gate}
}
deploy api {
  model = churn
  when  = ship
  serve = rest { port = 8080 }
}
deploy scores {
  model = churn
  when  = ship
  serve = batch { input = rows, output = "out/scores.csv" }
}
`;

const f64 = (b: Uint8Array): Float64Array =>
  new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

describe("cost-based decisions", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlc-decision-"));
  beforeAll(() => {
    mkdirSync(join(dir, "data"));
    writeFileSync(join(dir, "data/rows.csv"), rowsCsv());
    writeFileSync(join(dir, "main.mlspec"), spec("test.cost <= 2\n  test.cost.lower <= 2"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  let threshold = NaN;

  it("chooses the cost-optimal threshold on the valid rows and records it with the version and bundle", async () => {
    const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
    if (!out.ok) throw new Error(JSON.stringify(out.diagnostics.map((d) => d.message)));
    expect(out.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);
    const artifacts = openArtifacts(dir);
    const state = await openState(dir);
    try {
      const model = (await state.getNode("model.churn"))!.result!;
      const labels = async (part: string): Promise<Float64Array> => {
        const t = await loadTable(artifacts, model.artifacts[`${part}_table`]!);
        const v = columnValues(t, "churned") as ArrayLike<unknown>;
        return Float64Array.from({ length: v.length }, (_, i) => (v[i] === "yes" ? 1 : 0));
      };
      const validPred = f64(await artifacts.get(model.artifacts.valid_predictions!));
      const chosen = costOptimalThreshold(await labels("valid"), validPred, COSTS);
      if (!("threshold" in chosen)) throw new Error(chosen.problem);
      threshold = chosen.threshold;
      // with a missed churner 8 times as dear as a needless offer, the threshold is well below 0.5
      expect(threshold).toBeLessThan(0.5);
      expect(model.summary!.threshold).toBe(threshold);
      expect(model.summary!.decision).toEqual({ rule: "optimize", costs: COSTS });
      expect(model.metrics!.decision_threshold).toBe(threshold);
      const testPred = f64(await artifacts.get(model.artifacts.test_predictions!));
      const testY = await labels("test");
      expect(model.metrics!["test.cost"]).toBeCloseTo(meanCostAt(testY, testPred, threshold, COSTS), 12);
      expect(model.metrics!["test.profit"]).toBeCloseTo(-model.metrics!["test.cost"]!, 12);
      // precision and recall are the decisions' too (they were at 0.5 whatever the threshold)
      expect(model.metrics!["test.precision"]).toBe(precisionAt(testY, testPred, threshold));
      expect(model.metrics!["test.recall"]).toBe(recallAt(testY, testPred, threshold));
      expect(model.metrics!["test.recall"]).toBeGreaterThan(recallAt(testY, testPred, 0.5));
      expect(model.metrics!["test.cost.lower"]).toBeLessThanOrEqual(model.metrics!["test.cost"]!);
      const version = (await new ModelRegistry(state).alias("churn", "champion"))!;
      expect(version.metrics.decision_threshold).toBe(threshold);
      const html = new TextDecoder().decode(await artifacts.get(model.artifacts.report_html!));
      expect(html).toContain("Cost per row over thresholds (valid)");
      expect(html).toContain("chosen by <code>optimize</code>");
      // the model card kept with the version tells the decision
      const card = new TextDecoder().decode(await artifacts.get((await storedCardHash(state, "churn", 1))!));
      expect(card).toContain("## Decision");
      expect(card).toContain(
        "chosen by `optimize` on the valid rows from the cost of each outcome per row: fp 1, fn 8",
      );
    } finally {
      await state.close();
    }
    const meta = loadBundle(resolveBundlePath(dir, readDeployment(dir, "api")!.bundle)).meta;
    expect(meta.task).toEqual({ kind: "binary", classes: ["no", "yes"], threshold });
  });

  it("decides every row the same way over REST and in batch scores", async () => {
    const [, ...scored] = readFileSync(join(dir, "out/scores.csv"), "utf8").trim().split("\n");
    const [head, ...rows] = readFileSync(join(dir, "data/rows.csv"), "utf8").trim().split("\n");
    expect(scored).toHaveLength(600);
    const names = head!.split(",");
    const server = createPredictionServer({
      projectDir: dir,
      deployment: "api",
      logLevel: "silent",
      predictionLog: false,
    });
    await server.loaded;
    try {
      const records = rows.map((r) => {
        const v = r.split(",");
        const rec: Record<string, unknown> = {};
        names.forEach((n, i) => {
          if (n !== "churned") rec[n] = n === "plan" ? v[i] : Number(v[i]);
        });
        return rec;
      });
      const res = await server.app.inject({
        method: "POST",
        url: "/v1/predict",
        payload: { instances: records },
      });
      expect(res.statusCode).toBe(200);
      const served = (res.json() as { predictions: { label: string; probabilities: { yes: number } }[] })
        .predictions;
      let positives = 0;
      served.forEach((p, i) => {
        const [score, label] = scored[i]!.split(",");
        expect(p.label).toBe(label);
        expect(p.probabilities.yes).toBeCloseTo(Number(score), 6);
        expect(p.label).toBe(Number(score) >= threshold ? "yes" : "no");
        if (p.label === "yes") positives++;
      });
      // the rows between the threshold and 0.5 are decided positive: the decision, not the default
      expect(
        served.filter((p) => p.probabilities.yes >= threshold && p.probabilities.yes < 0.5).length,
      ).toBeGreaterThan(0);
      expect(positives).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it("a gate on test.cost stops a deployment whose decisions cost too much", async () => {
    writeFileSync(join(dir, "main.mlspec"), spec("test.cost <= 0.01"));
    const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
    if (!out.ok) throw new Error(JSON.stringify(out.diagnostics.map((d) => d.message)));
    const gate = out.result.outcomes.find((o) => o.id === "gate.ship")!;
    expect(gate.status).toBe("failed");
    expect(gate.error).toMatch(/FAIL\s+test\.cost <= 0\.01/);
  });

  it("champion.test.cost is the champion's decisions at its own threshold, costed with the new values", async () => {
    // a cheaper miss: a new version with its own threshold, compared with version 1 on the same test rows
    writeFileSync(
      join(dir, "main.mlspec"),
      spec("test.cost <= champion.test.cost + 1", "cost = { fp = 1, fn = 3 }"),
    );
    const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
    if (!out.ok) throw new Error(JSON.stringify(out.diagnostics.map((d) => d.message)));
    expect(out.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);
    const artifacts = openArtifacts(dir);
    const state = await openState(dir);
    try {
      const v1 = (await new ModelRegistry(state).version("churn", 1))!;
      const model = (await state.getNode("model.churn"))!.result!;
      expect(model.summary!.version).toBe(2);
      expect(model.metrics!.decision_threshold).not.toBe(threshold);
      const t = await loadTable(artifacts, model.artifacts.test_table!);
      const v = columnValues(t, "churned") as ArrayLike<unknown>;
      const testY = Float64Array.from({ length: v.length }, (_, i) => (v[i] === "yes" ? 1 : 0));
      const v1Pred = f64(await artifacts.get(v1.artifacts.test_predictions!));
      const gate = (await state.getNode("gate.ship"))!.result!;
      const cheaper = { ...COSTS, fn: 3 };
      expect(gate.metrics!["champion.test.cost"]).toBeCloseTo(
        meanCostAt(testY, v1Pred, threshold, cheaper),
        9,
      );
      expect(gate.metrics!["test.cost"]).toBe(model.metrics!["test.cost"]);
    } finally {
      await state.close();
    }
  });
});
