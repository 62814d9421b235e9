// Ensembles through apply on small seeded data: a stacked classifier and a weighted vote of
// regressors are evaluated, exported (one ONNX graph, parity checked by apply), gated, reported and
// registered like any model; a changed member makes the plan replace the ensemble, saying why.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyProject, planProject } from "../../src/runtime/project.js";
import { openState } from "../../src/runtime/state/open.js";
import { lcg } from "../fixtures/seeded-rows.js";
import { runCli } from "../cli/run-cli.js";

const SPEC = `project ens { seed = 3 }

source rows {
  file = "data/rows.csv"
  key  = id
  schema {
    id = int
    x1 = float
    x2 = float
    y  = category
    t  = float
  }
}

features f {
  from = rows
  a    = x1
  b    = x2
  c    = standardize(x1 * x2)
}

split parts {
  from   = f
  method = stratified(y)
  train  = 60%
  valid  = 20%
  test   = 20%
}

model lin_c {
  task      = classify(y, positive = "yes")
  data      = parts
  features  = [f.a, f.c]
  algorithm = logistic
}

model trees_c {
  task      = classify(y, positive = "yes")
  data      = parts
  features  = f.*
  params { trees = 10 }
}

model stack_c {
  task      = classify(y, positive = "yes")
  data      = parts
  features  = f.*
  algorithm = stack([lin_c, trees_c], folds = 3)
}

model lin_r {
  task      = regress(t)
  data      = parts
  features  = [f.a, f.b]
  algorithm = linear
}

model trees_r {
  task      = regress(t)
  data      = parts
  features  = f.*
  params { trees = 10 }
}

model vote_r {
  task      = regress(t)
  data      = parts
  features  = f.*
  algorithm = vote([lin_r, trees_r], weights = [3, 1])
}

gate ship_c { model = stack_c  test.auc >= 0.8 }
gate ship_r { model = vote_r  test.r2 >= 0.5 }
`;

function rowsCsv(n: number): string {
  const rnd = lcg(17);
  const lines = ["id,x1,x2,y,t"];
  for (let i = 0; i < n; i++) {
    const x1 = rnd() * 4 - 2;
    const x2 = rnd() * 4 - 2;
    const y = x1 + 0.5 * x2 + (rnd() - 0.5) > 0 ? "yes" : "no";
    const t = 2 * x1 - x2 + 0.5 * x1 * x2 + (rnd() - 0.5);
    lines.push(`${i},${x1.toFixed(4)},${x2.toFixed(4)},${y},${t.toFixed(4)}`);
  }
  return lines.join("\n") + "\n";
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mlc-ensemble-"));
  mkdirSync(join(dir, "data"));
  writeFileSync(join(dir, "data/rows.csv"), rowsCsv(300));
  writeFileSync(join(dir, "main.mlspec"), SPEC);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("ensembles through apply", () => {
  it("stack and vote are evaluated, exported with parity, gated, reported and registered", async () => {
    const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
    if (!out.ok) throw new Error(JSON.stringify(out.diagnostics.map((d) => d.message)));
    expect(out.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);
    const state = await openState(dir);
    try {
      const stack = (await state.getNode("model.stack_c"))!.result!;
      expect(stack.metrics!["test.auc"]).toBeGreaterThan(0.8);
      expect(stack.metrics!.onnx_parity_max_diff).toBeLessThan(1e-4);
      expect(stack.summary!.algorithm).toBe("stack");
      expect(stack.summary!.ensemble).toEqual({
        kind: "stack",
        members: [
          { model: "lin_c", version: 1, algorithm: "logistic" },
          { model: "trees_c", version: 1, algorithm: "gbdt" },
        ],
        meta: "logistic",
        folds: 3,
      });
      // the bundle's inputs are the raw columns of the shared features
      expect((stack.summary!.inputs as { name: string }[]).map((i) => i.name).sort()).toEqual(["x1", "x2"]);
      expect(stack.artifacts.report_html).toBeDefined();
      const vote = (await state.getNode("model.vote_r"))!.result!;
      expect(vote.metrics!["test.r2"]).toBeGreaterThan(0.5);
      expect(vote.metrics!.onnx_parity_max_diff).toBeLessThan(1e-4);
      expect(vote.summary!.version).toBe(1);
      for (const g of ["gate.ship_c", "gate.ship_r"])
        expect((await state.getNode(g))!.result!.metrics!.passed, g).toBe(1);
    } finally {
      await state.close();
    }
  });

  it("mlc explain refuses an ensemble as not a tree model, and points to its members and report", async () => {
    const r = await runCli(["explain", "stack_c", "--row", "1", "--dir", dir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/stack_c is an ensemble \(stack\): explain its members/);
    expect(r.stderr).toMatch(/mlc report stack_c@1/);
  });

  it("replaces the ensemble when a member changes, and says which member", async () => {
    const spec = join(dir, "main.mlspec");
    writeFileSync(spec, readFileSync(spec, "utf8").replace("params { trees = 10 }", "params { trees = 12 }"));
    const p = await planProject(dir);
    if (!p.ok) throw new Error("plan failed");
    const change = (id: string) => p.plan.changes.find((c) => c.id === id)!;
    expect(change("model.trees_c").action).toBe("replace");
    expect(change("model.stack_c").action).toBe("replace");
    expect(change("model.stack_c").reasons).toContainEqual({
      type: "upstream_changed",
      node: "model.trees_c",
    });
    expect(change("model.vote_r").action).toBe("noop");
    expect(change("model.lin_c").action).toBe("noop");
  });
});
