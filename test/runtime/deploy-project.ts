// A tiny deployed project for state and registry tests: 300 seeded rows, a GBDT whose tree count
// the test can change (a different model), a gate and an immediate `deploy api`.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyProject, type ApplyProjectOptions } from "../../src/runtime/project.js";
import { seededRowsCsv } from "../fixtures/seeded-rows.js";

export function spec(trees: number, opts: { deploy?: boolean; tuneTrials?: number } = {}): string {
  return `project tiny {
  seed = 3
}

source rows {
  file = "data/rows.csv"
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
  params {
    trees     = ${trees}
    max_depth = 2${opts.tuneTrials ? "\n    learning_rate = loguniform(0.02, 0.3)" : ""}
  }${
    opts.tuneTrials
      ? `
  tune {
    method    = random
    trials    = ${opts.tuneTrials}
    objective = maximize(valid.auc)
  }`
      : ""
  }
}

gate ok {
  model = m
  test.auc >= 0.5
}
${
  opts.deploy === false
    ? ""
    : `
deploy api {
  model = m
  when  = ok
}
`
}`;
}

/** A new project directory with the data and the spec (`trees` trees). */
export function tinyProject(trees = 5): string {
  const dir = mkdtempSync(join(tmpdir(), "mlc-tiny-"));
  mkdirSync(join(dir, "data"));
  writeFileSync(join(dir, "data", "rows.csv"), seededRowsCsv(300, { seed: 11 }));
  writeFileSync(join(dir, "tiny.mlspec"), spec(trees));
  return dir;
}

export function setSpec(
  dir: string,
  trees: number,
  opts: { deploy?: boolean; tuneTrials?: number } = {},
): void {
  writeFileSync(join(dir, "tiny.mlspec"), spec(trees, opts));
}

/** Applies and fails the test with the node errors when anything failed. */
export async function applyOk(dir: string, opts: ApplyProjectOptions = {}): Promise<void> {
  const out = await applyProject(dir, { log: () => undefined, parallel: 1, ...opts });
  if (!out.ok) throw new Error(`compile failed: ${JSON.stringify(out.diagnostics)}`);
  const bad = out.result.outcomes.filter((o) => o.status === "failed" || o.status === "skipped");
  if (bad.length) throw new Error(bad.map((o) => `${o.id}: ${o.error}`).join("\n"));
}
