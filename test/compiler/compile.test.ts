import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileProject } from "../../src/compiler/compile.js";
import { repoRoot } from "./corpus.js";

describe("compileProject", () => {
  it("compiles the churn example clean, with every block checked", () => {
    const r = compileProject(join(repoRoot, "examples/churn"));
    expect(r.diagnostics).toEqual([]);
    expect(r.checked!.blocks.map((b) => `${b.kind}.${b.name}`)).toEqual([
      "project.churn",
      "source.customers",
      "features.usage",
      "split.holdout",
      "model.churn_model",
      "gate.ship",
      "deploy.churn_api",
      "model.churn_small",
      "gate.ship_small",
      "experiment.churn_offer",
      "monitor.watch",
    ]);
    expect(r.sources.size).toBe(3); // churn.mlspec, experiment.mlspec and monitor.mlspec
    const model = r.checked!.byName.get("churn_model")!;
    expect(model.dependencies.map((d) => d.target)).toEqual(["customers", "holdout", "usage"]);
  });

  it("returns load diagnostics and no checked project for a missing directory", () => {
    const r = compileProject(join(repoRoot, "no-such-dir"));
    expect(r.checked).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(["MLC1020"]);
  });

  it("reports syntax and semantic errors of a project together", () => {
    const r = compileProject(join(repoRoot, "specs/cases/several-mistakes.mlspec"));
    expect(r.diagnostics.map((d) => d.code)).toEqual(["MLC1105", "MLC1111", "MLC1102", "MLC1117"]);
  });
});
