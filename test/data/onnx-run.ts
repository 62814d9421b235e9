// Runs a fitted pipeline's ONNX form on a table with onnxruntime, feeding each raw column as
// the [N, 1] tensor the pipeline declares, and returns the output as columns.
import type { ColumnTable } from "arquero";
import { OnnxGraph } from "../../src/onnx/builder.js";
import { type FeedValue, loadSession } from "../../src/onnx/session.js";
import { columnAsKind } from "../../src/data/evaluate-batch.js";
import type { FittedPipeline } from "../../src/data/pipeline.js";

export async function runOnnx(p: FittedPipeline, t: ColumnTable): Promise<Float32Array[]> {
  const g = new OnnxGraph("pipeline");
  const { inputs, output } = p.toOnnx(g);
  const d = p.outputNames.length;
  g.output(output, "float", ["N", d]);
  const s = await loadSession(g.toBytes());
  const n = t.numRows();
  const feeds: Record<string, FeedValue> = {};
  for (const inp of inputs) {
    const kind = inp.type === "float" ? "num" : inp.type === "string" ? "str" : "time";
    const v = columnAsKind(t, inp.name, kind);
    feeds[inp.name] =
      inp.type === "float"
        ? { type: "float", data: v.v as Float32Array, dims: [n, 1] }
        : inp.type === "string"
          ? { type: "string", data: v.v as string[], dims: [n, 1] }
          : { type: "double", data: v.v as Float64Array, dims: [n, 1] };
  }
  const out = await s.run(feeds);
  await s.release();
  const flat = out[output]!.data as Float32Array;
  return Array.from({ length: d }, (_, j) => Float32Array.from({ length: n }, (_, i) => flat[i * d + j]!));
}
