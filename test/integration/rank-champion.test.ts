// A gate on a rank model re-scores the champion on the same test rows as the candidate: the rows
// in group order (as the predictions are), with their groups and the task's k. Re-scoring the
// champion must give back the test metrics recorded for it; before, labels in split order were
// paired with predictions in group order and every row was one query.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyProject } from "../../src/runtime/project.js";
import { openState } from "../../src/runtime/state/open.js";

/** 80 users × 8 items, interleaved (the file is not in user order); relevance grows with x. */
function rows(): string {
  let s = 777;
  const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const out: string[] = [];
  let id = 0;
  for (let j = 0; j < 8; j++)
    for (let u = 0; u < 80; u++) {
      const x = rnd();
      const item = Math.floor(rnd() * 40);
      const rel = x + 0.3 * (rnd() - 0.5) > 0.8 ? 2 : x + 0.3 * (rnd() - 0.5) > 0.55 ? 1 : 0;
      out.push(`${id++},${u},${item},${x.toFixed(4)},${rel}`);
    }
  return `id,user,item,x,rel\n${out.join("\n")}\n`;
}

const spec = (trees: number): string => `project ranked { seed = 4 }

source views {
  file = "data/views.csv"
  key  = id
  schema {
    id   = int
    user = int
    item = int
    x    = float
    rel  = int
  }
}

features f {
  from = views
  score_x = x
}

split s {
  from   = f
  method = group(user)
  key    = id
}

model m {
  task      = rank(rel, group = user, k = 3, item = item)
  data      = s
  features  = [f.score_x]
  algorithm = gbdt
  params { trees = ${trees} }
}

gate g {
  model = m
  test.ndcg >= champion.test.ndcg - 1
  test.map >= champion.test.map - 1
  test.ndcg >= baseline.test.ndcg
}

deploy api {
  model = m
  when  = g
  serve = rest { port = 8080 }
}
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mlc-rank-champion-"));
  mkdirSync(join(dir, "data"));
  writeFileSync(join(dir, "data/views.csv"), rows());
  writeFileSync(join(dir, "main.mlspec"), spec(10));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function apply(): Promise<void> {
  const out = await applyProject(dir, { log: () => undefined, parallel: 1 });
  if (!out.ok) throw new Error(JSON.stringify(out.diagnostics.map((d) => d.message)));
  expect(out.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);
}

async function metrics(id: string): Promise<Record<string, number>> {
  const state = await openState(dir);
  try {
    return (await state.getNode(id))!.result!.metrics!;
  } finally {
    await state.close();
  }
}

describe("a rank model's champion comparison", () => {
  it("re-scores the champion to the test metrics recorded for it", { timeout: 120_000 }, async () => {
    await apply();
    const champion = await metrics("model.m");
    expect(champion["test.ndcg"]!).toBeGreaterThan(champion["baseline.test.ndcg"]!);
    writeFileSync(join(dir, "main.mlspec"), spec(20));
    await apply();
    const gate = await metrics("gate.g");
    expect(gate["champion.test.ndcg"]!).toBeCloseTo(champion["test.ndcg"]!, 4);
    expect(gate["champion.test.map"]!).toBeCloseTo(champion["test.map"]!, 4);
  });
});
