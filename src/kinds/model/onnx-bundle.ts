// The deployable graph of a model branch: its fitted feature pipeline in front of the model, as
// one ONNX file with one [N, 1] input per raw column and a `score` output (DESIGN section 5).
// Also the feeds for a table, the parity check of ONNX against batch predictions, and the
// input schema that serving validates records with.
import type { ColumnTable } from "arquero";
import { columnValues } from "../../data/table-columns.js";
import type { FittedPipeline, RawInput } from "../../data/pipeline.js";
import type { TrainedModel } from "../../ml/estimator.js";
import type { Matrix } from "../../ml/matrix.js";
import { OnnxGraph } from "../../onnx/builder.js";
import { loadSession, type FeedValue } from "../../onnx/session.js";
import type { BundleInput } from "../../serve/bundle.js";
import { NodeFailure } from "../../ir/executor.js";

export function composeOnnx(name: string, pipeline: FittedPipeline, model: TrainedModel): Uint8Array {
  if (pipeline.batchOnly.length) {
    throw new NodeFailure(
      `model ${name}: features without an ONNX form cannot be deployed: ${pipeline.batchOnly.map((b) => `${b.feature} (${b.reason})`).join("; ")}`,
      { code: "MLC2206" },
    );
  }
  const g = new OnnxGraph(name);
  const { output } = pipeline.toOnnx(g);
  const score = model.toOnnx(g, output);
  g.node("Identity", [score], ["score"]);
  g.output("score", "float", ["N", model.outputWidth]);
  return g.toBytes();
}

/** ONNX feeds for the rows of a table: the encoding serving uses (null → NaN or ""). */
export function tableFeeds(t: ColumnTable, inputs: readonly RawInput[]): Record<string, FeedValue> {
  const n = t.numRows();
  const feeds: Record<string, FeedValue> = {};
  for (const input of inputs) {
    if (!t.columnNames().includes(input.name))
      throw new NodeFailure(`column '${input.name}' that the pipeline reads is missing`, { code: "MLC2206" });
    const values = columnValues(t, input.name) as ArrayLike<unknown>;
    if (input.type === "string") {
      const data = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        data[i] = v === null || v === undefined ? "" : String(v);
      }
      feeds[input.name] = { type: "string", data, dims: [n, 1] };
      continue;
    }
    const data = input.type === "double" ? new Float64Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      data[i] =
        v === null || v === undefined
          ? NaN
          : v instanceof Date
            ? v.getTime()
            : typeof v === "boolean"
              ? Number(v)
              : Number(v);
    }
    feeds[input.name] =
      input.type === "double"
        ? { type: "double", data: data as Float64Array, dims: [n, 1] }
        : { type: "float", data: data as Float32Array, dims: [n, 1] };
  }
  return feeds;
}

/** Scores every row of `t` through an ONNX graph made by composeOnnx: row-major n × width. */
export async function scoreWithOnnx(
  onnx: Uint8Array,
  inputs: readonly RawInput[],
  t: ColumnTable,
): Promise<Float64Array> {
  const session = await loadSession(onnx);
  try {
    const n = t.numRows();
    let out: Float64Array | undefined;
    for (let start = 0; start < n; start += 1024) {
      const part = t.slice(start, Math.min(n, start + 1024));
      const got = (await session.run(tableFeeds(part, inputs))).score!.data as Float32Array;
      out ??= new Float64Array(n * (got.length / part.numRows()));
      out.set(got, start * (got.length / part.numRows()));
    }
    return out ?? new Float64Array(0);
  } finally {
    await session.release();
  }
}

export interface ParityResult {
  rows: number;
  maxAbsDiff: number;
}

