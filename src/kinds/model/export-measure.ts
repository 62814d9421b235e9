// The model executor's edge-export step: for each precision of `export { quantize = … }`, the
// deployable graph is quantised (src/onnx/quantize.ts) and both graphs score the test rows in
// onnxruntime; `export.PRECISION.*` records the size, the largest score difference and the change
// of the test metrics, for gates. `mlc export --quantize` writes the same quantised graph.
import type { ColumnTable } from "arquero";
import { NodeFailure, type ExecContext } from "../../ir/executor.js";
import type { Json } from "../../ir/graph-ir.js";
import { EXPORT_PRECISIONS, type ExportPrecision } from "../../ir/export-names.js";
import { readBlock } from "../../ir/node-config.js";
import type { RawInput } from "../../data/pipeline.js";
import type { Task } from "../../ml/estimator.js";
import { metricFor } from "../../ml/metrics/index.js";
import { quantizeModel } from "../../onnx/quantize.js";
import { scoreWithOnnx } from "./onnx-bundle.js";

/** The precisions of a model's export block, or undefined without one. */
export function exportPrecisionsOf(config: { [k: string]: Json }): ExportPrecision[] | undefined {
  const b = readBlock(config).blocks.export?.[0];
  if (!b) return undefined;
  const v = b.attributes.quantize;
  const names = (Array.isArray(v) ? v : [v]).flatMap((x) =>
    typeof x === "string"
      ? [x]
      : x && typeof x === "object" && "$ref" in x && Array.isArray(x.$ref)
        ? [String(x.$ref[0])]
        : [],
  );
  return EXPORT_PRECISIONS.filter((p) => names.includes(p));
}

/** The metrics whose change an export records, per task: `auc` and `accuracy`, or `rmse`. */
const DELTAS: Partial<Record<Task["kind"], string[]>> = {
  binary: ["auc", "accuracy"],
  multiclass: ["accuracy"],
  regression: ["rmse"],
};

export interface ExportInput {
  onnx: Uint8Array;
  rawInputs: readonly RawInput[];
  task: Task;
  width: number;
  threshold?: number;
  test?: { table: ColumnTable; y?: Float64Array };
}

/** `export.PRECISION.*` metrics, or undefined when the model declares no export. */
export async function measureExports(
  ctx: ExecContext,
  inp: ExportInput,
): Promise<Record<string, number> | undefined> {
  const precisions = exportPrecisionsOf(ctx.node.config);
  if (!precisions) return undefined;
  const where = `model ${ctx.node.name}: export`;
  const test = inp.test;
  if (!test?.y || test.table.numRows() === 0)
    throw new NodeFailure(
      `${where} measures the quantised graph on the labelled test rows, and the split gave none`,
      {
        code: "MLC2471",
        hint: "give the split a test part: `test = 15%`",
      },
    );
  const y = test.y;
  const decision =
    inp.task.kind === "binary" && inp.threshold !== undefined
      ? { decision: { threshold: inp.threshold } }
      : {};
  const compute = (name: string, pred: Float64Array): number =>
    metricFor(name)!.compute({ y, pred, width: inp.width, ...decision });
  const before = await scoreWithOnnx(inp.onnx, inp.rawInputs, test.table);
  const metrics: Record<string, number> = {};
  for (const p of precisions) {
    const q = quantizeModel(inp.onnx, p);
    if ("refused" in q)
      throw new NodeFailure(`${where} { quantize = ${p} }: ${q.refused}`, {
        code: "MLC2471",
        hint: "remove the export block, or use a model with weights (`logistic`, `linear`, `mlp`)",
      });
    const after = await scoreWithOnnx(q.bytes, inp.rawInputs, test.table);
    let maxAbsDiff = 0;
    for (let i = 0; i < before.length; i++)
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(after[i]! - before[i]!));
    metrics[`export.${p}.size_bytes`] = q.bytes.byteLength;
    metrics[`export.${p}.size_ratio`] = q.bytes.byteLength / inp.onnx.byteLength;
    metrics[`export.${p}.max_abs_diff`] = maxAbsDiff;
    for (const name of DELTAS[inp.task.kind] ?? []) {
      const d = compute(name, after) - compute(name, before);
      if (Number.isFinite(d)) metrics[`export.${p}.${name}_delta`] = d;
    }
    ctx.log(
      `export ${p}: ${inp.onnx.byteLength} → ${q.bytes.byteLength} bytes, max |Δscore| ${maxAbsDiff.toPrecision(3)} on ${test.table.numRows()} test rows`,
    );
  }
  return metrics;
}
