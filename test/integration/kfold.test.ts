// Cross-validation that works: a kfold split's folds are fitted one by one (cv.auc with its spread
// cv.auc.sd), tuning maximises a cv metric and refits on all training rows, gates read cv metrics;
// and parts with no rows (kfold's valid, an 80/0/20 split) no longer crash.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyProject } from "../../src/runtime/project.js";
import { openState } from "../../src/runtime/state/open.js";
import { seededRowsCsv } from "../fixtures/seeded-rows.js";

const SPEC = `project cv { seed = 5 }

source rows {
  file = "data/rows.csv"
  key  = id
  schema {
    id = int
    x1 = float
    x2 = float
    y  = category
  }
}

features f {
  from = rows
  a    = x1
  b    = x2
}

split folds {
  from   = f
  method = kfold(4, by = y)
  train  = 80%
  test   = 20%
}

split no_valid {
  from  = f
  train = 80%
  valid = 0%
  test  = 20%
}

model tuned {
  task      = classify(y, positive = "yes")
  data      = folds
  features  = f.*
  algorithm = gbdt
  params {
    trees     = int(5, 30)
    max_depth = int(1, 3)
  }
  tune {
    method    = random
    trials    = 3
    objective = maximize(cv.auc)
  }
}

model plain {
  task      = classify(y, positive = "yes")
  data      = no_valid
  features  = f.*
  algorithm = logistic
}

gate steady {
  model = tuned
  cv.auc >= 0.7
  cv.auc.sd <= 0.2
}
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mlc-kfold-"));
  mkdirSync(join(dir, "data"));
  writeFileSync(join(dir, "data/rows.csv"), seededRowsCsv(600, { seed: 99 }));
  writeFileSync(join(dir, "main.mlspec"), SPEC);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("kfold", () => {
  it("tunes on cv.auc, refits on all training rows, and gates on cv metrics", async () => {
    const out = await applyProject(dir, { log: () => undefined, parallel: 1 });
    if (!out.ok) throw new Error(JSON.stringify(out.diagnostics.map((d) => d.message)));
    expect(out.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);
    const state = await openState(dir);
    try {
      const tuned = (await state.getNode("model.tuned"))!.result!;
      const m = tuned.metrics!;
      expect(m["cv.folds"]).toBe(4);
      expect(m["cv.auc"]).toBeGreaterThan(0.7);
      expect(m["cv.auc.sd"]).toBeGreaterThan(0);
      expect(m["cv.auc.sd"]).toBeLessThan(0.2);
      expect(m["test.auc"]).toBeGreaterThan(0.7);
      // The search's best value is the cross-validated AUC of the chosen parameters.
      const tuning = tuned.summary!.tuning as { best_value: number };
      expect(tuning.best_value).toBeCloseTo(m["cv.auc"]!, 12);
      const split = (await state.getNode("split.folds"))!.result!;
      expect(split.metrics!.rows_valid).toBe(0);
      const gate = (await state.getNode("gate.steady"))!.result!;
      expect(gate.metrics!["cv.auc"]).toBe(m["cv.auc"]);
      const plain = (await state.getNode("model.plain"))!.result!;
      expect(plain.metrics!["test.auc"]).toBeGreaterThan(0.7);
      expect((await state.getNode("split.no_valid"))!.result!.metrics!.rows_valid).toBe(0);
    } finally {
      await state.close();
    }
  });
});
