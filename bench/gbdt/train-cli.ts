// The mlc side of bench/gbdt as a whole process (timed from outside with /usr/bin/time):
// reads a numeric CSV (label first; a file of 32 MiB or more on all threads, csv.ts), trains the
// GBDT, optionally writes test predictions. Prints its read and train times and the fit's
// per-phase times (JSON, last line).
// Usage: node dist/bench/gbdt/train-cli.js --train F [--header] [--test F --pred OUT] [--task binary|regression|multiclass]
//        [--trees N] [--depth D] [--eta E] [--threads T] [--save MODEL] [--phases]
// --phases records the per-phase times (a CPU-clock system call around every histogram build and
// row partition: some 700,000 of them in a 26-class fit, a few per cent of its CPU, so the bench's
// timed runs on the small sets go without it and take the phases from a run of their own).
import { statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { Task } from "../../src/ml/estimator.js";
import { fitGbdt } from "../../src/ml/gbdt/booster.js";
import { GbdtPhases } from "../../src/ml/gbdt/phases.js";
import { readNumericCsv, readNumericCsvParallel } from "./csv.js";

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const trainPath = arg("train");
if (!trainPath) {
  process.stderr.write(
    "usage: train-cli --train FILE [--header] [--test FILE --pred OUT] [--task binary|regression|multiclass] [--trees N] [--depth D] [--eta E] [--threads T]\n",
  );
  process.exit(2);
}
const header = process.argv.includes("--header");
/** Files this large are parsed on all the fit's threads (worker start-up costs more below it). */
const PARALLEL_READ_BYTES = 32 << 20;
const readThreads = Number(arg("threads", "0")) || availableParallelism();
const t0 = performance.now();
const train =
  statSync(trainPath).size >= PARALLEL_READ_BYTES && readThreads > 1
    ? await readNumericCsvParallel(trainPath, header, readThreads)
    : readNumericCsv(trainPath, header);
const t1 = performance.now();
const taskName = arg("task", "binary");
/** Multiclass labels are the class indices 0..K-1 (K = the largest label + 1). */
const classCount = (y: Float64Array): number => y.reduce((a, b) => Math.max(a, b), 0) + 1;
const task: Task =
  taskName === "regression"
    ? { kind: "regression" }
    : taskName === "multiclass"
      ? { kind: "multiclass", classes: Array.from({ length: classCount(train.y) }, (_, c) => String(c)) }
      : { kind: "binary", classes: ["0", "1"] };
const params = {
  trees: Number(arg("trees", "100")),
  max_depth: Number(arg("depth", "6")),
  learning_rate: Number(arg("eta", "0.1")),
  threads: Number(arg("threads", "0")),
};
const phases = process.argv.includes("--phases") ? new GbdtPhases() : undefined;
const model = await fitGbdt(
  { X: train.X, y: train.y },
  undefined,
  params,
  task,
  { seed: 0 },
  phases ? { phases } : {},
);
const t2 = performance.now();
const testPath = arg("test");
const predPath = arg("pred");
if (testPath && predPath) {
  const test = readNumericCsv(testPath, header);
  const p = model.predict(test.X);
  // Multiclass: one line per row, the class probabilities comma separated (as XGBoost's multi:softprob).
  const k = p.length / test.X.nRows;
  const lines = Array.from({ length: test.X.nRows }, (_, i) =>
    Array.from(p.subarray(i * k, (i + 1) * k)).join(","),
  );
  writeFileSync(predPath, lines.join("\n") + "\n");
}
const save = arg("save");
if (save) writeFileSync(save, model.serialize());
process.stdout.write(
  JSON.stringify({
    readMs: Math.round(t1 - t0),
    trainMs: Math.round(t2 - t1),
    rows: train.X.nRows,
    features: train.X.columns.length,
    phaseWallMs: Object.fromEntries(Object.entries(phases?.wall ?? {}).map(([k, v]) => [k, Math.round(v)])),
    phaseCpuMs: Object.fromEntries(Object.entries(phases?.cpu ?? {}).map(([k, v]) => [k, Math.round(v)])),
  }) + "\n",
);
