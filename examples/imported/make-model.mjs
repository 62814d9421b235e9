// Writes model/linear.onnx: a least-squares linear regression of petal width on the three other
// iris measurements, fitted here (outside mlc) and saved as a plain MatMul + Add ONNX graph.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;
const here = dirname(fileURLToPath(import.meta.url));
const INPUTS = ["sepal_length_cm", "sepal_width_cm", "petal_length_cm"];
const TARGET = "petal_width_cm";

const [header, ...rows] = readFileSync(join(here, "data", "iris.csv"), "utf8").trim().split("\n").map((l) => l.split(","));
const col = (name) => {
  const j = header.indexOf(name);
  if (j < 0) throw new Error(`data/iris.csv has no column ${name}`);
  return rows.map((r) => Number(r[j]));
};
const X = INPUTS.map(col);
const y = col(TARGET);

// Normal equations [1 X]ᵀ[1 X] β = [1 X]ᵀ y, solved by Gaussian elimination with partial pivoting.
const d = INPUTS.length + 1;
const design = (i, j) => (j === 0 ? 1 : X[j - 1][i]);
const A = Array.from({ length: d }, (_, a) => [
  ...Array.from({ length: d }, (_, b) => rows.reduce((s, _r, i) => s + design(i, a) * design(i, b), 0)),
  rows.reduce((s, _r, i) => s + design(i, a) * y[i], 0),
]);
for (let c = 0; c < d; c++) {
  let p = c;
  for (let r = c + 1; r < d; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
  [A[c], A[p]] = [A[p], A[c]];
  for (let r = 0; r < d; r++) {
    if (r === c) continue;
    const f = A[r][c] / A[c][c];
    for (let k = c; k <= d; k++) A[r][k] -= f * A[c][k];
  }
}
const beta = A.map((row, i) => row[d] / row[i]);
const [intercept, ...weights] = beta;

const tensor = (name, dims, values) => ({ name, dataType: onnx.TensorProto.DataType.FLOAT, dims, floatData: values });
const valueInfo = (name, dims) => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((v) => (typeof v === "number" ? { dimValue: v } : { dimParam: v })) } } } });
const model = onnx.ModelProto.create({
  irVersion: 8,
  producerName: "examples/imported/make-model.mjs",
  opsetImport: [{ domain: "", version: 17 }],
  graph: {
    name: "petal_width_linear",
    input: [valueInfo("features", ["N", INPUTS.length])],
    output: [valueInfo("petal_width", ["N", 1])],
    initializer: [tensor("weights", [INPUTS.length, 1], weights), tensor("intercept", [1], [intercept])],
    node: [
      { opType: "MatMul", input: ["features", "weights"], output: ["scaled"], name: "matmul" },
      { opType: "Add", input: ["scaled", "intercept"], output: ["petal_width"], name: "add" },
    ],
  },
});
const out = join(here, "model", "linear.onnx");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(`${out}.tmp`, onnx.ModelProto.encode(model).finish());
renameSync(`${out}.tmp`, out);
console.log(`wrote ${out}: petal_width = ${intercept.toFixed(4)} + ${weights.map((w, i) => `${w.toFixed(4)}·${INPUTS[i]}`).join(" + ")}`);
