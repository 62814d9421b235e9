import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { estimatorFor } from "../../src/ml/estimator-registry.js";
import { isolationForestEstimator } from "../../src/ml/isolation-forest/index.js";
import type { Dataset } from "../../src/ml/estimator.js";
import { onnxImportEstimator } from "../../src/ml/onnx-import/index.js";
import type { ImportedOnnxModel } from "../../src/ml/onnx-import/imported-model.js";
import { OnnxGraph } from "../../src/onnx/builder.js";
import { loadSession } from "../../src/onnx/session.js";
import { modelToOnnxBytes } from "../../src/ml/standalone-onnx.js";
import { expectOnnxParity, labelled, splitRows } from "./learner-datasets.js";

const dir = mkdtempSync(path.join(tmpdir(), "mlc-onnx-import-"));
const opened: ImportedOnnxModel[] = [];
afterAll(async () => {
  for (const m of opened) await m.close();
});

const W = [0.5, -1, 2, 0.25, -0.75, 1.5]; // 3 × 2
const B = [0.1, -0.2];

/** A scikit-learn-like classifier: int64 "label" first, then "probabilities" [N, 2]. */
function writeClassifier(name: string, opset = 15): string {
  const g = new OnnxGraph("clf");
  g.input("x", "float", ["N", 3]);
  const logits = g.op("Add", [
    g.op("MatMul", ["x", g.constant("float", [3, 2], W, "coef")]),
    g.constant("float", [2], B, "intercept"),
  ]);
  g.node("Softmax", [logits], ["probabilities"], { axis: 1 });
  g.node("ArgMax", ["probabilities"], ["label"], { axis: 1, keepdims: 0 });
  g.output("label", "int64", ["N"]);
  g.output("probabilities", "float", ["N", 2]);
  const file = path.join(dir, name);
  writeFileSync(file, g.toBytes(opset));
  return file;
}

/** A regression model on double input with a rank-1 double output. */
function writeDoubleRegressor(name: string): string {
  const g = new OnnxGraph("reg");
  g.input("features", "double", ["N", 2]);
  const y = g.op("MatMul", ["features", g.constant("double", [2], [3, -2], "w")]);
  g.node("Add", [y, g.constant("double", [], [10], "b")], ["variable"]);
  g.output("variable", "double", ["N"]);
  const file = path.join(dir, name);
  writeFileSync(file, g.toBytes());
  return file;
}

function rows(data: number[][], names: string[]): Dataset {
  return {
    X: { nRows: data.length, names, columns: names.map((_, j) => Float32Array.from(data, (r) => r[j]!)) },
  };
}

const X3 = rows(
  Array.from({ length: 50 }, (_, i) => [Math.sin(i), Math.cos(i * 0.7) * 2, (i % 7) - 3]),
  ["a", "b", "c"],
);

function expectedPositive(i: number): number {
  const x = X3.X.columns.map((c) => c[i]!);
  const m = [0, 1].map((k) => B[k]! + x.reduce((s, v, j) => s + v * W[j * 2 + k]!, 0));
  return Math.exp(m[1]!) / (Math.exp(m[0]!) + Math.exp(m[1]!));
}

async function fitImported(
  data: Dataset,
  params: Record<string, string>,
  task: Parameters<typeof onnxImportEstimator.fit>[3],
): Promise<ImportedOnnxModel> {
  const m = (await onnxImportEstimator.fit(data, undefined, params, task, { seed: 0 })) as ImportedOnnxModel;
  opened.push(m);
  return m;
}

