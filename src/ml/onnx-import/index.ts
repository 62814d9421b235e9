// Registers "onnx": `algorithm = onnx("model.onnx")` wraps a model trained elsewhere (scikit-learn,
// XGBoost via their converters) so it is evaluated, gated, exported and served like any other.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { decodeModel } from "../../onnx/builder.js";
import { loadSession } from "../../onnx/session.js";
import type { Dataset, Estimator, Params, ParamSpec, Task } from "../estimator.js";
import { registerEstimator } from "../estimator-registry.js";
import { toRowMajor } from "../matrix.js";
import { ParamReader } from "../nn/param-values.js";
import { ImportedOnnxModel, sha256 } from "./imported-model.js";
import { readSignature } from "./onnx-signature.js";
import { ONNX_IMPORT_PARAMS as ONNX_IMPORT_SPEC } from "../../ir/params/onnx-import.js";

export const ONNX_IMPORT_PARAMS: readonly ParamSpec[] = ONNX_IMPORT_SPEC.params;

export async function importOnnx(train: Dataset, params: Params, task: Task): Promise<ImportedOnnxModel> {
  const p = new ParamReader("onnx", ONNX_IMPORT_PARAMS, params);
  const file = p.string("path");
  if (file === "") throw new Error('onnx: no model file given: write algorithm = onnx("model.onnx")');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path.resolve(file)));
  } catch (e) {
    throw new Error(
      `onnx: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  let decoded;
  try {
    decoded = decodeModel(bytes);
  } catch (e) {
    throw new Error(`onnx: ${file} is not an ONNX model (${(e as Error).message})`);
  }
  const d = train.X.columns.length;
  const signature = readSignature(decoded, file, d, task, p.string("output"));
  const expectedWidth = task.kind === "multiclass" ? task.classes.length : 1;
  // Probe a few training rows to learn the output's shape (converters often leave it symbolic).
  const probeRows = Math.min(train.X.nRows, 16);
  const probe = {
    nRows: probeRows,
    names: train.X.names,
    columns: train.X.columns.map((c) => c.subarray(0, probeRows)),
  };
  let raw: Float64Array;
  let rank: number;
  try {
    const session = await loadSession(bytes);
    try {
      const X = toRowMajor(probe);
      const feed =
        signature.inputType === "double"
          ? { type: "double" as const, data: Float64Array.from(X), dims: [probeRows, d] }
          : { type: "float" as const, data: X, dims: [probeRows, d] };
      const out = (await session.run({ [signature.inputName]: feed }))[signature.outputName]!;
      raw = Float64Array.from(out.data as ArrayLike<number>, Number);
      rank = out.dims.length;
    } finally {
      await session.release();
    }
  } catch (e) {
    throw new Error(
      `onnx: ONNX Runtime cannot run ${file} on the training features: ${(e as Error).message}`,
    );
  }
  const width = probeRows > 0 ? raw.length / probeRows : expectedWidth;
  let column = -1;
  if (task.kind === "binary" && width === 2) column = 1;
  else if (width !== expectedWidth) {
    throw new Error(
      `onnx: output '${signature.outputName}' of ${file} has ${width} value(s) per row; a ${task.kind} model needs ${expectedWidth}${task.kind === "binary" ? " (P(positive)) or 2 (class probabilities)" : ""}`,
    );
  }
  if (rank > 2)
    throw new Error(
      `onnx: output '${signature.outputName}' of ${file} has rank ${rank}; expected [N] or [N, k]`,
    );
  return new ImportedOnnxModel(
    {
      task,
      featureNames: [...train.X.names],
      source: file,
      sha256: sha256(bytes),
      signature,
      outputWidth: width,
      column,
      outputRank: rank,
    },
    bytes,
  );
}

export const onnxImportEstimator: Estimator = {
  algorithm: "onnx",
  tasks: ["binary", "multiclass", "regression", "ranking", "anomaly"],
  params: ONNX_IMPORT_PARAMS,
  fit: (train, _valid, params, task, ctx) => {
    if (ctx.signal?.aborted)
      return Promise.reject(
        ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error("training aborted"),
      );
    return importOnnx(train, params, task);
  },
  deserialize: (bytes) => ImportedOnnxModel.deserialize(bytes),
};

registerEstimator(onnxImportEstimator);
