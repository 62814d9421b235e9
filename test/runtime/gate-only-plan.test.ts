// A change to a deployment's gate alone plans the deployment as an update (~, "re-evaluated; same
// version"), not a replacement (-/+): apply checks the gate again and serves the same version.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderPlanText } from "../../src/runtime/plan-render.js";
import { planProject } from "../../src/runtime/project.js";
import { readDeployment } from "../../src/serve/deployment.js";
import { applyOk, tinyProject } from "./deploy-project.js";

async function planned(dir: string) {
  const p = await planProject(dir);
  if (!p.ok) throw new Error("plan failed");
  return p.plan;
}

describe("a gate-only change", () => {
  it("plans ~ deploy re-evaluated with the same version; a model change still plans -/+", async () => {
    const dir = tinyProject(5);
    await applyOk(dir);
    const spec = join(dir, "tiny.mlspec");
    const text = readFileSync(spec, "utf8");
    writeFileSync(spec, text.replace("test.auc >= 0.5", "test.auc >= 0.4"));
    const plan = await planned(dir);
    const deploy = plan.changes.find((c) => c.id === "deploy.api")!;
    expect(deploy.action).toBe("update");
    expect(deploy.reasons).toEqual([
      { type: "upstream_changed", node: "gate.ok" },
      { type: "reevaluated", text: "re-evaluated; same version" },
    ]);
    const rendered = renderPlanText(plan, { color: false });
    expect(rendered).toMatch(/~ deploy\.api/);
    expect(rendered).toContain("re-evaluated; same version");
    expect(rendered).not.toMatch(/-\/\+ deploy\.api/);

    await applyOk(dir);
    expect(readDeployment(dir, "api")!.version).toBe(1);

    // a retrained model is a new version: the deployment is replaced
    writeFileSync(spec, readFileSync(spec, "utf8").replace(/trees\s*=\s*5/, "trees = 6"));
    const again = await planned(dir);
    expect(again.changes.find((c) => c.id === "deploy.api")!.action).toBe("replace");
  });
});
