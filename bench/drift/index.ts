// bench/drift: every drift test a monitor runs (KS, Wasserstein, PSI, Jensen-Shannon and null rate on
// numbers; chi-squared, PSI, Jensen-Shannon and null rate on categories) over a 1,000,000-row window
// of 20 features (16 numeric, 4 categorical), through the monitor's own path: a reference profile
// built from 100,000 training rows (src/ml/drift/profile.ts), the window's columns as the log reader
// makes them (LiveColumn, driftStatistic). Beside it SciPy's ks_2samp and chi2_contingency on the same
// data in the same run (Debian's python3-scipy; skipped with a message where it is absent).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DRIFT_TESTS, driftStatistic, LiveColumn, TEST_KINDS } from "../../src/ml/drift/compare.js";
import { buildProfile, type NumericProfile, type ReferenceProfile } from "../../src/ml/drift/profile.js";

const NUMERIC = 16;
const CATEGORICAL = 4;
const LEVELS = 12;
const TARGET_SECONDS = 1;
const here = dirname(fileURLToPath(import.meta.url));
const dataDir = join(here, "../../../bench/.data");
/** Where SciPy is looked for, in order: $MLC_PYTHON, Debian's python3, the python3 on PATH. */
const PYTHONS = [process.env.MLC_PYTHON, "/usr/bin/python3", "python3"].filter((p): p is string => !!p);

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

/** How much the bench measures: the 1M-row window, or the test suite's smoke size (`--smoke`). */
interface DriftBenchSize {
  rows: number;
  train: number;
  /** Timed runs of each side (the best is printed). */
  runs: number;
  /** Where SciPy's copy of the data is written. */
  dataDir: string;
}

