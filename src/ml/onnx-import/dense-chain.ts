// Reads an imported ONNX graph as a plain dense network, when it is one, for a warm start: the one
// chain of nodes from the feature input to the chosen output, made of an optional per-feature
// standardisation (Sub, Add, Div or Mul by constants, then NaN replaced by 0), dense layers (Gemm, or
// MatMul with an Add of the bias) with one activation (Relu, Tanh or Sigmoid) between each two, a
// head (Sigmoid, Softmax or none) and, without a head, a scalar Mul/Add of the output. Identity,
// Cast and Dropout pass through; reshapes are allowed after the last layer. Anything else is refused
// with the node that prevents it. Nodes off the chain (a converter's label branch) are ignored.
import type { onnx as OnnxNs } from "onnx-proto";
import { decodeModel } from "../../onnx/builder.js";
import { realValues } from "../../onnx/tensor-values.js";
import { toNumber, type ImportedSignature } from "./onnx-signature.js";

export type ChainActivation = "relu" | "tanh" | "sigmoid";

export interface ChainLayer {
  inputs: number;
  outputs: number;
  /** Row-major inputs × outputs. */
  W: Float32Array;
  b: Float32Array;
}

export interface DenseChain {
  /** z = (x − mean) / scale per feature: 0 and 1 when the graph standardises nothing. */
  mean: Float64Array;
  scale: Float64Array;
  layers: ChainLayer[];
  /** The activation between the layers (undefined for a single layer). */
  activation: ChainActivation | undefined;
  head: "sigmoid" | "softmax" | "none";
  /** output = head(logits) · outScale + outShift. */
  outScale: number;
  outShift: number;
}

const PASS = new Set(["Identity", "Cast", "Dropout"]);
const RESHAPES = new Set(["Reshape", "Flatten", "Squeeze", "Unsqueeze"]);
const ACTIVATIONS: Record<string, ChainActivation | "softmax" | undefined> = {
  Relu: "relu",
  Tanh: "tanh",
  Sigmoid: "sigmoid",
  Softmax: "softmax",
};

class Refusal extends Error {}

const label = (n: OnnxNs.INodeProto): string =>
  `${n.opType} node${n.name ? ` '${n.name}'` : n.output?.[0] ? ` (output '${n.output[0]}')` : ""}`;

const attr = (n: OnnxNs.INodeProto, name: string): OnnxNs.IAttributeProto | undefined =>
  (n.attribute ?? []).find((a) => a.name === name);
const intAttr = (n: OnnxNs.INodeProto, name: string, dflt: number): number => {
  const a = attr(n, name);
  return a?.i === undefined || a.i === null ? dflt : toNumber(a.i);
};
const floatAttr = (n: OnnxNs.INodeProto, name: string, dflt: number): number => {
  const a = attr(n, name);
  return a?.f === undefined || a.f === null ? dflt : a.f;
};

interface Constant {
  dims: number[];
  values: Float32Array;
}

/** The graph's dense chain, or the reason it is not one. */
export function readDenseChain(
  modelBytes: Uint8Array,
  sig: ImportedSignature,
  features: number,
): DenseChain | { refused: string } {
  try {
    return read(modelBytes, sig, features);
  } catch (e) {
    if (e instanceof Refusal) return { refused: e.message };
    throw e;
  }
}

