// `npm run bench -- predict`: the JS tree-ensemble predictor beside an onnxruntime session of the
// same model, in the same run: churn GBDT (200 trees, depth 6), single row and 1,024-row batch.
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { fitGbdt } from "../../src/ml/gbdt/booster.js";
import { toRowMajor, type Matrix } from "../../src/ml/matrix.js";
import { loadSession } from "../../src/onnx/session.js";
import { modelToOnnxBytes } from "../../src/ml/standalone-onnx.js";
import { readNumericCsv } from "../gbdt/csv.js";

const here = dirname(fileURLToPath(import.meta.url));
// dist/bench/predict → repository root; the shared datasets sit beside it unless MLC_DATASETS says where.
const repoRoot = resolve(here, "../../..");
const splits = join(process.env.MLC_DATASETS ?? resolve(repoRoot, "../shared/datasets"), "splits");

const fmt = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : "n/a");

/** CPU milliseconds (user + system) per call: the median of `rounds` rounds of `iters` calls. */
async function cpuPerCall(fn: () => unknown, iters: number, rounds = 7): Promise<number> {
  for (let i = 0; i < 20; i++) await fn();
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < iters; i++) await fn();
    const d = process.cpuUsage(t0);
    per.push((d.user + d.system) / 1000 / iters);
  }
  per.sort((a, b) => a - b);
  return per[rounds >> 1]!;
}

/** How much to measure: the bench's defaults, or a few trees and calls for the test suite's smoke run. */
export interface PredictBenchSize {
  trees: number;
  reps: number;
  /** Calls per timed round: single row, then the 1,024-row batch. */
  calls: [number, number];
}

const FULL: PredictBenchSize = { trees: 200, reps: 3, calls: [200, 10] };

/** Prints JS and ONNX latency of one binary GBDT; `train`/`test` are the churn split in the bench. */
export async function predictLatency(
  train: Matrix,
  y: Float64Array,
  test: Matrix,
  size: PredictBenchSize = FULL,
): Promise<void> {
  const model = await fitGbdt(
    { X: train, y },
    undefined,
    { trees: size.trees, max_depth: 6, learning_rate: 0.1 },
    { kind: "binary", classes: ["0", "1"] },
    { seed: 0 },
  );
  const session = await loadSession(modelToOnnxBytes(model));
  const d = test.columns.length;
  const rowMajor = toRowMajor(test);
  const bigRows = new Float32Array(1024 * d);
  for (let i = 0; i < 1024; i++)
    bigRows.set(rowMajor.subarray((i % test.nRows) * d, ((i % test.nRows) + 1) * d), i * d);
  const oneRow: Matrix = { nRows: 1, names: test.names, columns: test.columns.map((c) => c.subarray(0, 1)) };
  const bigMatrix: Matrix = {
    nRows: 1024,
    names: test.names,
    columns: test.columns.map((c) => Float32Array.from({ length: 1024 }, (_, i) => c[i % test.nRows]!)),
  };
  // Alternate the two so background load hits both alike.
  const onnx1: number[] = [];
  const js1: number[] = [];
  const onnxB: number[] = [];
  const jsB: number[] = [];
  for (let rep = 0; rep < size.reps; rep++) {
    onnx1.push(
      await cpuPerCall(
        () => session.run({ features: { type: "float", data: bigRows.subarray(0, d), dims: [1, d] } }),
        size.calls[0],
      ),
    );
    js1.push(await cpuPerCall(() => model.predict(oneRow), size.calls[0]));
    onnxB.push(
      await cpuPerCall(
        () => session.run({ features: { type: "float", data: bigRows, dims: [1024, d] } }),
        size.calls[1],
      ),
    );
    jsB.push(await cpuPerCall(() => model.predict(bigMatrix), size.calls[1]));
  }
  await session.release();
  const best = (v: number[]) => Math.min(...v);
  const w = (s: string, n: number) => s.padEnd(n);
  process.stdout.write(
    `GBDT (${size.trees} trees, depth 6, ${d} features), CPU ms per call (onnxruntime-node, 1 intra-op thread); ` +
      `load average ${loadavg()[0]!.toFixed(2)}\n`,
  );
  process.stdout.write(`${w("", 18)} ${w("ONNX ms", 10)} ${w("mlc JS ms", 10)} JS/ONNX (target ≤ 1)\n`);
  for (const [label, o, j] of [
    ["single row", best(onnx1), best(js1)],
    ["1,024-row batch", best(onnxB), best(jsB)],
  ] as const)
    process.stdout.write(`${w(label, 18)} ${w(fmt(o, 4), 10)} ${w(fmt(j, 4), 10)} ${fmt(j / o, 2)}\n`);
}

/** The smoke run's data: 300 seeded rows of 4 features, a label from two of them. */
function smokeData(): { X: Matrix; y: Float64Array } {
  const n = 300;
  const columns = [0, 1, 2, 3].map((j) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * (j + 1))));
  const X: Matrix = { nRows: n, names: ["a", "b", "c", "d"], columns };
  return {
    X,
    y: Float64Array.from({ length: n }, (_, i) => (columns[0]![i]! + columns[1]![i]! > 0 ? 1 : 0)),
  };
}

/** `--smoke`: 3 trees on 300 generated rows, one round of a call or two (the test suite's smoke run). */
export async function run(args: string[]): Promise<void> {
  if (args.includes("--smoke")) {
    const { X, y } = smokeData();
    return predictLatency(X, y, X, { trees: 3, reps: 1, calls: [2, 1] });
  }
  const trainCsv = join(splits, "mlc_churn_train.csv");
  if (!existsSync(trainCsv)) {
    process.stdout.write(`skipped: ${trainCsv} not found (the shared datasets are not on this machine)\n`);
    return;
  }
  const tr = readNumericCsv(trainCsv, true);
  const te = readNumericCsv(join(splits, "mlc_churn_test.csv"), true);
  await predictLatency(tr.X, tr.y, te.X);
}