describe("onnx import", () => {
  it("is registered under 'onnx'", () => {
    expect(estimatorFor("onnx")).toBe(onnxImportEstimator);
  });

  it("wraps a binary classifier: picks the probabilities output, P(positive) sync and async, merged export matches", async () => {
    const model = await fitImported(
      X3,
      { path: writeClassifier("clf.onnx") },
      { kind: "binary", classes: ["no", "yes"] },
    );
    const p = model.predict(X3.X);
    expect(p.length).toBe(50);
    for (let i = 0; i < 50; i++) expect(p[i]).toBeCloseTo(expectedPositive(i), 6);
    expect(Array.from(await model.predictAsync(X3.X))).toEqual(Array.from(p));
    await expectOnnxParity(model, X3.X);
  });

  it("wraps a multiclass view of the same file and a double-typed rank-1 regressor", async () => {
    const multi = await fitImported(
      X3,
      { path: writeClassifier("clf2.onnx") },
      { kind: "multiclass", classes: ["no", "yes"] },
    );
    expect(multi.outputWidth).toBe(2);
    const pm = multi.predict(X3.X);
    expect(pm[1]).toBeCloseTo(expectedPositive(0), 6);
    await expectOnnxParity(multi, X3.X);
    const X2 = rows(
      Array.from({ length: 20 }, (_, i) => [i * 0.5, 100 - i]),
      ["u", "v"],
    );
    const reg = await fitImported(X2, { path: writeDoubleRegressor("reg.onnx") }, { kind: "regression" });
    const pr = reg.predict(X2.X);
    for (let i = 0; i < 20; i++) expect(pr[i]).toBeCloseTo(3 * i * 0.5 - 2 * (100 - i) + 10, 4);
    await expectOnnxParity(reg, X2.X);
  });

  it("imports mlc's own isolation-forest export (ai.onnx.ml TreeEnsemble) with identical scores", async () => {
    const iris = labelled("sklearn_iris.csv", "species");
    const [train, test] = splitRows(iris, 3);
    const forest = await isolationForestEstimator.fit(
      { X: train.X },
      undefined,
      { trees: 20, sample_size: 64 },
      { kind: "anomaly" },
      { seed: 9 },
    );
    const file = path.join(dir, "iforest.onnx");
    writeFileSync(file, modelToOnnxBytes(forest));
    const imported = await fitImported({ X: train.X }, { path: file }, { kind: "anomaly" });
    const a = forest.predict(test.X);
    const b = imported.predict(test.X);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 5);
    await expectOnnxParity(imported, test.X);
  });

  it("merges twice into one graph without name clashes, behind a preprocessing node", async () => {
    const model = await fitImported(
      X3,
      { path: writeClassifier("clf3.onnx") },
      { kind: "binary", classes: ["no", "yes"] },
    );
    const g = new OnnxGraph();
    g.input("raw", "float", ["N", 3]);
    const pre = g.op("Identity", ["raw"]);
    g.node("Identity", [model.toOnnx(g, pre)], ["first"]);
    g.node("Identity", [model.toOnnx(g, "raw")], ["second"]);
    g.output("first", "float", ["N", 1]);
    g.output("second", "float", ["N", 1]);
    const s = await loadSession(g.toBytes());
    const data = Float32Array.from({ length: 150 }, (_, k) => X3.X.columns[k % 3]![Math.floor(k / 3)]!);
    const out = await s.run({ raw: { type: "float", data, dims: [50, 3] } });
    await s.release();
    expect(Array.from(out.first!.data as Float32Array)).toEqual(Array.from(out.second!.data as Float32Array));
    expect((out.first!.data as Float32Array)[7]).toBeCloseTo(expectedPositive(7), 6);
  });

  it("serialises the model verbatim and detects corruption by hash", async () => {
    const model = await fitImported(
      X3,
      { path: writeClassifier("clf4.onnx") },
      { kind: "binary", classes: ["no", "yes"] },
    );
    const bytes = model.serialize();
    const back = onnxImportEstimator.deserialize(bytes) as ImportedOnnxModel;
    opened.push(back);
    expect(Array.from(back.predict(X3.X))).toEqual(Array.from(model.predict(X3.X)));
    const corrupt = Uint8Array.from(bytes);
    corrupt[corrupt.length - 20] = corrupt[corrupt.length - 20]! ^ 0xff;
    expect(() => onnxImportEstimator.deserialize(corrupt)).toThrow(/corrupt/);
  });

  it("explains what is wrong with a file it cannot use", async () => {
    const binary = { kind: "binary", classes: ["n", "y"] } as const;
    await expect(fitImported(X3, { path: path.join(dir, "missing.onnx") }, binary)).rejects.toThrow(
      /cannot read .*missing\.onnx: ENOENT/,
    );
    await expect(fitImported(X3, {}, binary)).rejects.toThrow(/onnx\("model\.onnx"\)/);
    const junk = path.join(dir, "junk.onnx");
    writeFileSync(junk, "definitely not protobuf \u0000\u0001\u0002");
    await expect(fitImported(X3, { path: junk }, binary)).rejects.toThrow(/onnx/);
    const twoFeatures = rows([[1, 2]], ["a", "b"]);
    await expect(fitImported(twoFeatures, { path: writeClassifier("clf5.onnx") }, binary)).rejects.toThrow(
      /expects 3 features, the model block provides 2/,
    );
    await expect(
      fitImported(
        X3,
        { path: writeClassifier("clf6.onnx") },
        { kind: "multiclass", classes: ["a", "b", "c"] },
      ),
    ).rejects.toThrow(/2 value\(s\) per row; a multiclass model needs 3/);
    await expect(
      fitImported(X3, { path: writeClassifier("clf7.onnx"), output: "score" }, binary),
    ).rejects.toThrow(/no output 'score'/);
    const old = await fitImported(X3, { path: writeClassifier("clf8.onnx", 11) }, binary);
    expect(() => modelToOnnxBytes(old)).toThrow(/opset 11/);
  });
});
