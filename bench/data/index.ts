// bench/data: load a 1,000,000-row, 20-column CSV with a declared schema and compute 10 feature
// expressions, beside arquero's own loadCSV + derive of the same file in the same run.
import { existsSync, mkdirSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as aq from "arquero";
import { compileFeatures } from "../../src/data/compile-features.js";
import type { ColumnSpec } from "../../src/data/column-type.js";
import { readCsv } from "../../src/data/csv-reader.js";
import { evalBatch, tableEnv } from "../../src/data/evaluate-batch.js";
import { Rng } from "../../src/ml/random.js";
import type { Json } from "../../src/ir/graph-ir.js";

const ROWS = 1_000_000;
const here = dirname(fileURLToPath(import.meta.url));
// dist/bench/data → the repository's bench/.data (gitignored)
const dataDir = join(here, "../../../bench/.data");
const file = join(dataDir, `data-${ROWS}.csv`);

const FLOATS = Array.from({ length: 13 }, (_, i) => `f${i + 1}`);
const INTS = ["i1", "i2", "i3"];
const PLANS = ["basic", "pro", "team", "enterprise", "free"];

async function generate(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const rng = new Rng(1);
  const next = (): number => rng.next();
  const fh = await open(file + ".tmp", "w");
  let buf = ["id", ...FLOATS, ...INTS, "plan", "region", "active"].join(",") + "\n";
  for (let r = 0; r < ROWS; r++) {
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

const declared: ColumnSpec[] = [
  { name: "id", type: "int", nullable: false },
  ...FLOATS.map((name) => ({ name, type: "float" as const, nullable: true })),
  ...INTS.map((name) => ({ name, type: "int" as const, nullable: false })),
  { name: "plan", type: "category", nullable: false },
  { name: "region", type: "category", nullable: false },
  { name: "active", type: "bool", nullable: false },
];

const ref = (n: string): Json => ({ $ref: [n] });
const call = (f: string, args: Json[], named: Record<string, Json> = {}): Json => ({ $call: f, args, named });
const op = (o: string, ...args: Json[]): Json => ({ $op: o, args });

const features: { [k: string]: Json } = {
  from: ref("events"),
  ratio: op("/", ref("f1"), op("+", ref("f2"), 1)),
  log_f3: call("log1p", [call("abs", [ref("f3")])]),
  active_f4: call("if", [ref("active"), ref("f4"), 0]),
  i1_bucket: call("bucketize", [ref("i1"), [10, 25, 50, 75]]),
  is_pro: op("==", ref("plan"), "pro"),
  f5_clip: call("clip", [ref("f5")], { low: 0, high: 100 }),
  sqrt_f6: call("sqrt", [call("abs", [ref("f6")])]),
  prod: op("-", op("*", ref("f7"), ref("f8")), ref("f9")),
  f10_fill: call("coalesce", [ref("f10"), 0]),
  f11_gt: op(">", ref("f11"), ref("f12")),
};

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

async function runMlc(): Promise<void> {
  const t = await readCsv(file, { declared });
  const compiled = compileFeatures(features, declared);
  const env = tableEnv(t, new Map(), false);
  let check = 0;
  for (const f of compiled.features) check += (evalBatch(f.node, env).v as Float32Array)[7]!;
  if (t.numRows() !== ROWS || Number.isNaN(check)) throw new Error("mlc bench: wrong result");
}

async function runArquero(): Promise<void> {
  const t = await aq.loadCSV(file);
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
  if (d.numRows() !== ROWS) throw new Error("arquero bench: wrong row count");
}

export async function run(_args: string[]): Promise<void> {
  if (!existsSync(file)) {
    process.stdout.write(`generating ${file} …\n`);
    await generate();
  }
  process.stdout.write(
    `${ROWS.toLocaleString("en")} rows × 20 columns, ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB, declared schema + 10 feature expressions\n`,
  );
  const mlc: Timing[] = [],
    arq: Timing[] = [];
  for (let i = 0; i < 3; i++) {
    mlc.push(await timed(runMlc));
    arq.push(await timed(runArquero));
  }
  const med = (xs: Timing[], k: keyof Timing) => xs.map((x) => x[k]).sort((a, b) => a - b)[1]!;
  const m = med(mlc, "wall"),
    a = med(arq, "wall");
  const rate = (ms: number) => `${(((ROWS / ms) * 1000) / 1e6).toFixed(2)} M rows/s`;
  const line = (label: string, w: number, c: number) =>
    `${label}${(w / 1000).toFixed(2)} s wall (${(c / 1000).toFixed(2)} s CPU)  ${rate(w)}  (median of 3)\n`;
  process.stdout.write(line("mlc  readCsv + features      ", m, med(mlc, "cpu")));
  process.stdout.write(line("arquero loadCSV + derive     ", a, med(arq, "cpu")));
  process.stdout.write(
    `ratio: mlc is ${(a / m).toFixed(2)}× arquero's speed; target ≥ 1× and < 3 s: ${a / m >= 1 && m < 3000 ? "met" : "NOT met"}\n`,
  );
}
