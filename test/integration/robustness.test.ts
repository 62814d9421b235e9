// A model with `robustness { … }` through apply: the suites run on the test rows, their metrics are
// recorded with the version, a gate reads them (and stops a deployment when one fails), and
// report.html shows the Robustness section. Suites follow the source schema: `x2` is declared
// nullable, so `missing` nulls it; `x1 >= -2` bounds `x1` from below.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openArtifacts } from "../../src/runtime/artifacts/store.js";
import { applyProject } from "../../src/runtime/project.js";
import { openState } from "../../src/runtime/state/open.js";
import { ModelRegistry } from "../../src/registry/model-registry.js";
import { storedCardHash } from "../../src/runtime/model-card.js";

function rowsCsv(): string {
  let s = 99;
  const rnd = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const lines = ["id,x1,x2,plan,churned"];
  for (let i = 0; i < 300; i++) {
    const x1 = rnd() * 4 - 2;
    const x2 = i % 17 === 0 ? "" : (rnd() * 2).toFixed(4);
    const plan = rnd() < 0.5 ? "basic" : "premium";
    const z = 1.5 * x1 + (plan === "basic" ? 0.6 : -0.6);
    lines.push(`${i},${x1.toFixed(4)},${x2},${plan},${rnd() < 1 / (1 + Math.exp(-z)) ? "yes" : "no"}`);
  }
  return lines.join("\n") + "\n";
}

const spec = (gate: string): string => `
project robust { seed = 3 }
source rows {
  file = "data/rows.csv"
  schema { id = int  x1 = float  x2 = nullable(float)  plan = category  churned = category }
  expect { x1 >= -2 }
}
features f {
  from      = rows
  x1        = x1
  x2        = x2
  plan_code = onehot(plan, unseen = error)
}
split holdout { from = f  method = stratified(churned)  train = 60%  valid = 20%  test = 20% }
model churn {
  task      = classify(churned, positive = "yes")
  data      = holdout
  features  = f.*
  algorithm = logistic
  robustness { noise = [5%]  noise_sd = [1] }
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
`;

describe("robustness suites through apply", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlc-robust-"));
  beforeAll(() => {
    mkdirSync(join(dir, "data"));
    writeFileSync(join(dir, "data/rows.csv"), rowsCsv());
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("records the suites' metrics, gates on them and reports them", async () => {
    writeFileSync(
      join(dir, "main.mlspec"),
      spec("robustness.noise_5pct.auc_drop <= 0.05\n  robustness.swapped.error_rate == 0"),
    );
    const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
    if (!out.ok) throw new Error(JSON.stringify(out.diagnostics.map((d) => d.message)));
    expect(out.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);
    const state = await openState(dir);
    try {
      const model = (await state.getNode("model.churn"))!.result!;
      const m = model.metrics!;
      const testRows = m["test.rows"]!;
      // one noisy copy of the test rows; a ±5% nudge barely moves a logistic model's ranking
      expect(m["robustness.noise_5pct.rows"]).toBe(testRows);
      expect(m["robustness.noise_5pct.error_rate"]).toBe(0);
      expect(Math.abs(m["robustness.noise_5pct.auc_drop"]!)).toBeLessThan(0.05);
      expect(m["robustness.noise_5pct.auc"]).toBeCloseTo(
        m["test.auc"]! - m["robustness.noise_5pct.auc_drop"]!,
        12,
      );
      // x2 is the one nullable input: one copy; the logistic pipeline imputes, nothing fails
      expect(m["robustness.missing.rows"]).toBe(testRows);
      expect(m["robustness.missing.error_rate"]).toBe(0);
      // x1 (declared lower bound -2, training max) and x2 (training range): 2 bounds × 2 copies each
      expect(m["robustness.out_of_range.rows"]).toBe(8 * testRows);
      // onehot(plan, unseen = error) refuses an unseen plan and an empty one: every row fails
      expect(m["robustness.unseen.error_rate"]).toBe(1);
      expect(m["robustness.empty.error_rate"]).toBe(1);
      expect(m["robustness.swapped.error_rate"]).toBe(0);
      const version = (await new ModelRegistry(state).alias("churn", "champion"))!;
      expect(version.metrics["robustness.unseen.error_rate"]).toBe(1);
      const html = new TextDecoder().decode(await openArtifacts(dir).get(model.artifacts.report_html!));
      expect(html).toContain("<h2>Robustness (test rows)</h2>");
      expect(html).toContain("<code>noise_5pct</code>");
      expect(html).toContain("x2 = null");
      // the model card kept with the version has the suites too
      const card = new TextDecoder().decode(
        await openArtifacts(dir).get((await storedCardHash(state, "churn", 1))!),
      );
      expect(card).toContain("## Robustness");
      expect(card).toMatch(/\| unseen \|/);
    } finally {
      await state.close();
    }
  });

  it("a failing robustness assertion stops the deployment", async () => {
    writeFileSync(join(dir, "main.mlspec"), spec("robustness.unseen.error_rate == 0"));
    const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
    if (!out.ok) throw new Error(JSON.stringify(out.diagnostics.map((d) => d.message)));
    const gate = out.result.outcomes.find((o) => o.id === "gate.ship");
    expect(gate?.status).toBe("failed");
  });
});
