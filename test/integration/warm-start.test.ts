// `init = champion` end to end: the first apply trains from scratch (and the plan says so); with a
// champion and new rows the plan says "warm start from version 1", the new version boosts on from
// the champion's trees and records its parent (registry and lineage); promoting it changes nothing,
// and a champion that is not the newest version (a rollback) makes the plan retrain from it.
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyProject, planProject } from "../../src/runtime/project.js";
import { renderPlanText } from "../../src/runtime/plan-render.js";
import { openState } from "../../src/runtime/state/open.js";
import { ModelRegistry } from "../../src/registry/model-registry.js";
import { openArtifacts } from "../../src/runtime/artifacts/store.js";
import { lineageOf } from "../../src/runtime/lineage.js";
import { TreeModel } from "../../src/ml/tree/model.js";

function rows(from: number, n: number): string {
  let s = 1234 + from;
  const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const out: string[] = [];
  for (let i = from; i < from + n; i++) {
    const a = rnd() * 2 - 1;
    const b = rnd() * 2 - 1;
    out.push(`${i},${a.toFixed(4)},${b.toFixed(4)},${a - 0.5 * b + 0.4 * (rnd() - 0.5) > 0 ? "yes" : "no"}`);
  }
  return out.join("\n") + "\n";
}

const SPEC = `project warm { seed = 3 }
source d {
  file = "data/rows.csv"
  key  = id
  schema { id = int  a = float  b = float  y = category }
}
features f { from = d  a = a  b = b }
split s { from = f  method = random  key = id  train = 70%  valid = 15%  test = 15% }
model m {
  task      = classify(y, positive = "yes")
  data      = s
  features  = f.*
  algorithm = gbdt
  init      = champion
  params { trees = 6  max_depth = 3 }
}
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mlc-warm-start-"));
  mkdirSync(join(dir, "data"));
  writeFileSync(join(dir, "data/rows.csv"), `id,a,b,y\n${rows(0, 300)}`);
  writeFileSync(join(dir, "main.mlspec"), SPEC);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function planText(): Promise<string> {
  const p = await planProject(dir);
  if (!p.ok) throw new Error(JSON.stringify(p.diagnostics.map((d) => d.message)));
  return renderPlanText(p.plan);
}

async function apply(): Promise<string[]> {
  const logs: string[] = [];
  const out = await applyProject(dir, { log: (m) => void logs.push(m), parallel: 1 });
  if (!out.ok) throw new Error(JSON.stringify(out.diagnostics.map((d) => d.message)));
  expect(out.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);
  return logs;
}

async function withState<T>(
  f: (r: ModelRegistry, state: Awaited<ReturnType<typeof openState>>) => Promise<T>,
) {
  const state = await openState(dir);
  try {
    return await f(new ModelRegistry(state), state);
  } finally {
    await state.close();
  }
}

const treesOf = async (hash: string): Promise<TreeModel> =>
  TreeModel.deserialize("gbdt", await openArtifacts(dir).get(hash));

describe("init = champion", () => {
  it(
    "trains from scratch first, then boosts on from the champion and records it",
    { timeout: 120_000 },
    async () => {
      expect(await planText()).toMatch(/model\.m: no champion yet: trains from scratch/);
      await apply();
      const v1 = await withState((r) => r.version("m", 1));
      expect(v1?.parent).toBeUndefined();
      await withState((r) => r.setAlias("m", "champion", 1, "test"));
      // the model's own newest version as champion is where its last fit ended: nothing to do
      expect(await planText()).toMatch(/No changes/);

      appendFileSync(join(dir, "data/rows.csv"), rows(300, 150));
      const text = await planText();
      expect(text).toMatch(/model\.m: warm start from version 1/);
      await apply();
      const v2 = await withState((r) => r.version("m", 2));
      expect(v2?.parent).toBe(1);
      const champion = await treesOf(v1!.artifacts.model!);
      const warm = await treesOf(v2!.artifacts.model!);
      expect(warm.ensemble.trees.length).toBe(champion.ensemble.trees.length + 6);
      expect(warm.ensemble.trees.slice(0, 6)).toEqual(champion.ensemble.trees);
      const lineage = await withState((_, state) => lineageOf(state, "model.m"));
      expect(lineage.data?.description).toBe("warm start from version 1");

      await withState((r) => r.setAlias("m", "champion", 2, "test"));
      expect(await planText()).toMatch(/No changes/);
      // a rollback to version 1: the next fit would start elsewhere, so the plan retrains
      await withState((r) => r.setAlias("m", "champion", 1, "rollback"));
      expect(await planText()).toMatch(
        /model\.m .*warm start from version 1[\s\S]*model\.m: warm start from version 1/,
      );

      // a champion of other features cannot be continued: a coded failure at the model block
      writeFileSync(join(dir, "main.mlspec"), SPEC.replace("b = b }", "b = b  ab = a * b }"));
      const out = await applyProject(dir, { log: () => undefined, parallel: 1 });
      if (!out.ok) throw new Error(JSON.stringify(out.diagnostics.map((d) => d.message)));
      const failed = out.result.outcomes.find((o) => o.id === "model.m");
      expect(failed?.status).toBe("failed");
      expect(failed?.diagnostic?.code).toBe("MLC2460");
      expect(failed?.error).toMatch(/cannot warm start from version 1: .*2 features and these data have 3/);

      // a champion whose model the store lost cannot be continued either
      writeFileSync(join(dir, "main.mlspec"), SPEC);
      await openArtifacts(dir).remove(v1!.artifacts.model!);
      const lost = await applyProject(dir, { log: () => undefined, parallel: 1 });
      if (!lost.ok) throw new Error(JSON.stringify(lost.diagnostics.map((d) => d.message)));
      const model = lost.result.outcomes.find((o) => o.id === "model.m");
      expect(model?.diagnostic?.code).toBe("MLC2461");
      expect(model?.error).toMatch(/cannot read the champion, version 1/);
    },
  );
});
