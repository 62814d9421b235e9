// `init = champion` where the champion is an imported ONNX model, end to end: a model block first
// imports an MLP's ONNX graph (`algorithm = onnx(…)`), that version becomes the champion, and the
// block then trains `algorithm = mlp` warm from its weights: the plan says so, the new version
// records its parent and starts from the imported weights. A champion whose graph is no MLP (a tree
// ensemble) fails the model with MLC2460, naming the node that prevents it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dataset, Task } from "../../src/ml/estimator.js";
import { gbdtEstimator } from "../../src/ml/gbdt/index.js";
import { MlpModel } from "../../src/ml/nn/mlp-model.js";
import { mlpEstimator } from "../../src/ml/nn/index.js";
import { modelToOnnxBytes } from "../../src/ml/standalone-onnx.js";
import { ModelRegistry } from "../../src/registry/model-registry.js";
import { openArtifacts } from "../../src/runtime/artifacts/store.js";
import { renderPlanText } from "../../src/runtime/plan-render.js";
import { applyProject, planProject } from "../../src/runtime/project.js";
import { openState } from "../../src/runtime/state/open.js";

const BIN: Task = { kind: "binary", classes: ["no", "yes"] };

function table(n: number): { csv: string; data: Dataset } {
  let s = 77;
  const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const lines = ["id,a,b,y"];
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = Number((rnd() * 2 - 1).toFixed(4));
    b[i] = Number((rnd() * 2 - 1).toFixed(4));
    y[i] = a[i]! - 0.5 * b[i]! + 0.3 * (rnd() - 0.5) > 0 ? 1 : 0;
    lines.push(`${i},${a[i]!.toFixed(4)},${b[i]!.toFixed(4)},${y[i] ? "yes" : "no"}`);
  }
  return { csv: lines.join("\n") + "\n", data: { X: { nRows: n, columns: [a, b], names: ["a", "b"] }, y } };
}

const spec = (model: string) => `project onnxwarm { seed = 3 }
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
${model}
}
`;
const IMPORT = (file: string) => `  algorithm = onnx("${file}")`;
const WARM = `  algorithm = mlp
  init      = champion
  params { hidden = "5"  epochs = 1  learning_rate = 0.000001 }`;

let dir = "";
let imported: MlpModel;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mlc-onnx-warm-start-"));
  mkdirSync(join(dir, "data"));
  const { csv, data } = table(400);
  writeFileSync(join(dir, "data/rows.csv"), csv);
  imported = (await mlpEstimator.fit(data, undefined, { hidden: "5", epochs: 20 }, BIN, {
    seed: 2,
  })) as MlpModel;
  writeFileSync(join(dir, "mlp.onnx"), modelToOnnxBytes(imported));
  const trees = await gbdtEstimator.fit(data, undefined, { trees: 4 }, BIN, { seed: 2 });
  writeFileSync(join(dir, "trees.onnx"), modelToOnnxBytes(trees));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function apply() {
  const out = await applyProject(dir, { log: () => undefined, parallel: 1 });
  if (!out.ok) throw new Error(JSON.stringify(out.diagnostics.map((d) => d.message)));
  return out.result.outcomes.find((o) => o.id === "model.m")!;
}

async function withRegistry<T>(f: (r: ModelRegistry) => Promise<T>): Promise<T> {
  const state = await openState(dir);
  try {
    return await f(new ModelRegistry(state));
  } finally {
    await state.close();
  }
}

describe("init = champion from an imported ONNX model", () => {
  it(
    "fine-tunes an imported ONNX MLP and refuses an imported tree ensemble",
    { timeout: 240_000 },
    async () => {
      writeFileSync(join(dir, "main.mlspec"), spec(IMPORT("mlp.onnx")));
      expect((await apply()).status).not.toBe("failed");
      await withRegistry((r) => r.setAlias("m", "champion", 1, "test"));

      writeFileSync(join(dir, "main.mlspec"), spec(WARM));
      const plan = await planProject(dir);
      if (!plan.ok) throw new Error(JSON.stringify(plan.diagnostics.map((d) => d.message)));
      expect(renderPlanText(plan.plan)).toMatch(/model\.m: warm start from version 1/);
      const warm = await apply();
      expect(warm.status).not.toBe("failed");
      const v2 = await withRegistry((r) => r.version("m", 2));
      expect(v2?.algorithm).toBe("mlp");
      expect(v2?.parent).toBe(1);
      // one epoch at a learning rate of 1e-6 leaves the imported weights all but untouched
      const tuned = MlpModel.deserialize(await openArtifacts(dir).get(v2!.artifacts.model!));
      const diff = tuned.state.layers.flatMap((l, i) =>
        Array.from(l.W, (w, k) => Math.abs(w - imported.state.layers[i]!.W[k]!)),
      );
      expect(Math.max(...diff)).toBeLessThan(1e-3);
      expect(Array.from(tuned.state.mean)).toEqual(Array.from(imported.state.mean, Math.fround));

      // a champion whose graph is a tree ensemble cannot start an MLP
      writeFileSync(join(dir, "main.mlspec"), spec(IMPORT("trees.onnx")));
      expect((await apply()).status).not.toBe("failed");
      await withRegistry((r) => r.setAlias("m", "champion", 3, "test"));
      writeFileSync(join(dir, "main.mlspec"), spec(WARM));
      const refused = await apply();
      expect(refused.status).toBe("failed");
      expect(refused.diagnostic?.code).toBe("MLC2460");
      expect(refused.error).toMatch(
        /cannot warm start from version 3: mlp: the champion, imported from .*trees\.onnx, is not a plain MLP: its TreeEnsemble\w* node/,
      );
    },
  );
});
