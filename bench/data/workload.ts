// bench/data's mlc workload, shared by the bench (index.ts) and its profiled run (profile-run.ts):
// the declared schema of the generated file, the 10 feature expressions, and one read + derive,
// each phase measured in CPU time and in the fresh memory pages it touched (minor page faults).
import { compileFeatures } from "../../src/data/compile-features.js";
import type { ColumnSpec } from "../../src/data/column-type.js";
import { readCsvWithSchema } from "../../src/data/csv-reader.js";
import { evalBatch, tableEnv } from "../../src/data/evaluate-batch.js";
import type { Json } from "../../src/ir/graph-ir.js";

export const FLOATS = Array.from({ length: 13 }, (_, i) => `f${i + 1}`);
export const INTS = ["i1", "i2", "i3"];
export const PLANS = ["basic", "pro", "team", "enterprise", "free"];

export const declared: ColumnSpec[] = [
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

export const features: { [k: string]: Json } = {
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

/** One phase of an mlc run: CPU milliseconds (user, system) and minor page faults (fresh pages touched). */
export interface Phase {
  user: number;
  system: number;
  faults: number;
}

async function phase<T>(f: () => Promise<T>): Promise<[T, Phase]> {
  const u0 = process.resourceUsage();
  const out = await f();
  const u = process.resourceUsage();
  return [
    out,
    {
      user: (u.userCPUTime - u0.userCPUTime) / 1000,
      system: (u.systemCPUTime - u0.systemCPUTime) / 1000,
      faults: u.minorPageFault - u0.minorPageFault,
    },
  ];
}

/** readCsv with the declared schema (every column, as a source's `schema` block), then the 10 features: the phases and the byte ranges read at once. */
export async function runMlcOnce(
  file: string,
  rows: number,
): Promise<{ read: Phase; derive: Phase; ranges: number }> {
  const [{ table: t, ranges }, read] = await phase(() =>
    readCsvWithSchema(file, { declared, declaredOnly: true }),
  );
  const [check, derive] = await phase(async () => {
    const compiled = compileFeatures(features, declared);
    const env = tableEnv(t, new Map(), false);
    let sum = 0;
    for (const f of compiled.features) sum += (evalBatch(f.node, env).v as Float32Array)[7]!;
    return sum;
  });
  if (t.numRows() !== rows || Number.isNaN(check)) throw new Error("mlc bench: wrong result");
  return { read, derive, ranges };
}
