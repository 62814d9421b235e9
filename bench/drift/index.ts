// bench/drift: every drift test over a 1,000,000-row window of 20 features (16 numeric against a
// 10,000-value reference sample, 4 categorical), beside SciPy's ks_2samp and chi2_contingency on the
// same data in the same run (Debian's python3-scipy; skipped with a message where it is absent).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sortedCopy } from "../../src/ml/drift/radix-sort.js";
import {
  binCounts,
  chiSquareP,
  jensenShannon,
  ksStatistic,
  psi,
  quantileEdges,
  wassersteinDistance,
} from "../../src/ml/drift/statistics.js";

const ROWS = 1_000_000;
const REF = 10_000;
const NUMERIC = 16;
const CATEGORICAL = 4;
const LEVELS = 12;
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

function generate() {
  const next = lcg(42);
  const numeric = Array.from({ length: NUMERIC }, (_, f) => ({
    ref: Float64Array.from({ length: REF }, () => normalish(next, f, 1 + f / 10)),
    live: Float64Array.from({ length: ROWS }, () => normalish(next, f + (f % 3) * 0.05, 1 + f / 10)),
  }));
  const categorical = Array.from({ length: CATEGORICAL }, (_, f) => ({
    ref: Float64Array.from({ length: LEVELS }, (_, k) => 1000 * (k + 1 + f)),
    live: Int32Array.from({ length: ROWS }, () =>
      Math.min(LEVELS - 1, Math.floor(next() ** (1 + f / 4) * LEVELS)),
    ),
  }));
  return { numeric, categorical };
}

function runAll(d: ReturnType<typeof generate>): number {
  let checksum = 0;
  for (const { ref, live } of d.numeric) {
    const a = sortedCopy(ref);
    const b = sortedCopy(live);
    const edges = quantileEdges(a, 10);
    const ra = binCounts(edges, ref);
    const rb = binCounts(edges, live);
    checksum += ksStatistic(a, b) + wassersteinDistance(a, b) + psi(ra, rb) + jensenShannon(ra, rb);
  }
  for (const { ref, live } of d.categorical) {
    const counts = new Float64Array(LEVELS);
    for (let i = 0; i < live.length; i++) counts[live[i]!]!++;
    checksum += chiSquareP(ref, counts) + jensenShannon(ref, counts) + psi(ref, counts);
  }
  return checksum;
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
  const times: number[] = [];
  let checksum = 0;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    checksum = runAll(d);
    times.push((performance.now() - t0) / 1000);
  }
  const mlc = Math.min(...times);
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  console.log(
    `mlc: ${ROWS.toLocaleString("en-US")} rows × ${NUMERIC + CATEGORICAL} features, KS + Wasserstein + PSI + JS (numeric), chi² + JS + PSI (categorical): best of 3 ${mlc.toFixed(3)} s (checksum ${checksum.toFixed(6)}) — target < 1 s`,
  );
  if (!scipyAvailable()) {
    console.log(`SciPy peer skipped: ${PYTHON} with scipy is not installed (apt-get install python3-scipy)`);
    console.log(`load average: ${load}`);
    return;
  }
  mkdirSync(dataDir, { recursive: true });
  d.numeric.forEach(({ ref, live }, f) => {
    writeFileSync(join(dataDir, `n${f}-ref.bin`), new Uint8Array(ref.buffer));
    writeFileSync(join(dataDir, `n${f}-live.bin`), new Uint8Array(live.buffer));
  });
  d.categorical.forEach(({ ref, live }, f) => {
    writeFileSync(join(dataDir, `c${f}-ref.bin`), new Uint8Array(ref.buffer));
    writeFileSync(join(dataDir, `c${f}-live.bin`), new Uint8Array(live.buffer));
  });
  const args = [dataDir, NUMERIC, CATEGORICAL, ROWS, REF, LEVELS].map(String);
  const scipy = Number(execFileSync(PYTHON, ["-c", PEER, ...args], { encoding: "utf8" }).trim());
  console.log(
    `SciPy (ks_2samp + chi2_contingency only, the same data): best of 3 ${scipy.toFixed(3)} s; mlc runs all tests in ${(mlc / scipy).toFixed(2)}× SciPy's time for its subset`,
  );
  console.log(`load average: ${load}`);
}
