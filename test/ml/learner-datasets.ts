// Test support for the learner tests: loads the CSV datasets shipped in test/fixtures/datasets into
// Datasets, checks ONNX parity against predict, and computes AUC independently.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { Dataset, TrainedModel } from "../../src/ml/estimator.js";
import { toRowMajor, type Matrix } from "../../src/ml/matrix.js";
import { loadSession } from "../../src/onnx/session.js";
import { modelToOnnxBytes } from "../../src/ml/standalone-onnx.js";
import { Rng } from "../../src/ml/random.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Small slices of public datasets (test/fixtures/datasets/README.md says which rows). */
export const datasetsDir = path.resolve(repoRoot, "test/fixtures/datasets");

export function readCsv(file: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(path.join(datasetsDir, file), "utf8").trim().split(/\r?\n/);
  const header = lines[0]!.split(",").map((h) => h.replace(/^"|"$/g, ""));
  return { header, rows: lines.slice(1).map((l) => l.split(",").map((c) => c.replace(/^"|"$/g, ""))) };
}

function matrixOf(rows: string[][], cols: number[], names: string[]): Matrix {
  return {
    nRows: rows.length,
    names,
    columns: cols.map((c) =>
      Float32Array.from(rows, (r) => (r[c] === "" || r[c] === "NA" ? NaN : Number(r[c]))),
    ),
  };
}

/** A CSV whose first column is the numeric label (the fixed splits). */
export function labelFirst(file: string): Dataset {
  const { header, rows } = readCsv(file);
  const cols = header.slice(1).map((_, i) => i + 1);
  return { X: matrixOf(rows, cols, header.slice(1)), y: Float64Array.from(rows, (r) => Number(r[0])) };
}

/** A CSV with the label in `labelCol`; string labels become class indices in order of `classes`. */
export function labelled(
  file: string,
  labelCol: string,
  classes?: string[],
): Dataset & { classes: string[] } {
  const { header, rows } = readCsv(file);
  const li = header.indexOf(labelCol);
  const cols = header.map((_, i) => i).filter((i) => i !== li);
  const found = classes ?? [...new Set(rows.map((r) => r[li]!))].sort();
  const y = Float64Array.from(rows, (r) =>
    classes || Number.isNaN(Number(r[li])) ? found.indexOf(r[li]!) : Number(r[li]),
  );
  return {
    X: matrixOf(
      rows,
      cols,
      cols.map((i) => header[i]!),
    ),
    y,
    classes: found,
  };
}

/** Deterministic split of row indices: every `k`-th row goes to the second part. */
export function splitRows(d: Dataset, k: number): [Dataset, Dataset] {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < d.X.nRows; i++) (i % k === k - 1 ? b : a).push(i);
  const take = (idx: number[]): Dataset => ({
    X: {
      nRows: idx.length,
      names: d.X.names,
      columns: d.X.columns.map((c) => Float32Array.from(idx, (i) => c[i]!)),
    },
    y: d.y ? Float64Array.from(idx, (i) => d.y![i]!) : undefined,
  });
  return [take(a), take(b)];
}

/** onnxruntime-node on the exported model equals predict within `tol` (relative for |v| > 1) on every row. */
export async function expectOnnxParity(model: TrainedModel, X: Matrix, tol = 1e-5): Promise<void> {
  const expected = model.predict(X);
  const session = await loadSession(modelToOnnxBytes(model));
  try {
    const out = await session.run({
      features: { type: "float", data: toRowMajor(X), dims: [X.nRows, X.columns.length] },
    });
    const score = out.score!;
    expect(score.dims).toEqual([X.nRows, model.outputWidth]);
    const got = score.data as Float32Array;
    let worst = 0;
    let worstAt = -1;
    for (let i = 0; i < expected.length; i++) {
      const err = Math.abs(got[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!));
      if (!(err <= worst)) {
        worst = err;
        worstAt = i;
      }
    }
    expect(
      worst,
      `worst ONNX/JS difference at output ${worstAt}: onnx ${got[worstAt]} vs js ${expected[worstAt]}`,
    ).toBeLessThanOrEqual(tol);
  } finally {
    await session.release();
  }
}

/** ROC AUC by the rank-sum formula with average ranks for ties (independent of src/ml/metrics). */
export function rocAuc(score: ArrayLike<number>, positive: ArrayLike<number>): number {
  const n = score.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a]! - score[b]!);
  const rank = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && score[order[j + 1]!] === score[order[i]!]) j++;
    for (let t = i; t <= j; t++) rank[order[t]!] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let nPos = 0;
  let sumPos = 0;
  for (let i = 0; i < n; i++) {
    if (positive[i]) {
      nPos++;
      sumPos += rank[i]!;
    }
  }
  const nNeg = n - nPos;
  return (sumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

/** n rows of three standard-normal features a, b, c and a noisy binary label (a − b > 0), seeded. */
export function normalRows(n: number, seed: number): Dataset {
  const r = new Rng(seed);
  const columns = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (const c of columns) c[i] = r.normal();
    y[i] = columns[0]![i]! - columns[1]![i]! + 0.3 * r.normal() > 0 ? 1 : 0;
  }
  return { X: { nRows: n, columns, names: ["a", "b", "c"] }, y };
}
