// A small synthetic binary-classification project for the report/trials/explain tests: a tuned
// (3 trials), isotonic-calibrated GBDT and a logistic model over 600 seeded rows; the gate measures
// fairness by `region`, a column that is not a model input.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { applyProject } from "../../src/runtime/project.js";

function csv(rows: number, seed: number): string {
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const lines = ["x1,x2,x3,grp,region,y"];
  for (let i = 0; i < rows; i++) {
    const x1 = rnd() * 4 - 2;
    const x2 = rnd() * 4 - 2;
    const x3 = rnd();
    const grp = ["a", "b", "c"][Math.floor(rnd() * 3)]!;
    const z = 2 * x1 + 0.7 * x2 + (grp === "c" ? 0.8 : 0) + (rnd() - 0.5) * 2;
    // region is not a model input: the gate measures fairness by it (no draw, so the rows stay as they were).
    const region = i % 4 === 0 ? "north" : "south";
    lines.push(`${x1.toFixed(4)},${x2.toFixed(4)},${x3.toFixed(4)},${grp},${region},${z > 0 ? "yes" : "no"}`);
  }
  return lines.join("\n") + "\n";
}

export const SPEC = `project synth {
  seed = 7
}

source rows {
  file = "data/rows.csv"
  schema {
    x1  = float
    x2  = float
    x3  = float
    grp    = category
    region = category
    y      = category
  }
}

features f {
  from = rows
  a    = x1
  b    = x2
  c    = x3
  g    = onehot(grp)
}

split s {
  from   = f
  method = stratified(y)
  train  = 60%
  valid  = 20%
  test   = 20%
}

model m {
  task      = classify(y, positive = "yes")
  data      = s
  features  = f.*
  algorithm = gbdt
  calibrate = isotonic
  params {
    trees         = 30
    learning_rate = loguniform(0.05, 0.3)
    max_depth     = int(2, 4)
  }
  tune {
    method    = random
    trials    = 3
    objective = maximize(valid.auc)
  }
}

gate ok {
  model = m
  test.auc >= 0.6
  parity(test, by = region) <= 1
}

model lin {
  task      = classify(y, positive = "yes")
  data      = s
  features  = f.*
  algorithm = logistic
}
`;

export function writeProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "mlc-report-"));
  mkdirSync(join(dir, "data"));
  writeFileSync(join(dir, "data/rows.csv"), csv(600, 11));
  writeFileSync(join(dir, "synth.mlspec"), SPEC);
  return dir;
}

export async function applyQuiet(dir: string): Promise<void> {
  const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
  if (!out.ok) throw new Error(`compile failed: ${JSON.stringify(out.diagnostics.map((d) => d.message))}`);
  if (!out.result.ok)
    throw new Error(
      `apply failed: ${JSON.stringify(out.result.outcomes.filter((o) => o.error).map((o) => `${o.id}: ${o.error}`))}`,
    );
}

/**
 * A fresh copy of the project for the enclosing describe block: written, changed by `edit` and
 * applied before its tests, removed after them. `dir` is set once the block's beforeAll has run.
 */
export function appliedProject(o: { edit?: (dir: string) => void; timeoutMs?: number } = {}): {
  readonly dir: string;
} {
  const project = { dir: "" };
  beforeAll(async () => {
    project.dir = writeProject();
    o.edit?.(project.dir);
    await applyQuiet(project.dir);
  }, o.timeoutMs ?? 60_000);
  afterAll(() => rmSync(project.dir, { recursive: true, force: true }));
  return project;
}
