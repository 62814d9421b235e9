// The model executor's report and calibration: report.json/report.html stored per version with
// metrics, curves, TreeSHAP importance, partial dependence, fairness, tuning and the champion
// comparison; `calibrate = isotonic` in batch predictions and in the deployable ONNX graph alike.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deserializePipeline } from "../../src/data/pipeline.js";
import { loadTable } from "../../src/data/table-artifact.js";
import { loadEstimator } from "../../src/ml/algorithms.js";
import { applyCalibrator, fitCalibrator } from "../../src/ml/calibration/index.js";
import type { TrainedModel } from "../../src/ml/estimator.js";
import type { ReportJson } from "../../src/ml/report/index.js";
import { openArtifacts } from "../../src/runtime/artifacts/store.js";
import { calibratedModel, calibrateModel } from "../../src/kinds/model/calibrate.js";
import type { ModelSpec } from "../../src/kinds/model/model-spec.js";
import { scoreWithOnnx } from "../../src/kinds/model/onnx-bundle.js";
import { treeShapImportance } from "../../src/kinds/model/report.js";
import { ModelRegistry, type ModelVersion } from "../../src/registry/model-registry.js";
import { openState } from "../../src/runtime/state/open.js";
import { applyQuiet, writeProject } from "../cli/model-project.js";

const f64 = (b: Uint8Array) => new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