function generate(ROWS: number, TRAIN: number): Data {
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

// Prints two best-of-3 times: ks_2samp + chi2_contingency (what SciPy offers of the tests), and every
// statistic mlc computes, with SciPy where it has them and NumPy for PSI, the bins and the null rate.
const PEER = `
import sys, time, numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon
d = sys.argv[1]; nn, nc, levels, bins, runs = map(int, sys.argv[2:7])
num = [(np.fromfile(f"{d}/n{f}-ref.bin"), np.fromfile(f"{d}/n{f}-live.bin")) for f in range(nn)]
cat = [(np.fromfile(f"{d}/c{f}-ref.bin"), np.fromfile(f"{d}/c{f}-live.bin", dtype=np.int32)) for f in range(nc)]
def psi(r, l):
    p = np.maximum(r / r.sum(), 1e-4); q = np.maximum(l / l.sum(), 1e-4)
    return np.sum((q - p) * np.log(q / p))
def subset():
    for a, b in num: stats.ks_2samp(a[~np.isnan(a)], b[~np.isnan(b)])
    for r, l in cat: stats.chi2_contingency(np.array([r, np.bincount(l[l >= 0], minlength=levels)]), correction=False)
def everything():
    for a, b in num:
        nulls = np.isnan(b); x = b[~nulls]; nulls.mean()
        stats.ks_2samp(a, x); stats.wasserstein_distance(a, x)
        edges = np.unique(np.quantile(a, np.arange(1, bins) / bins))
        ra = np.bincount(np.searchsorted(edges, a, side="right"), minlength=len(edges) + 1)
        rb = np.bincount(np.searchsorted(edges, x, side="right"), minlength=len(edges) + 1)
        psi(ra, rb); jensenshannon(ra, rb, base=2)
    for r, l in cat:
        nulls = l < 0; nulls.mean(); c = np.bincount(l[~nulls], minlength=levels)
        stats.chi2_contingency(np.array([r, c]), correction=False); psi(r, c); jensenshannon(r, c, base=2)
def best(f):
    t = 1e9
    for _ in range(runs):
        t0 = time.perf_counter(); f(); t = min(t, time.perf_counter() - t0)
    return t
print(best(subset), best(everything))
`;

/** The first Python that imports SciPy, or undefined. */
function findScipy(): string | undefined {
  for (const python of PYTHONS) {
    if (python.startsWith("/") && !existsSync(python)) continue;
    try {
      execFileSync(python, ["-c", "import scipy"], { stdio: "ignore" });
      return python;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** `--smoke`: a 5,000-row window, one timed run of each side (the test suite's smoke run). */
export async function run(args: string[]): Promise<void> {
  if (!args.includes("--smoke")) return driftBench({ rows: 1_000_000, train: 100_000, runs: 3, dataDir });
  const dir = mkdtempSync(join(tmpdir(), "mlc-bench-drift-"));
  try {
    await driftBench({ rows: 5000, train: 1000, runs: 1, dataDir: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function driftBench({ rows: ROWS, train, runs, dataDir }: DriftBenchSize): Promise<void> {
  const d = generate(ROWS, train);
  runAll(d); // warm-up
  const wall: number[] = [];
  const cpu: number[] = [];
  let result = { checksum: 0, statistics: 0 };
  for (let r = 0; r < runs; r++) {
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
  const busy =
    loadavg()[0]! > availableParallelism()
      ? ` (load ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores: the wall time is shared; the CPU time is this process's own)`
      : "";
  console.log(
    `mlc: ${ROWS.toLocaleString("en-US")} rows × ${NUMERIC + CATEGORICAL} features, ${result.statistics} statistics (KS, Wasserstein, PSI, JS, null rate; chi², PSI, JS, null rate): best of ${runs} ${mlc.toFixed(3)} s wall, ${mlcCpu.toFixed(3)} s CPU (checksum ${result.checksum.toFixed(6)}) — target < ${TARGET_SECONDS} s: ${mlc < TARGET_SECONDS ? "met" : "MISSED"}${busy}`,
  );
  const python = findScipy();
  if (!python) {
    console.log(
      `SciPy peer skipped: no Python with SciPy (tried ${PYTHONS.join(", ")}; apt-get install python3-scipy, or set MLC_PYTHON)`,
    );
    console.log(`load average: ${load}`);
    return;
  }
  mkdirSync(dataDir, { recursive: true });
  // SciPy gets the same data: the profile's reference sample and counts, the window with its nulls
  // (NaN for numbers, code −1 for categories)
  d.window.forEach(({ name, column }, f) => {
    if (column.kind !== "numeric") return;
    const sample = Float64Array.from((d.reference.columns[name] as NumericProfile).sample);
    writeFileSync(join(dataDir, `n${f}-ref.bin`), new Uint8Array(sample.buffer));
    writeFileSync(join(dataDir, `n${f}-live.bin`), new Uint8Array(Float64Array.from(column.values).buffer));
  });
  d.codes.forEach((code, f) => {
    const ref = d.reference.columns[`c${f}`]!;
    if (ref.kind !== "categorical") return;
    const counts = Float64Array.from(LEVEL_NAMES, (l) => ref.counts[l] ?? 0);
    const live = Int32Array.from(code, (k, i) => (i % 100 === 3 ? -1 : k));
    writeFileSync(join(dataDir, `c${f}-ref.bin`), new Uint8Array(counts.buffer));
    writeFileSync(join(dataDir, `c${f}-live.bin`), new Uint8Array(live.buffer));
  });
  const args = [dataDir, NUMERIC, CATEGORICAL, LEVELS, 10, runs].map(String);
  const [subset, all] = execFileSync(python, ["-c", PEER, ...args], { encoding: "utf8" })
    .trim()
    .split(/\s+/)
    .map(Number) as [number, number];
  console.log(
    `SciPy (${python}), the same data, best of ${runs}: ks_2samp + chi2_contingency ${subset.toFixed(3)} s; every statistic mlc computes (SciPy + NumPy) ${all.toFixed(3)} s`,
  );
  console.log(
    `ratio mlc / SciPy: ${(mlc / all).toFixed(2)} for the same statistics; ${(mlc / subset).toFixed(2)} against SciPy's KS + chi² alone`,
  );
  console.log(`load average: ${load}`);
}
