// `mlc export --quantize float16|int8`: shrinks a bundle's ONNX graph (src/onnx/quantize.ts) and
// measures what it costs on the model version's test rows: both graphs score the rows in
// onnxruntime, and the report holds the sizes, the largest score difference and the change of the
// task's headline metric (AUC, accuracy or RMSE).
import { NodeFailure } from "../ir/executor.js";
import { loadTable } from "../data/table-artifact.js";
import { quantizeModel, type Precision } from "../onnx/quantize.js";
import { metricFor } from "../ml/metrics/index.js";
import { ModelRegistry } from "../registry/model-registry.js";
import { ONNX_INPUT_TYPE, type LoadedBundle } from "../serve/bundle.js";
import { scoreWithOnnx } from "../kinds/model/onnx-bundle.js";
import { targets } from "../kinds/model/labels.js";
import { readModelSpec } from "../kinds/model/model-spec.js";
import { decodeModelResult } from "../kinds/model/results.js";
import { openArtifacts } from "./artifacts/store.js";
import { openState } from "./state/open.js";

export interface EdgeReport {
  precision: Precision;
  /** Bytes of model.onnx before and after, and their ratio (after / before). */
  sizeBefore: number;
  sizeAfter: number;
  sizeRatio: number;
  /** Weight tensors and values converted. */
  tensors: number;
  values: number;
  /** Test rows scored by both graphs, and the largest absolute difference of a score. */
  rows: number;
  maxAbsDiff: number;
  /** The headline metric on the test rows with each graph, and after − before. */
  metric?: { name: string; before: number; after: number; delta: number };
}

/** The metric a quantised export reports the change of, per bundle task. */
const HEADLINE: Record<string, string> = { binary: "auc", multiclass: "accuracy", regression: "rmse" };

/** The quantised graph of a bundle and what it costs, measured on its version's test rows. */
export async function quantizeBundle(
  projectDir: string,
  bundle: LoadedBundle,
  precision: Precision,
): Promise<{ onnx: Uint8Array; report: EdgeReport }> {
  const q = quantizeModel(bundle.onnx, precision);
  if ("refused" in q)
    throw new NodeFailure(`--quantize ${precision}: ${bundle.meta.model}: ${q.refused}`, { code: "MLC2471" });
  const { meta } = bundle;
  const state = await openState(projectDir);
  try {
    const version = await new ModelRegistry(state).version(meta.model, meta.version);
    const record = await state.getNode(`model.${meta.model}`);
    const testHash = version?.artifacts.test_table;
    if (!version || !record || !testHash)
      throw new NodeFailure(
        `--quantize ${precision}: ${meta.model} version ${meta.version} has no test rows in this project's state to measure the parity loss on`,
        {
          code: "MLC2471",
          hint: "export from the project that trained the version (--dir), with a split that has a test part",
        },
      );
    const table = await loadTable(openArtifacts(projectDir), testHash);
    const raw = meta.inputs.map((i) => ({ name: i.name, type: ONNX_INPUT_TYPE[i.type] }));
    const before = await scoreWithOnnx(bundle.onnx, raw, table);
    let after: Float64Array;
    try {
      after = await scoreWithOnnx(q.bytes, raw, table);
    } catch (e) {
      throw new NodeFailure(
        `--quantize ${precision}: onnxruntime cannot run the quantised graph: ${(e as Error).message}`,
        { code: "MLC2471" },
      );
    }
    let maxAbsDiff = 0;
    for (let i = 0; i < before.length; i++)
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(after[i]! - before[i]!));
    const report: EdgeReport = {
      precision,
      sizeBefore: bundle.onnx.byteLength,
      sizeAfter: q.bytes.byteLength,
      sizeRatio: q.bytes.byteLength / bundle.onnx.byteLength,
      tensors: q.tensors,
      values: q.values,
      rows: table.numRows(),
      maxAbsDiff,
    };
    const name = HEADLINE[meta.task.kind];
    const spec = readModelSpec(meta.model, record.node.config);
    const task = decodeModelResult(meta.model, record.result?.summary).task;
    const y = name ? targets(table, spec.task, task, "test") : undefined;
    if (name && y) {
      const width = meta.output.width;
      const threshold = meta.task.kind === "binary" ? (meta.task.threshold ?? 0.5) : undefined;
      const m = (pred: Float64Array): number =>
        metricFor(name)!.compute({
          y,
          pred,
          width,
          ...(threshold !== undefined ? { decision: { threshold } } : {}),
        });
      const b = m(before);
      const a = m(after);
      report.metric = { name, before: b, after: a, delta: a - b };
    }
    return { onnx: q.bytes, report };
  } finally {
    await state.close();
  }
}
