// bench/data: load a 1,000,000-row, 20-column CSV with a declared schema and compute 10 feature
// expressions, beside arquero's own loadCSV + derive of the same file in the same run, alternating.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as aq from "arquero";
import { Rng } from "../../src/ml/random.js";
import { profileSummary } from "../cpu-profile.js";
import { FLOATS, INTS, PLANS, type Phase, runMlcOnce } from "./workload.js";

const here = dirname(fileURLToPath(import.meta.url));
// dist/bench/data → the repository's bench/.data (gitignored)
const dataDir = join(here, "../../../bench/.data");

/** How much the bench measures: 1M rows and a median of 3, or the smoke size (`--smoke`). */
interface DataBenchSize {
  rows: number;
  file: string;
  runs: number;
}

async function generate({ rows, file }: DataBenchSize): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  const rng = new Rng(1);
  const next = (): number => rng.next();
  const fh = await open(file + ".tmp", "w");
  let buf = ["id", ...FLOATS, ...INTS, "plan", "region", "active"].join(",") + "\n";
  for (let r = 0; r < rows; r++) {
    const f = FLOATS.map((_, j) => (j === 9 && next() < 0.05 ? "" : ((next() - 0.3) * 1000).toFixed(3)));
    const i = INTS.map(() => String(Math.floor(next() * 100)));
    buf += `${r},${f.join(",")},${i.join(",")},${PLANS[Math.floor(next() * 5)]},region_${Math.floor(next() * 20)},${next() < 0.5}\n`;
    if (buf.length > 1 << 20) {
      await fh.write(buf);
      buf = "";
    }
  }
  await fh.write(buf);
  await fh.close();
  const { rename } = await import("node:fs/promises");
  await rename(file + ".tmp", file);
}

interface Timing {
  wall: number;
  /** CPU milliseconds (user + system) of this process: less sensitive to a busy machine than wall time. */
  cpu: number;
}

async function timed(f: () => Promise<void>): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}

/** CPU milliseconds of the load and of the derive, per side and run: where the time goes. */
const split = {
  mlc: { load: [] as number[], derive: [] as number[] },
  arquero: { load: [] as number[], derive: [] as number[] },
};
const cpuMs = (c0: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};

/** mlc's phases, per run: CPU (user, system) and fresh pages touched. */
const phases: { read: Phase; derive: Phase; ranges: number }[] = [];

async function runMlc({ rows, file }: DataBenchSize): Promise<void> {
  const p = await runMlcOnce(file, rows);
  phases.push(p);
  split.mlc.load.push(p.read.user + p.read.system);
  split.mlc.derive.push(p.derive.user + p.derive.system);
}

async function runArquero({ rows, file }: DataBenchSize): Promise<void> {
  let c0 = process.cpuUsage();
  const t = await aq.loadCSV(file);
  split.arquero.load.push(cpuMs(c0));
  c0 = process.cpuUsage();
  const d = t.derive({
    ratio: "d => d.f1 / (d.f2 + 1)",
    log_f3: "d => op.log1p(op.abs(d.f3))",
    active_f4: "d => d.active ? d.f4 : 0",
    i1_bucket: "d => (d.i1 >= 10) + (d.i1 >= 25) + (d.i1 >= 50) + (d.i1 >= 75)",
    is_pro: "d => d.plan === 'pro' ? 1 : 0",
    f5_clip: "d => d.f5 < 0 ? 0 : d.f5 > 100 ? 100 : d.f5",
    sqrt_f6: "d => op.sqrt(op.abs(d.f6))",
    prod: "d => d.f7 * d.f8 - d.f9",
    f10_fill: "d => d.f10 == null ? 0 : d.f10",
    f11_gt: "d => d.f11 > d.f12 ? 1 : 0",
  });
  if (d.numRows() !== rows) throw new Error("arquero bench: wrong row count");
  split.arquero.derive.push(cpuMs(c0));
}

