// bench/drift: every drift test a monitor runs (KS, Wasserstein, PSI, Jensen-Shannon and null rate on
// numbers; chi-squared, PSI, Jensen-Shannon and null rate on categories) over a 1,000,000-row window
// of 20 features (16 numeric, 4 categorical), through the monitor's own path: a reference profile
// built from 100,000 training rows (src/ml/drift/profile.ts), the window's columns as the log reader
// makes them (LiveColumn, driftStatistic). Beside it SciPy's ks_2samp and chi2_contingency on the same
// data in the same run (Debian's python3-scipy; skipped with a message where it is absent).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DRIFT_TESTS, driftStatistic, LiveColumn, TEST_KINDS } from "../../src/ml/drift/compare.js";
import { buildProfile, type NumericProfile, type ReferenceProfile } from "../../src/ml/drift/profile.js";

const ROWS = 1_000_000;
const TRAIN = 100_000;
const NUMERIC = 16;
const CATEGORICAL = 4;
const LEVELS = 12;
const TARGET_SECONDS = 1;
const here = dirname(fileURLToPath(import.meta.url));
const dataDir = join(here, "../../../bench/.data");
const PYTHON = "/usr/bin/python3";

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** A roughly normal value (sum of 4 uniforms), scaled and shifted. */
const normalish = (next: () => number, mean: number, sd: number) =>
  mean + sd * (next() + next() + next() + next() - 2) * Math.sqrt(3);

const LEVEL_NAMES = Array.from({ length: LEVELS }, (_, k) => `level_${k}`);

interface Data {
  reference: ReferenceProfile;
  /** The window as the log reader gives it: numbers with NaN for null, category labels with null. */
  window: { name: string; column: LiveColumn["column"] }[];
  /** The same window for SciPy: category codes. */
  codes: Int32Array[];
}

function generate(): Data {
  const next = lcg(42);
  const train: Record<string, LiveColumn["column"]> = {};
  const window: Data["window"] = [];
  const codes: Int32Array[] = [];
  for (let f = 0; f < NUMERIC; f++) {
    const name = `x${String(f).padStart(2, "0")}`;
    train[name] = {
      kind: "numeric",
      values: Float64Array.from({ length: TRAIN }, () => normalish(next, f, 1 + f / 10)),
    };
    // 1% nulls; a small shift in every third feature
    const values = Float64Array.from({ length: ROWS }, (_, i) =>
      i % 100 === 7 ? NaN : normalish(next, f + (f % 3) * 0.05, 1 + f / 10),
    );
    window.push({ name, column: { kind: "numeric", values } });
  }
  for (let f = 0; f < CATEGORICAL; f++) {
    const name = `c${f}`;
    const draw = (p: number) => Math.min(LEVELS - 1, Math.floor(next() ** p * LEVELS));
    train[name] = {
      kind: "categorical",
      values: Array.from({ length: TRAIN }, () => LEVEL_NAMES[draw(1 + f / 5)]!),
    };
    const code = Int32Array.from({ length: ROWS }, () => draw(1 + f / 4));
    codes.push(code);
    window.push({
      name,
      column: {
        kind: "categorical",
        values: Array.from(code, (k, i) => (i % 100 === 3 ? null : LEVEL_NAMES[k]!)),
      },
    });
  }
  return { reference: buildProfile("train", train), window, codes };
}

/** Every test that applies to each column, as a monitor with one assertion per test would run them. */
function runAll(d: Data): { checksum: number; statistics: number } {
  let checksum = 0;
  let statistics = 0;
  for (const { name, column } of d.window) {
    const reference = d.reference.columns[name]!;
    const live = new LiveColumn(column);
    for (const test of DRIFT_TESTS) {
      if (!TEST_KINDS[test].includes(reference.kind)) continue;
      checksum += driftStatistic(test, reference, live);
      statistics++;
    }
  }
  return { checksum, statistics };
}

const PEER = `
import sys, time, numpy as np
from scipy import stats
d = sys.argv[1]; nn, nc, rows, ref, levels = map(int, sys.argv[2:7])
num = [(np.fromfile(f"{d}/n{f}-ref.bin"), np.fromfile(f"{d}/n{f}-live.bin")) for f in range(nn)]
cat = [(np.fromfile(f"{d}/c{f}-ref.bin"), np.fromfile(f"{d}/c{f}-live.bin", dtype=np.int32)) for f in range(nc)]
best = 1e9
for _ in range(3):
    t0 = time.perf_counter()
    for a, b in num: stats.ks_2samp(a, b)
    for r, l in cat: stats.chi2_contingency(np.array([r, np.bincount(l, minlength=levels)]), correction=False)
    best = min(best, time.perf_counter() - t0)
print(best)
`;

function scipyAvailable(): boolean {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ["-c", "import scipy"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export async function run(): Promise<void> {
  const d = generate();
  runAll(d); // warm-up
  const wall: number[] = [];
  const cpu: number[] = [];
  let result = { checksum: 0, statistics: 0 };
  for (let r = 0; r < 3; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    result = runAll(d);
    wall.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  const mlc = Math.min(...wall);
  const mlcCpu = Math.min(...cpu);
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  console.log(
    `mlc: ${ROWS.toLocaleString("en-US")} rows × ${NUMERIC + CATEGORICAL} features, ${result.statistics} statistics (KS, Wasserstein, PSI, JS, null rate; chi², PSI, JS, null rate): best of 3 ${mlc.toFixed(3)} s wall, ${mlcCpu.toFixed(3)} s CPU (checksum ${result.checksum.toFixed(6)}) — target < ${TARGET_SECONDS} s: ${mlc < TARGET_SECONDS ? "met" : "MISSED"}`,
  );
  if (!scipyAvailable()) {
    console.log(`SciPy peer skipped: ${PYTHON} with scipy is not installed (apt-get install python3-scipy)`);
    console.log(`load average: ${load}`);
    return;
  }
  mkdirSync(dataDir, { recursive: true });
  // SciPy gets the same data: the profile's reference sample and the window (NaN dropped, as mlc does)
  d.window.forEach(({ name, column }, f) => {
    if (column.kind !== "numeric") return;
    const sample = Float64Array.from((d.reference.columns[name] as NumericProfile).sample);
    const live = Float64Array.from(column.values).filter((v) => v === v);
    writeFileSync(join(dataDir, `n${f}-ref.bin`), new Uint8Array(sample.buffer));
    writeFileSync(join(dataDir, `n${f}-live.bin`), new Uint8Array(live.buffer));
  });
  d.codes.forEach((code, f) => {
    const ref = d.reference.columns[`c${f}`]!;
    if (ref.kind !== "categorical") return;
    const counts = Float64Array.from(LEVEL_NAMES, (l) => ref.counts[l] ?? 0);
    const live = Int32Array.from(code.filter((_, i) => i % 100 !== 3));
    writeFileSync(join(dataDir, `c${f}-ref.bin`), new Uint8Array(counts.buffer));
    writeFileSync(join(dataDir, `c${f}-live.bin`), new Uint8Array(live.buffer));
  });
  const args = [dataDir, NUMERIC, CATEGORICAL, ROWS, 0, LEVELS].map(String);
  const scipy = Number(execFileSync(PYTHON, ["-c", PEER, ...args], { encoding: "utf8" }).trim());
  console.log(
    `SciPy (ks_2samp + chi2_contingency only, the same data): best of 3 ${scipy.toFixed(3)} s; mlc runs all tests in ${(mlc / scipy).toFixed(2)}× SciPy's time for its subset`,
  );
  console.log(`load average: ${load}`);
}