function read(modelBytes: Uint8Array, sig: ImportedSignature, d: number): DenseChain {
  const model = decodeModel(modelBytes);
  const g = model.graph!;
  const tensors = new Map<string, OnnxNs.ITensorProto>();
  for (const t of g.initializer ?? []) tensors.set(t.name ?? "", t);
  const producer = new Map<string, OnnxNs.INodeProto>();
  for (const n of g.node ?? []) {
    if (n.opType === "Constant" && attr(n, "value")?.t)
      tensors.set(n.output?.[0] ?? "", attr(n, "value")!.t!);
    else for (const o of n.output ?? []) producer.set(o, n);
  }
  const isConst = (name: string) => tensors.has(name);
  const constant = (name: string, n: OnnxNs.INodeProto): Constant => {
    const t = tensors.get(name)!;
    try {
      return { dims: (t.dims ?? []).map(toNumber), values: realValues(t) };
    } catch (e) {
      throw new Refusal(`the constant '${name}' of its ${label(n)} is ${(e as Error).message}`);
    }
  };

  // Backwards from the output to the input: each node must have exactly one computed input.
  const chain: OnnxNs.INodeProto[] = [];
  let cur = sig.outputName;
  while (cur !== sig.inputName) {
    const n = producer.get(cur);
    if (!n) throw new Refusal(`'${cur}' is neither the feature input nor computed from it`);
    if (chain.length > (g.node ?? []).length) throw new Refusal("its nodes form a cycle");
    chain.push(n);
    const ins = (n.input ?? []).filter((i) => i !== "");
    if (n.opType === "Where") {
      // Where(IsNaN(z), 0, z): missing values replaced by 0
      const isNan = producer.get(ins[0] ?? "");
      const zero = ins[1] !== undefined && isConst(ins[1]) ? constant(ins[1], n).values : undefined;
      if (
        ins.length !== 3 ||
        isNan?.opType !== "IsNaN" ||
        isNan.input?.[0] !== ins[2] ||
        !zero ||
        zero.some((v) => v !== 0)
      )
        throw new Refusal(
          `its ${label(n)} is not the replacement of missing values by 0 (Where(IsNaN(z), 0, z))`,
        );
      cur = ins[2]!;
      continue;
    }
    const computed = RESHAPES.has(n.opType ?? "") ? ins.slice(0, 1) : ins.filter((i) => !isConst(i));
    if ((n.opType === "Gemm" || n.opType === "MatMul") && computed.length > 1)
      throw new Refusal(
        `its ${label(n)} has computed weights ('${computed.find((c) => c !== ins[0]) ?? ins[1]}' is not a constant)`,
      );
    if (computed.length !== 1)
      throw new Refusal(
        `its ${label(n)} combines ${computed.length} computed inputs; a dense network is one chain of nodes from the features`,
      );
    cur = computed[0]!;
  }
  chain.reverse();

  const mean = new Float64Array(d);
  const scale = new Float64Array(d).fill(1);
  const layers: ChainLayer[] = [];
  /** The activation after each layer (undefined: none yet). */
  const acts: (ChainActivation | "softmax" | undefined)[] = [];
  let needsBias = false;
  let missingReplaced = false;
  let outScale = 1;
  let outShift = 0;
  const lastLinear = chain.reduce((k, n, i) => (n.opType === "Gemm" || n.opType === "MatMul" ? i : k), -1);

  const addLayer = (
    n: OnnxNs.INodeProto,
    W: Float32Array,
    inputs: number,
    outputs: number,
    b: Float32Array,
  ) => {
    const want = layers.length === 0 ? d : layers[layers.length - 1]!.outputs;
    if (layers.length > 0 && acts[layers.length - 1] === undefined)
      throw new Refusal(
        `its ${label(n)} follows dense layer ${layers.length} with no activation between them`,
      );
    if (inputs !== want)
      throw new Refusal(`its ${label(n)} takes ${inputs} inputs where the previous step gives ${want}`);
    layers.push({ inputs, outputs, W, b });
  };

  chain.forEach((n, i) => {
    const op = n.opType ?? "";
    const ins = (n.input ?? []).filter((x) => x !== "");
    if (op === "Where") {
      if (layers.length > 0) throw new Refusal(`its ${label(n)} replaces missing values inside the network`);
      missingReplaced = true;
      return;
    }
    if (PASS.has(op)) return;
    if (RESHAPES.has(op)) {
      if (i < lastLinear) throw new Refusal(`its ${label(n)} reshapes values before the last dense layer`);
      return;
    }
    if (op === "Gemm") {
      if (intAttr(n, "transA", 0) !== 0) throw new Refusal(`its ${label(n)} transposes its input (transA)`);
      if (!isConst(ins[1] ?? "")) throw new Refusal(`its ${label(n)} has computed weights`);
      const B = constant(ins[1]!, n);
      if (B.dims.length !== 2) throw new Refusal(`its ${label(n)} has weights of rank ${B.dims.length}`);
      const transB = intAttr(n, "transB", 0) !== 0;
      const [inputs, outputs] = transB ? [B.dims[1]!, B.dims[0]!] : [B.dims[0]!, B.dims[1]!];
      const alpha = floatAttr(n, "alpha", 1);
      const beta = floatAttr(n, "beta", 1);
      const W = new Float32Array(inputs * outputs);
      for (let r = 0; r < inputs; r++)
        for (let c = 0; c < outputs; c++)
          W[r * outputs + c] = alpha * B.values[transB ? c * inputs + r : r * outputs + c]!;
      const b = new Float32Array(outputs);
      if (ins[2] !== undefined) {
        if (!isConst(ins[2])) throw new Refusal(`its ${label(n)} has a computed bias`);
        const C = constant(ins[2], n).values;
        if (C.length !== 1 && C.length !== outputs)
          throw new Refusal(`its ${label(n)} has a bias of ${C.length} values for ${outputs} outputs`);
        for (let c = 0; c < outputs; c++) b[c] = beta * C[C.length === 1 ? 0 : c]!;
      }
      addLayer(n, W, inputs, outputs, b);
      needsBias = false;
      return;
    }
    if (op === "MatMul") {
      if (!isConst(ins[1] ?? ""))
        throw new Refusal(`its ${label(n)} multiplies by a computed value, not by weights`);
      const B = constant(ins[1]!, n);
      if (B.dims.length !== 2) throw new Refusal(`its ${label(n)} has weights of rank ${B.dims.length}`);
      addLayer(n, Float32Array.from(B.values), B.dims[0]!, B.dims[1]!, new Float32Array(B.dims[1]!));
      needsBias = true;
      return;
    }
    const act = ACTIVATIONS[op];
    if (act) {
      if (layers.length === 0) throw new Refusal(`its ${label(n)} comes before the first dense layer`);
      if (acts[layers.length - 1] !== undefined)
        throw new Refusal(`its ${label(n)} follows another activation (${acts[layers.length - 1]})`);
      if (act === "softmax") {
        const axis = intAttr(n, "axis", sig.opset >= 13 ? -1 : 1);
        if (axis !== 1 && axis !== -1) throw new Refusal(`its ${label(n)} normalises over axis ${axis}`);
      }
      acts[layers.length - 1] = act;
      needsBias = false;
      return;
    }
    if (op === "Sub" || op === "Add" || op === "Mul" || op === "Div") {
      const k = ins.findIndex((x) => isConst(x));
      const c = constant(ins[k]!, n).values;
      if (k === 0 && (op === "Sub" || op === "Div"))
        throw new Refusal(
          `its ${label(n)} computes a constant ${op === "Sub" ? "minus" : "divided by"} its input`,
        );
      if (layers.length === 0) {
        if (missingReplaced)
          throw new Refusal(`its ${label(n)} rescales features after missing values are replaced`);
        if (c.length !== 1 && c.length !== d)
          throw new Refusal(`its ${label(n)} has ${c.length} constants for ${d} features`);
        for (let j = 0; j < d; j++) {
          const v = c[c.length === 1 ? 0 : j]!;
          if (op === "Sub") mean[j] = mean[j]! + v * scale[j]!;
          else if (op === "Add") mean[j] = mean[j]! - v * scale[j]!;
          else if (op === "Div") scale[j] = scale[j]! * v;
          else scale[j] = scale[j]! / v;
        }
        return;
      }
      const last = layers[layers.length - 1]!;
      if (op === "Add" && needsBias) {
        if (c.length !== 1 && c.length !== last.outputs)
          throw new Refusal(`its ${label(n)} adds ${c.length} values to ${last.outputs} outputs`);
        for (let j = 0; j < last.outputs; j++) last.b[j] = c[c.length === 1 ? 0 : j]!;
        needsBias = false;
        return;
      }
      if (i > lastLinear && acts[layers.length - 1] === undefined && c.length === 1) {
        const v = c[0]!;
        if (op === "Mul") [outScale, outShift] = [outScale * v, outShift * v];
        else if (op === "Div") [outScale, outShift] = [outScale / v, outShift / v];
        else outShift += op === "Add" ? v : -v;
        return;
      }
      throw new Refusal(
        `its ${label(n)} sits ${i < lastLinear ? "between dense layers" : "after the output's activation or adds more than one value"}, which a dense network has no place for`,
      );
    }
    throw new Refusal(
      `its ${label(n)} is not part of a dense network (Gemm or MatMul + Add layers with Relu, Tanh or Sigmoid between them)`,
    );
  });

  if (layers.length === 0)
    throw new Refusal("it has no dense layer (Gemm or MatMul) between the features and the output");
  const hidden = acts.slice(0, layers.length - 1);
  const first = hidden[0];
  if (hidden.some((a) => a === "softmax"))
    throw new Refusal("a Softmax sits between dense layers, where the mlp learner has relu, tanh or sigmoid");
  if (hidden.some((a) => a !== first))
    throw new Refusal(`its hidden layers use different activations (${hidden.join(", ")})`);
  const out = acts[layers.length - 1];
  if (out === "relu" || out === "tanh")
    throw new Refusal(
      `its output passes through ${out === "relu" ? "Relu" : "Tanh"}; the mlp learner's output is linear, a sigmoid or a softmax`,
    );
  return {
    mean,
    scale,
    layers,
    activation: first as ChainActivation | undefined,
    head: out ?? "none",
    outScale,
    outShift,
  };
}
