// Shrinks an ONNX model for the edge, on its protobuf: `float16` stores float weights as halves
// (each behind a Cast back to float, so inputs, outputs and the arithmetic keep their types);
// `int8` stores MatMul/Gemm weights as int8 with one scale per tensor (symmetric, zero point 0)
// behind a DequantizeLinear: dynamic weight quantisation. Tree ensembles keep their thresholds in
// node attributes, which neither form can hold: such a graph is refused with the reason.
import { createRequire } from "node:module";
import type { onnx as OnnxNs } from "onnx-proto";
import { floatValues } from "./tensor-values.js";

const require = createRequire(import.meta.url);
const { onnx } = require("onnx-proto") as { onnx: typeof OnnxNs };

export type Precision = "float16" | "int8";
export const PRECISIONS: readonly Precision[] = ["float16", "int8"];

/** Weights smaller than this stay float: a Cast or DequantizeLinear node costs more than it saves. */
export const MIN_QUANTIZED_VALUES = 16;

const FLOAT = 1;
const INT8 = 3;
const FLOAT16 = 10;

export type QuantizeOutcome = { bytes: Uint8Array; tensors: number; values: number } | { refused: string };

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** IEEE 754 half bits of a float32, rounded to nearest even (overflow → ±Infinity, NaN kept). */
export function toHalfBits(v: number): number {
  F32[0] = v;
  const x = U32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** The float32 value of half bits (for tests and parity reasoning). */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

const count = (t: OnnxNs.ITensorProto): number => (t.dims ?? []).reduce<number>((a, d) => a * Number(d), 1);

/** A fresh name not among `used` (which it joins). */
function freshName(base: string, used: Set<string>): string {
  let name = base;
  for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
  used.add(name);
  return name;
}

/** Why a graph has nothing this precision can shrink: a tree ensemble, or weights too small. */
function refusal(model: OnnxNs.ModelProto, precision: Precision): string {
  const trees = (model.graph?.node ?? []).some((n) => n.opType?.startsWith("TreeEnsemble"));
  if (trees)
    return `a tree ensemble keeps its thresholds and leaf values in TreeEnsemble node attributes, which hold only float32 (no float16, no int8); --quantize ${precision} cannot shrink it: export it as is`;
  return precision === "int8"
    ? `the graph has no MatMul or Gemm weight of ${MIN_QUANTIZED_VALUES} or more values to quantise`
    : `the graph has no float weight of ${MIN_QUANTIZED_VALUES} or more values to store as float16`;
}

/** The quantised model bytes, or why this graph cannot be shrunk to this precision. */
export function quantizeModel(bytes: Uint8Array, precision: Precision): QuantizeOutcome {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) return { refused: "the model has no graph" };
  const used = new Set<string>();
  for (const n of graph.node ?? []) for (const o of [...(n.input ?? []), ...(n.output ?? [])]) used.add(o);
  for (const t of graph.initializer ?? []) used.add(t.name ?? "");
  // weights int8 may quantise: the second input of a MatMul or Gemm
  const weights = new Set<string>();
  for (const n of graph.node ?? [])
    if ((n.opType === "MatMul" || n.opType === "Gemm") && (n.domain ?? "") === "" && n.input?.[1])
      weights.add(n.input[1]);
  const kept: OnnxNs.ITensorProto[] = [];
  const added: OnnxNs.ITensorProto[] = [];
  const front: OnnxNs.INodeProto[] = [];
  let tensors = 0;
  let values = 0;
  for (const t of graph.initializer ?? []) {
    const name = t.name ?? "";
    const n = count(t);
    const eligible =
      t.dataType === FLOAT && n >= MIN_QUANTIZED_VALUES && (precision === "float16" || weights.has(name));
    if (!eligible) {
      kept.push(t);
      continue;
    }
    const v = floatValues(t);
    tensors++;
    values += n;
    if (precision === "float16") {
      const half = new Uint16Array(n);
      for (let i = 0; i < n; i++) half[i] = toHalfBits(v[i]!);
      const stored = freshName(`${name}_f16`, used);
      added.push({
        name: stored,
        dims: t.dims ?? [],
        dataType: FLOAT16,
        rawData: new Uint8Array(half.buffer),
      });
      front.push({
        opType: "Cast",
        input: [stored],
        output: [name],
        name: freshName(`cast_${name}`, used),
        domain: "",
        attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }],
      });
      continue;
    }
    let max = 0;
    for (let i = 0; i < n; i++) max = Math.max(max, Math.abs(v[i]!));
    // the scale as stored (float32), so each value rounds to its nearest representable step
    const scale = max > 0 ? Math.fround(max / 127) : 1;
    const q = new Int8Array(n);
    for (let i = 0; i < n; i++) q[i] = Math.max(-127, Math.min(127, Math.round(v[i]! / scale)));
    const stored = freshName(`${name}_q`, used);
    const scaleName = freshName(`${name}_scale`, used);
    const zeroName = freshName(`${name}_zero`, used);
    added.push(
      { name: stored, dims: t.dims ?? [], dataType: INT8, rawData: new Uint8Array(q.buffer) },
      { name: scaleName, dims: [], dataType: FLOAT, floatData: [scale] },
      { name: zeroName, dims: [], dataType: INT8, rawData: new Uint8Array(1) },
    );
    front.push({
      opType: "DequantizeLinear",
      input: [stored, scaleName, zeroName],
      output: [name],
      name: freshName(`dequantize_${name}`, used),
      domain: "",
      attribute: [],
    });
  }
  if (tensors === 0) return { refused: refusal(model, precision) };
  graph.initializer = [...kept, ...added];
  graph.node = [...front, ...(graph.node ?? [])];
  return { bytes: onnx.ModelProto.encode(model).finish(), tensors, values };
}
