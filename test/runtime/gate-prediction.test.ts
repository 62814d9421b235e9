// Gate prediction at plan time: a threshold edit re-evaluates the gate against the model's recorded
// metrics, so the plan says whether it would pass (and apply agrees); when the model retrains, the
// plan says the gate is decided after it, with the current version's numbers.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { appliedProject } from "../cli/model-project.js";
import { runCli } from "../cli/run-cli.js";
import { applyProject, planProject } from "../../src/runtime/project.js";

describe("gate prediction in mlc plan", () => {
  const project = appliedProject();

  it("decides a re-evaluated gate from the recorded metrics, as apply then does", async () => {
    const spec = join(project.dir, "synth.mlspec");
    const original = readFileSync(spec, "utf8");
    writeFileSync(spec, original.replace("test.auc >= 0.6", "test.auc >= 0.99"));
    const planned = await planProject(project.dir);
    if (!planned.ok) throw new Error("compile failed");
    expect(planned.plan.changes.filter((c) => c.action !== "noop").map((c) => c.id)).toEqual(["gate.ok"]);
    const line = planned.plan.predictions?.["gate.ok"];
    expect(line).toMatch(/^would FAIL \(test\.auc = 0\.\d{4} < 0\.99\); 1 assertion decided when it runs$/);
    const text = await runCli(["plan", project.dir]);
    expect(text.stdout).toContain(`  gate.ok: ${line}`);
    const md = await runCli(["plan", project.dir, "--markdown"]);
    expect(md.stdout).toContain("would FAIL (test.auc = ");
    const json = JSON.parse((await runCli(["plan", project.dir, "--json"])).stdout) as {
      changes: { id: string; note?: { prediction?: string } }[];
    };
    expect(json.changes.find((c) => c.id === "gate.ok")?.note?.prediction).toBe(line);

    // apply agrees: the gate fails, on the value the plan showed
    const out = await applyProject(project.dir, { log: () => undefined });
    expect(out.ok && out.result.ok).toBe(false);
    const gate = out.ok ? out.result.outcomes.find((o) => o.id === "gate.ok") : undefined;
    expect(gate?.status).toBe("failed");
    expect(gate?.error).toContain("test.auc");

    // a passing threshold is predicted to pass
    writeFileSync(spec, original.replace("test.auc >= 0.6", "test.auc >= 0.61"));
    const ok = await planProject(project.dir);
    expect(ok.ok && ok.plan.predictions?.["gate.ok"]).toMatch(
      /^would pass \(test\.auc = 0\.\d{4} >= 0\.61\)/,
    );
    writeFileSync(spec, original);
  }, 120_000);

  it("says a gate is decided after its model retrains, with the current numbers", async () => {
    const spec = join(project.dir, "synth.mlspec");
    const original = readFileSync(spec, "utf8");
    writeFileSync(spec, original.replace("trees         = 30", "trees         = 31"));
    const planned = await planProject(project.dir);
    expect(planned.ok && planned.plan.predictions?.["gate.ok"]).toMatch(
      /^decided after m retrains; the current version has test\.auc = 0\.\d{4}$/,
    );
    writeFileSync(spec, original);
  });
});