describe("calibration wrapper", () => {
  const raw: TrainedModel = {
    algorithm: "fake",
    task: { kind: "binary", classes: ["no", "yes"] },
    featureNames: ["a"],
    outputWidth: 1,
    predict: (X) => Float64Array.from(X.columns[0]!, (v) => 1 / (1 + Math.exp(-3 * v))),
    serialize: () => new Uint8Array([1, 2, 3]),
    toOnnx: () => "score",
  };
  const X = { nRows: 6, columns: [Float32Array.from([-2, -1, -0.5, 0.5, 1, 2])], names: ["a"] };
  const y = Float64Array.from([0, 0, 1, 0, 1, 1]);

  it("applies the calibrator to predictions and keeps the raw model's bytes", () => {
    const c = fitCalibrator("platt", raw.predict(X), y);
    const m = calibratedModel(raw, c);
    expect(Array.from(m.predict(X))).toEqual(Array.from(applyCalibrator(c, raw.predict(X))));
    expect(Array.from(m.predict(X))).not.toEqual(Array.from(raw.predict(X)));
    expect(m.serialize()).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("fits nothing for calibrate = none and refuses multiclass models", () => {
    const spec = { name: "m", calibrate: "none" } as ModelSpec;
    expect(calibrateModel(spec, raw, { X, y })).toBeUndefined();
    const multi = { ...raw, task: { kind: "multiclass" as const, classes: ["a", "b", "c"] }, outputWidth: 3 };
    expect(() => calibrateModel({ ...spec, calibrate: "isotonic" }, multi, { X, y })).toThrow(
      /binary classifiers/,
    );
    expect(() => calibrateModel({ ...spec, calibrate: "platt" }, raw, undefined)).toThrow(/validation rows/);
  });

  it("gives no TreeSHAP importance for a model without trees", () => {
    expect(treeShapImportance(raw, X)).toBeUndefined();
  });
});

describe("model run report", () => {
  let dir: string;
  let v1: ModelVersion;
  let report1: ReportJson;
  const readReport = async (v: ModelVersion): Promise<ReportJson> =>
    JSON.parse(
      new TextDecoder().decode(await openArtifacts(dir).get(v.artifacts.report_json!)),
    ) as ReportJson;

  beforeAll(async () => {
    dir = writeProject();
    await applyQuiet(dir);
    const state = await openState(dir);
    try {
      v1 = (await new ModelRegistry(state).version("m", 1))!;
    } finally {
      await state.close();
    }
    report1 = await readReport(v1);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("stores report.json and a self-contained report.html with the version", async () => {
    expect(v1.artifacts.report_json).toMatch(/^[0-9a-f]{64}$/);
    const html = new TextDecoder().decode(await openArtifacts(dir).get(v1.artifacts.report_html!));
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain("<svg");
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
  });

  it("reports the executor's metrics with intervals for valid and test, curves and the confusion matrix", () => {
    const auc = report1.splits.test!.metrics.find((m) => m.name === "auc")!;
    expect(auc.value).toBeCloseTo(v1.metrics["test.auc"]!, 10);
    expect(auc.lower).toBeCloseTo(v1.metrics["test.auc.lower"]!, 10);
    expect(auc.lower!).toBeLessThanOrEqual(auc.value!);
    expect(report1.splits.valid!.rows).toBe(v1.metrics["valid.rows"]);
    expect(report1.curves!.roc!.x.length).toBeGreaterThan(2);
    expect(report1.curves!.pr!.x.length).toBeGreaterThan(2);
    expect(report1.curves!.ece).toBeGreaterThanOrEqual(0);
    const counts = report1.confusion!.counts.flat().reduce((a, b) => a + b, 0);
    expect(counts).toBe(v1.metrics["test.rows"]);
    expect(report1.confusion!.labels).toEqual(["no", "yes"]);
  });

  it("ranks the informative feature first by TreeSHAP and gives partial dependence for the top three", () => {
    expect(report1.importance!.method).toBe("treeshap");
    expect(report1.importance!.features[0]!.feature).toBe("a");
    const x3 = report1.importance!.features.find((f) => f.feature === "c")!;
    expect(x3.value).toBeLessThan(report1.importance!.features[0]!.value);
    expect(report1.partialDependence!.map((p) => p.feature)).toEqual(
      report1.importance!.features.slice(0, 3).map((f) => f.feature),
    );
    const pd = report1.partialDependence![0]!;
    expect(pd.average.at(-1)![0]!).toBeGreaterThan(pd.average[0]![0]!);
  });

  it("has a fairness table by the categorical input, the tuning history and the calibration", () => {
    expect(report1.fairness).toHaveLength(1);
    expect(report1.fairness![0]!.by).toBe("grp");
    expect(report1.fairness![0]!.source).toMatch(/largest parity difference/);
    expect(report1.fairness![0]!.report.groups.map((g) => g.group).sort()).toEqual(["a", "b", "c"]);
    expect(report1.tuning!.trials).toHaveLength(3);
    expect(report1.tuning!.history).toHaveLength(3);
    expect(report1.tuning!.paramImportance.map((p) => p.param).sort()).toEqual([
      "learning_rate",
      "max_depth",
    ]);
    expect(report1.calibration).toMatchObject({ method: "isotonic", split: "valid" });
    expect(report1.champion).toMatchObject({ status: "first_run" });
  });

  it("puts the calibrator in the deployable graph: ONNX scores equal the calibrated batch predictions, not the raw model's", async () => {
    const store = openArtifacts(dir);
    const pipeline = deserializePipeline(await store.get(v1.artifacts.pipeline!));
    const table = await loadTable(store, v1.artifacts.test_table!);
    const onnx = await scoreWithOnnx(await store.get(v1.artifacts.onnx!), pipeline.rawInputs, table);
    const batch = f64(await store.get(v1.artifacts.test_predictions!));
    const rawModel = (await loadEstimator("gbdt"))!.deserialize(await store.get(v1.artifacts.model!));
    const raw = rawModel.predict(pipeline.transform(table));
    let maxDiff = 0;
    let rawDiff = 0;
    for (let i = 0; i < batch.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(onnx[i]! - batch[i]!));
      rawDiff = Math.max(rawDiff, Math.abs(raw[i]! - batch[i]!));
    }
    expect(maxDiff).toBeLessThan(1e-4);
    expect(rawDiff).toBeGreaterThan(1e-3);
    expect(v1.artifacts.calibrator).toBeDefined();
  });

  it("compares a new version with the champion on the same test rows (paired bootstrap, DeLong, McNemar)", async () => {
    let state = await openState(dir);
    await new ModelRegistry(state).setAlias("m", "champion", 1, "test");
    await state.close();
    const spec = join(dir, "synth.mlspec");
    writeFileSync(spec, readFileSync(spec, "utf8").replace("trees         = 30", "trees         = 5"));
    await applyQuiet(dir);
    state = await openState(dir);
    const v2 = (await new ModelRegistry(state).version("m", 2))!;
    await state.close();
    const r2 = await readReport(v2);
    expect(r2.champion!.status).toBe("compared");
    if (r2.champion!.status !== "compared") return;
    expect(r2.champion!.version).toBe(1);
    const tests = r2.champion!.rows.map((r) => `${r.metric}:${r.test}`);
    expect(tests).toEqual(expect.arrayContaining(["auc:paired_bootstrap", "auc:delong", "accuracy:mcnemar"]));
    const delong = r2.champion!.rows.find((r) => r.test === "delong")!;
    // The champion is re-scored through its ONNX graph (float32): isotonic plateaus may tie differently.
    expect(delong.champion).toBeCloseTo(v1.metrics["test.auc"]!, 2);
    expect(delong.challenger).toBeCloseTo(v2.metrics["test.auc"]!, 6);
    expect(delong.pValue!).toBeGreaterThanOrEqual(0);
    expect(delong.pValue!).toBeLessThanOrEqual(1);
  }, 60_000);
});