/** `--smoke`: 5,000 rows in a temporary file, one run of each (the test suite's smoke run). */
export async function run(args: string[]): Promise<void> {
  if (!args.includes("--smoke"))
    return dataBench({ rows: 1_000_000, file: join(dataDir, "data-1000000.csv"), runs: 3 });
  const dir = mkdtempSync(join(tmpdir(), "mlc-bench-data-"));
  try {
    await dataBench({ rows: 5000, file: join(dir, "data-5000.csv"), runs: 1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function dataBench(size: DataBenchSize): Promise<void> {
  const { rows: ROWS, file, runs } = size;
  if (!existsSync(file)) {
    process.stdout.write(`generating ${file} …\n`);
    await generate(size);
  }
  process.stdout.write(
    `${ROWS.toLocaleString("en")} rows × 20 columns, ${(statSync(file).size / 2 ** 20).toFixed(ROWS < 100_000 ? 2 : 0)} MiB, declared schema + 10 feature expressions\n`,
  );
  const mlc: Timing[] = [],
    arq: Timing[] = [];
  // Alternate the two so background load hits both alike.
  for (let i = 0; i < runs; i++) {
    mlc.push(await timed(() => runMlc(size)));
    arq.push(await timed(() => runArquero(size)));
  }
  const med = (xs: Timing[], k: keyof Timing) => xs.map((x) => x[k]).sort((a, b) => a - b)[runs >> 1]!;
  const m = med(mlc, "wall"),
    a = med(arq, "wall");
  // 2 s for the 1M rows; a smaller run is held to its share
  const targetMs = (2000 * ROWS) / 1_000_000;
  const rate = (ms: number) => `${(((ROWS / ms) * 1000) / 1e6).toFixed(2)} M rows/s`;
  const line = (label: string, w: number, c: number) =>
    `${label}${(w / 1000).toFixed(2)} s wall (${(c / 1000).toFixed(2)} s CPU)  ${rate(w)}  (median of ${runs})\n`;
  process.stdout.write(line("mlc  readCsv + features      ", m, med(mlc, "cpu")));
  process.stdout.write(line("arquero loadCSV + derive     ", a, med(arq, "cpu")));
  const mid = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
  process.stdout.write(
    `where the CPU goes (median ms): mlc read ${mid(split.mlc.load).toFixed(0)} + features ${mid(split.mlc.derive).toFixed(0)}; ` +
      `arquero loadCSV ${mid(split.arquero.load).toFixed(0)} + derive ${mid(split.arquero.derive).toFixed(0)}\n`,
  );
  process.stdout.write(
    `ratio: mlc is ${(a / m).toFixed(2)}× arquero's speed (CPU ${(med(arq, "cpu") / med(mlc, "cpu")).toFixed(2)}×); ` +
      `target (issue 18) ≥ 5× and < ${(targetMs / 1000).toFixed(ROWS < 100_000 ? 3 : 0)} s: ${a / m >= 5 && m < targetMs ? "met" : "NOT met"}\n`,
  );
  explainGap(size, m, mlc, a / m >= 5 && m < targetMs, targetMs);
}

/**
 * Where mlc's time goes, phase by phase (median run by CPU): user and system CPU and the fresh
 * pages touched (first writes to new memory, which cost microseconds each in a busy VM), the CPU
 * share the process got, and a lower bound of the wall time had both CPUs been free. When the
 * target is missed, the top functions by self time over all threads from one more profiled run.
 */
function explainGap(
  size: DataBenchSize,
  wallMs: number,
  mlc: Timing[],
  met: boolean,
  targetMs: number,
): void {
  const byCpu = [...phases].sort((x, y) => x.read.user + x.read.system - (y.read.user + y.read.system));
  const p = byCpu[byCpu.length >> 1]!;
  const ms = (x: number) => x.toFixed(0);
  const show = (name: string, q: Phase) =>
    `${name} ${ms(q.user + q.system)} ms CPU (user ${ms(q.user)}, system ${ms(q.system)}; ${q.faults.toLocaleString("en")} fresh pages touched)`;
  process.stdout.write(
    `mlc by phase (median run): ${show("read", p.read)} in ${p.ranges} byte range(s) at once; ${show("features", p.derive)}\n`,
  );
  const cpus = availableParallelism();
  const share = mlc.reduce((s, t) => s + t.cpu, 0) / mlc.reduce((s, t) => s + t.wall, 0);
  const readCpu = p.read.user + p.read.system,
    deriveCpu = p.derive.user + p.derive.system;
  // The read runs on min(ranges, CPUs) threads; the features on this one.
  const bound = readCpu / Math.min(p.ranges, cpus) + deriveCpu;
  const load = loadavg()[0]!;
  process.stdout.write(
    `machine: ${cpus} CPUs, load average ${load.toFixed(1)}; mlc got ${(share * 100).toFixed(0)}% of a CPU over its runs` +
      (load > cpus
        ? ` (busy: ${load.toFixed(0)} runnable for ${cpus} CPUs, wall figures are not the quiet machine's)`
        : "") +
      `\n`,
  );
  process.stdout.write(
    `the gap: ${ms(wallMs)} ms wall against ${ms(targetMs)} ms; with the CPUs free its phases come to about ${ms(bound)} ms ` +
      `(read ${ms(readCpu)} ms CPU over ${Math.min(p.ranges, cpus)} thread(s) + features ${ms(deriveCpu)} ms)\n`,
  );
  if (met) return;
  process.stdout.write(
    "where mlc's time goes (self time over all threads, one more run under --cpu-prof):\n",
  );
  const script = join(here, "profile-run.js");
  for (const line of profileSummary([script, size.file, String(size.rows)], process.cwd()))
    process.stdout.write(`  ${line}\n`);
}
