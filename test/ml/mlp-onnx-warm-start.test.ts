// The warm start of an MLP from an imported ONNX model: a graph that is a plain dense network (our
// own MLP exported for binary, multiclass and regression; a scikit-learn-like MatMul + Add chain with
// a two-column softmax and a label branch) becomes the starting weights, and the start predicts what
// the imported model predicts; fine-tuning from it is deterministic; a graph that is not an MLP, or
// one of other layer sizes than the params ask for, is a WarmStartError naming what prevents it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Dataset, Params, Task, TrainedModel } from "../../src/ml/estimator.js";
import { gbdtEstimator } from "../../src/ml/gbdt/index.js";
import { MlpModel } from "../../src/ml/nn/mlp-model.js";
import { mlpEstimator } from "../../src/ml/nn/index.js";
import { mlpFromOnnx } from "../../src/ml/nn/mlp-from-onnx.js";
import { importOnnx } from "../../src/ml/onnx-import/index.js";
import type { ImportedOnnxModel } from "../../src/ml/onnx-import/imported-model.js";
import { Rng } from "../../src/ml/random.js";
import { modelToOnnxBytes } from "../../src/ml/standalone-onnx.js";
import { WarmStartError } from "../../src/ml/warm-start.js";
import { OnnxGraph } from "../../src/onnx/builder.js";
import { hex } from "./learner-datasets.js";

const dir = mkdtempSync(path.join(tmpdir(), "mlc-mlp-onnx-"));
const opened: ImportedOnnxModel[] = [];
afterAll(async () => {
  for (const m of opened) await m.close();
  rmSync(dir, { recursive: true, force: true });
});

const BIN: Task = { kind: "binary", classes: ["0", "1"] };
const MC: Task = { kind: "multiclass", classes: ["a", "b", "c"] };
const REG: Task = { kind: "regression" };

function rows(n: number, seed: number, task: Task): Dataset {
  const r = new Rng(seed);
  const columns = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (const c of columns) c[i] = r.normal() * 3 + 1;
    const s = columns[0]![i]! - columns[1]![i]! + 0.5 * columns[2]![i]! + r.normal();
    y[i] =
      task.kind === "regression"
        ? 10 * s + 50
        : task.kind === "binary"
          ? s > 0
            ? 1
            : 0
          : s > 2
            ? 2
            : s > -2
              ? 1
              : 0;
  }
  return { X: { nRows: n, columns, names: ["a", "b", "c"] }, y };
}

let files = 0;
async function imported(bytes: Uint8Array, train: Dataset, task: Task): Promise<ImportedOnnxModel> {
  const file = path.join(dir, `m${files++}.onnx`);
  writeFileSync(file, bytes);
  const m = await importOnnx(train, { path: file }, task);
  opened.push(m);
  return m;
}

