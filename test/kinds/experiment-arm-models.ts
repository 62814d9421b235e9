// Real ONNX models for the guardrail tests, with the fixture bundle's inputs (tenure, monthly, active,
// plan): a sound one, one that fails to score any record with tenure ≥ 1 (a Gather out of its bounds, as
// a broken export would), and a slow one (a chain of data-dependent K×K matrix products per run).
import { OnnxGraph } from "../../src/onnx/builder.js";

export type ArmModel = { kind: "ok" } | { kind: "broken" } | { kind: "slow"; size: number; products: number };

export function armOnnx(m: ArmModel): Uint8Array {
  const g = new OnnxGraph(`arm_${m.kind}`);
  g.input("tenure", "float", ["N", 1]);
  g.input("monthly", "float", ["N", 1]);
  g.input("active", "float", ["N", 1]);
  g.input("plan", "string", ["N", 1]);
  let z = g.op("Mul", ["tenure", g.constant("float", [1], [0.05])]);
  const zero = g.constant("float", [1], [0]);
  if (m.kind === "broken") {
    // a one-element table indexed by tenure: any tenure ≥ 1 is out of bounds, and onnxruntime fails the run
    const idx = g.op("Cast", ["tenure"], { to: 7 });
    const looked = g.op("Gather", [g.constant("float", [1], [0.25]), idx], { axis: 0 });
    z = g.op("Add", [z, g.op("Reshape", [looked, g.constant("int64", [2], [-1, 1])])]);
  }
  if (m.kind === "slow") {
    // a K×K matrix filled from the batch (so nothing is folded at load), multiplied `products` times
    const t = g.op("ReduceMax", ["tenure"], { keepdims: 0 });
    let x = g.op("Expand", [
      g.op("Mul", [t, g.constant("float", [1], [1e-6])]),
      g.constant("int64", [2], [m.size, m.size]),
    ]);
    for (let i = 0; i < m.products; i++) x = g.op("MatMul", [x, x]);
    z = g.op("Add", [z, g.op("Mul", [g.op("ReduceSum", [x], { keepdims: 0 }), zero])]);
  }
  g.node("Sigmoid", [z], ["score"]);
  g.output("score", "float", ["N", 1]);
  return g.toBytes();
}