/** Runs the ONNX graph on `t` and compares with the batch predictions; fails the node beyond `tolerance`. */
export async function checkOnnxParity(
  name: string,
  onnx: Uint8Array,
  inputs: readonly RawInput[],
  t: ColumnTable,
  expected: Float64Array,
  tolerance = 1e-4,
): Promise<ParityResult> {
  const got = await scoreWithOnnx(onnx, inputs, t);
  let maxAbsDiff = 0;
  for (let i = 0; i < got.length; i++) {
    const e = expected[i]!;
    const d = Math.abs(got[i]! - e) / Math.max(1, Math.abs(e));
    if (!(d <= maxAbsDiff)) maxAbsDiff = Number.isNaN(d) ? Infinity : d;
  }
  if (got.length !== expected.length) maxAbsDiff = Infinity;
  if (maxAbsDiff > tolerance) {
    throw new NodeFailure(
      `model ${name}: the ONNX graph disagrees with the batch predictions (max difference ${maxAbsDiff.toExponential(2)} > ${tolerance}): training/serving parity is broken`,
      { code: "MLC2206" },
    );
  }
  return { rows: t.numRows(), maxAbsDiff };
}

/**
 * Runs the pipeline alone as an ONNX graph on `t` and compares each feature value bit for bit
 * with the batch matrix `X` (the model's input), so a value the graph computes differently
 * fails here even when no split threshold of this sample happens to separate the two. NaN
 * equals NaN and -0 equals 0 (no model input can tell them apart). A feature through an
 * inexact transform (log) may differ by float32 rounding (relative 1e-6); the prediction
 * check then bounds its effect.
 */
export async function checkFeatureParity(
  name: string,
  pipeline: FittedPipeline,
  t: ColumnTable,
  X: Matrix,
): Promise<void> {
  const g = new OnnxGraph(`${name}_features`);
  const { inputs, output } = pipeline.toOnnx(g);
  const width = pipeline.outputNames.length;
  g.output(output, "float", ["N", width]);
  const session = await loadSession(g.toBytes());
  try {
    const n = t.numRows();
    for (let start = 0; start < n; start += 1024) {
      const part = t.slice(start, Math.min(n, start + 1024));
      const got = (await session.run(tableFeeds(part, inputs)))[output]!.data as Float32Array;
      for (let i = 0; i < part.numRows(); i++) {
        for (let j = 0; j < width; j++) {
          const a = X.columns[j]![start + i]!;
          const b = got[i * width + j]!;
          if (a === b || (a !== a && b !== b)) continue;
          if (!pipeline.exact[j] && Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b))) continue;
          throw new NodeFailure(
            `model ${name}: feature '${pipeline.outputNames[j]}' of row ${start + i} is ${a} in training but ${b} in the ONNX graph: training/serving parity is broken`,
          );
        }
      }
    }
  } finally {
    await session.release();
  }
}

const MAX_CATEGORIES = 1000;

/**
 * The input schema serving validates records with: the declared column types where known (an
 * `int` column stays int, so 12.7 is refused), else types from the data; allowed categories
 * from all labelled rows.
 */
export function bundleInputs(
  inputs: readonly RawInput[],
  tables: readonly ColumnTable[],
  declared: Readonly<Record<string, unknown>> = {},
  refuseUnseen: readonly string[] = [],
): BundleInput[] {
  return inputs.map((input) => {
    let nullable = false;
    if (input.type !== "string") {
      let bool = true;
      for (const t of tables) {
        const values = columnValues(t, input.name) as ArrayLike<unknown>;
        for (let i = 0; i < values.length; i++) {
          const v = values[i];
          if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) nullable = true;
          else if (typeof v !== "boolean") bool = false;
        }
      }
      const type =
        input.type === "double"
          ? "timestamp"
          : declared[input.name] === "int"
            ? "int"
            : bool
              ? "bool"
              : "float";
      return {
        name: input.name,
        type,
        nullable,
      };
    }
    const seen = new Set<string>();
    for (const t of tables) {
      const values = columnValues(t, input.name) as ArrayLike<unknown>;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v === null || v === undefined) nullable = true;
        else seen.add(String(v));
      }
    }
    const strict = refuseUnseen.includes(input.name);
    return seen.size <= MAX_CATEGORIES || strict
      ? {
          name: input.name,
          type: "category",
          nullable,
          values: [...seen].sort(),
          ...(strict ? { unseen: "error" as const } : {}),
        }
      : { name: input.name, type: "string", nullable };
  });
}