const maxDiff = (a: Float64Array, b: Float64Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe("mlp warm start from an imported ONNX model", () => {
  const cases: [string, Task, Params][] = [
    ["binary", BIN, { hidden: "6,3", activation: "tanh", epochs: 5, learning_rate: 0.01 }],
    ["multiclass", MC, { hidden: "5", epochs: 5, learning_rate: 0.01 }],
    ["regression", REG, { hidden: "4", activation: "sigmoid", epochs: 5, learning_rate: 0.01 }],
  ];
  for (const [name, task, params] of cases)
    it(`${name}: our own exported MLP comes back with its layers and predictions`, async () => {
      const train = rows(300, 1, task);
      const probe = rows(80, 2, task);
      const original = (await mlpEstimator.fit(train, undefined, params, task, { seed: 4 })) as MlpModel;
      const onnx = await imported(modelToOnnxBytes(original), train, task);
      const start = mlpFromOnnx(onnx, "relu");
      // the weights are the exported float32 values, bit for bit
      expect(
        start.state.layers.map((l) => [
          l.inputs,
          l.outputs,
          hex(new Uint8Array(l.W.buffer)),
          hex(new Uint8Array(l.b.buffer)),
        ]),
      ).toEqual(
        original.state.layers.map((l) => [
          l.inputs,
          l.outputs,
          hex(new Uint8Array(l.W.buffer)),
          hex(new Uint8Array(l.b.buffer)),
        ]),
      );
      expect(start.state.activation).toBe(original.state.activation);
      expect(Array.from(start.state.mean)).toEqual(Array.from(original.state.mean, Math.fround));
      expect(Array.from(start.state.scale)).toEqual(Array.from(original.state.scale, Math.fround));
      const tolerance = task.kind === "regression" ? 1e-3 : 1e-6;
      expect(maxDiff(start.predict(probe.X), onnx.predict(probe.X))).toBeLessThan(tolerance);

      // fine-tuning: a tiny step stays near the imported model; a cold fit does not; same bytes twice
      const tiny = { ...params, epochs: 1, learning_rate: 1e-6 };
      const tuned = await mlpEstimator.fit(rows(200, 3, task), undefined, tiny, task, {
        seed: 4,
        init: onnx,
      });
      const cold = await mlpEstimator.fit(rows(200, 3, task), undefined, tiny, task, { seed: 4 });
      const scale = task.kind === "regression" ? 10 : 1;
      expect(maxDiff(tuned.predict(probe.X), onnx.predict(probe.X))).toBeLessThan(0.01 * scale);
      expect(maxDiff(cold.predict(probe.X), onnx.predict(probe.X))).toBeGreaterThan(0.05 * scale);
      const again = (m: TrainedModel) =>
        mlpEstimator.fit(rows(200, 3, task), undefined, params, task, { seed: 4, init: m });
      expect(hex((await again(onnx)).serialize())).toBe(hex((await again(onnx)).serialize()));
    });

  it("reads a scikit-learn-like graph: MatMul + Add, Relu, a two-column softmax and a label branch", async () => {
    const r = new Rng(9);
    const w1 = Array.from({ length: 3 * 4 }, () => r.normal());
    const b1 = Array.from({ length: 4 }, () => r.normal() * 0.1);
    const w2 = Array.from({ length: 4 * 2 }, () => r.normal());
    const b2 = [0.3, -0.2];
    const g = new OnnxGraph("sk");
    g.input("x", "float", ["N", 3]);
    const h = g.op("Relu", [
      g.op("Add", [
        g.op("MatMul", ["x", g.constant("float", [3, 4], w1, "w1")]),
        g.constant("float", [4], b1, "b1"),
      ]),
    ]);
    const logits = g.op("Add", [
      g.op("MatMul", [h, g.constant("float", [4, 2], w2, "w2")]),
      g.constant("float", [2], b2, "b2"),
    ]);
    g.node("Softmax", [logits], ["probabilities"], { axis: 1 });
    g.node("ArgMax", ["probabilities"], ["label"], { axis: 1, keepdims: 0 });
    g.output("label", "int64", ["N"]);
    g.output("probabilities", "float", ["N", 2]);
    const train = rows(100, 5, BIN);
    const onnx = await imported(g.toBytes(15), train, BIN);
    const start = mlpFromOnnx(onnx, "tanh");
    expect(start.state.layers.map((l) => [l.inputs, l.outputs])).toEqual([
      [3, 4],
      [4, 1],
    ]);
    expect(start.state.activation).toBe("relu");
    // no standardisation in the graph: the identity
    expect(Array.from(start.state.mean)).toEqual([0, 0, 0]);
    expect(Array.from(start.state.scale)).toEqual([1, 1, 1]);
    expect(maxDiff(start.predict(train.X), onnx.predict(train.X))).toBeLessThan(1e-5);
    const tuned = await mlpEstimator.fit(
      train,
      undefined,
      { hidden: "4", epochs: 1, learning_rate: 1e-4 },
      BIN,
      { seed: 1, init: onnx },
    );
    expect(tuned.algorithm).toBe("mlp");
  });

  it("folds Add/Mul standardisation, Gemm's transB, alpha and beta, and a regression's Mul/Add into the start", async () => {
    const r = new Rng(11);
    const w1 = Array.from({ length: 4 * 3 }, () => r.normal()); // [out, in]: transB
    const w2 = Array.from({ length: 4 }, () => r.normal());
    /** A double-input regressor; `castWeights`: the last layer's weights come through a Cast node. */
    const folded = (castWeights: boolean) => {
      const g = new OnnxGraph("folded");
      g.input("x", "double", ["N", 3]);
      const x = g.op("Cast", ["x"], { to: 1 });
      const shifted = g.op("Add", [x, g.constant("float", [3], [-1, 0.5, 2], "shift")]);
      const z = g.op("Mul", [shifted, g.constant("float", [1, 3], [0.5, 2, 0.25], "inv")]);
      const gemm1 = g.op(
        "Gemm",
        [z, g.constant("float", [4, 3], w1, "w1"), g.constant("float", [1, 4], [0.1, -0.1, 0.2, 0], "b1")],
        {
          transB: 1,
          alpha: 1.5,
          beta: 0.5,
        },
      );
      const h = g.op("Tanh", [gemm1]);
      const W2 = castWeights
        ? g.op("Cast", [g.constant("double", [4, 1], w2, "w2d")], { to: 1 })
        : g.constant("float", [4, 1], w2, "w2");
      const y = g.op("Gemm", [h, W2, g.constant("float", [1], [0.3], "b2")]);
      g.node(
        "Add",
        [g.op("Mul", [y, g.constant("float", [], [10], "ys")]), g.constant("float", [], [50], "ym")],
        ["y"],
      );
      g.output("y", "float", ["N", 1]);
      return g.toBytes(11);
    };
    const train = rows(60, 8, REG);
    const onnx = await imported(folded(false), train, REG);
    const start = mlpFromOnnx(onnx, "relu");
    expect(start.state.activation).toBe("tanh");
    expect([start.state.yScale, start.state.yMean]).toEqual([10, 50]);
    expect(Array.from(start.state.mean)).toEqual([1, -0.5, -2]);
    expect(Array.from(start.state.scale)).toEqual([2, 0.5, 4]);
    expect(maxDiff(start.predict(train.X), onnx.predict(train.X))).toBeLessThan(1e-3);
    // weights computed by a node are not constants: refused, naming the node
    const cast = await imported(folded(true), train, REG);
    expect(() => mlpFromOnnx(cast, "relu")).toThrow(
      /its Gemm node .*has computed weights \('cast_\d+' is not a constant\)/,
    );
  });

  it("refuses a graph that is not an MLP, naming the node, and other layer sizes than the params", async () => {
    const train = rows(100, 6, BIN);
    const refusal = async (bytes: Uint8Array, params: Params = { hidden: "4" }) => {
      const onnx = await imported(bytes, train, BIN);
      const e = await mlpEstimator
        .fit(train, undefined, { ...params, epochs: 1 }, BIN, { seed: 1, init: onnx })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(e).toBeInstanceOf(WarmStartError);
      return (e as Error).message;
    };
    const dense = (act: string, between = true) => {
      const g = new OnnxGraph("g");
      g.input("x", "float", ["N", 3]);
      let h = g.op("Gemm", [
        "x",
        g.constant("float", [3, 4], new Array(12).fill(0.1), "w1"),
        g.constant("float", [4], [0, 0, 0, 0], "b1"),
      ]);
      if (between) h = g.op(act, [h]);
      h = g.op("Gemm", [
        h,
        g.constant("float", [4, 1], [1, -1, 1, -1], "w2"),
        g.constant("float", [1], [0], "b2"),
      ]);
      g.node("Sigmoid", [h], ["p"]);
      g.output("p", "float", ["N", 1]);
      return g.toBytes(15);
    };
    expect(await refusal(dense("LeakyRelu"))).toMatch(
      /imported from .*m\d+\.onnx, is not a plain MLP: its LeakyRelu node .* is not part of a dense network/,
    );
    expect(await refusal(dense("Relu", false))).toMatch(
      /follows dense layer 1 with no activation between them/,
    );
    expect(await refusal(dense("Relu"), { hidden: "8" })).toMatch(
      /the champion's layers are 3 → 4 → 1 \(relu\) and these params ask for 3 → 8 → 1/,
    );
    // a tree ensemble exported as ONNX
    const trees = await gbdtEstimator.fit(train, undefined, { trees: 3 }, BIN, { seed: 1 });
    expect(await refusal(modelToOnnxBytes(trees))).toMatch(/is not a plain MLP: its TreeEnsemble\w* node/);
    // an output of another meaning: a three-class softmax for a binary task cannot be imported at all,
    // but a regression MLP's linear output can, and is not a classifier's start
    const reg = (await mlpEstimator.fit(rows(100, 7, REG), undefined, { hidden: "4", epochs: 1 }, REG, {
      seed: 1,
    })) as MlpModel;
    const regOnnx = await imported(modelToOnnxBytes(reg), train, BIN);
    expect(() => mlpFromOnnx(regOnnx, "relu")).toThrow(
      /ends in a linear output of 1 column\(s\); a binary MLP ends in one sigmoid/,
    );
  });
});
