// Real, small bundles for the serving tests: a churn-like graph (int, nullable float, bool and
// category inputs → one-hot → linear layer → sigmoid/softmax/identity) built with OnnxGraph.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OnnxGraph } from "../../src/onnx/builder.js";
import { buildBundleDir, type BundleMeta, type BundleTask } from "../../src/serve/bundle.js";

export const PLANS = ["basic", "pro", "premium"];

export interface FixtureOptions {
  version?: number;
  /** Multiplies every weight, so versions predict differently. */
  scale?: number;
  task?: "binary" | "multiclass" | "regression" | "anomaly";
  /** Whether `plan` refuses values outside PLANS (`unseen = error`, the default here) or scores them. */
  planUnseen?: "error" | "score";
}

/** The ONNX bytes: 6 features [tenure, monthly (NaN→0), active, onehot(plan)] → linear → link. */
export function fixtureOnnx(opts: FixtureOptions = {}): Uint8Array {
  const scale = opts.scale ?? 1;
  const task = opts.task ?? "binary";
  const width = task === "multiclass" ? 3 : 1;
  const g = new OnnxGraph("fixture");
  g.input("tenure", "float", ["N", 1]);
  g.input("monthly", "float", ["N", 1]);
  g.input("active", "float", ["N", 1]);
  g.input("plan", "string", ["N", 1]);
  const zero = g.constant("float", [1], [0]);
  const monthly = g.op("Where", [g.op("IsNaN", ["monthly"]), zero, "monthly"]);
  const onehot3 = g.op(
    "OneHotEncoder",
    ["plan"],
    { cats_strings: PLANS, zeros: 1 },
    { domain: "ai.onnx.ml" },
  );
  const onehot = g.op("Flatten", [onehot3], { axis: 1 });
  const x = g.op("Concat", ["tenure", monthly, "active", onehot], { axis: 1 });
  const base = [-0.05, 0.02, 0.5, -0.3, 0.2, 0.4];
  const w: number[] = [];
  for (let i = 0; i < 6; i++)
    for (let j = 0; j < width; j++) w.push(base[i]! * scale * (j + 1) * (j % 2 === 0 ? 1 : -1));
  const W = g.constant("float", [6, width], w);
  const b = g.constant(
    "float",
    [width],
    Array.from({ length: width }, (_, j) => 0.1 * j),
  );
  const lin = g.op("Add", [g.op("MatMul", [x, W]), b]);
  const link = task === "binary" ? "Sigmoid" : task === "multiclass" ? "Softmax" : "Identity";
  g.node(link, [lin], ["score"], task === "multiclass" ? { axis: 1 } : {});
  g.output("score", "float", ["N", width]);
  return g.toBytes();
}

export function fixtureMeta(opts: FixtureOptions = {}): BundleMeta {
  const task = opts.task ?? "binary";
  const t: BundleTask =
    task === "binary"
      ? { kind: "binary", classes: ["stay", "churn"], threshold: 0.5 }
      : task === "multiclass"
        ? { kind: "multiclass", classes: ["a", "b", "c"] }
        : { kind: task };
  return {
    format_version: 1,
    deployment: "churn_api",
    model: "churn",
    version: opts.version ?? 1,
    task: t,
    inputs: [
      { name: "tenure", type: "int", nullable: false },
      { name: "monthly", type: "float", nullable: true },
      { name: "active", type: "bool", nullable: false },
      {
        name: "plan",
        type: "category",
        nullable: false,
        values: PLANS,
        ...(opts.planUnseen === "score" ? {} : { unseen: "error" as const }),
      },
    ],
    output: { name: "score", width: task === "multiclass" ? 3 : 1 },
    metrics: { "test.auc": 0.9 },
    lineage: { run_id: `run-${opts.version ?? 1}`, artifact: "sha256:0000" },
    created: "2026-11-26T09:00:00.000Z",
  };
}

/** Writes a bundle directory and returns its path. */
export function buildFixtureBundle(dir: string, opts: FixtureOptions = {}): string {
  buildBundleDir(dir, fixtureOnnx(opts), fixtureMeta(opts));
  return dir;
}

export const tempProject = (): string => mkdtempSync(join(tmpdir(), "mlc-serve-"));

/** A temporary project holding versions 1–3 of the fixture bundle of deployment `d` (each scaled by its number). */
export function projectWithVersions(): string {
  const p = tempProject();
  for (const v of [1, 2, 3]) buildFixtureBundle(join(p, `.mlc/bundles/d/v${v}`), { version: v, scale: v });
  return p;
}

/** The reference computation of the binary fixture, for checking outputs. */
export function fixtureExpected(
  rec: { tenure: number; monthly: number | null; active: boolean; plan: string },
  scale = 1,
): number {
  const x = [rec.tenure, rec.monthly ?? 0, rec.active ? 1 : 0, ...PLANS.map((p) => (p === rec.plan ? 1 : 0))];
  const base = [-0.05, 0.02, 0.5, -0.3, 0.2, 0.4];
  let z = 0;
  for (let i = 0; i < 6; i++) z += x[i]! * base[i]! * scale;
  return 1 / (1 + Math.exp(-z));
}
