// Builds ONNX models in memory: a small typed layer over the onnx-proto protobuf classes.
// Every exporter (feature transforms, tree ensembles, neural nets) assembles graphs through this.
import { createRequire } from "node:module";
import type { onnx as OnnxNs } from "onnx-proto";

const require = createRequire(import.meta.url);
let onnxNs: typeof OnnxNs | undefined;
/**
 * The onnx-proto classes, loaded on first use: their generated code takes some 30 ms of a
 * process's start to load, which every importer of a model class paid (a GBDT training run that
 * never exports among them).
 */
function proto(): typeof OnnxNs {
  return (onnxNs ??= (require("onnx-proto") as { onnx: typeof OnnxNs }).onnx);
}

/** ONNX tensor element types used by mlc (values from TensorProto.DataType). */
export const DType = { float: 1, int32: 6, int64: 7, string: 8, bool: 9, double: 11 } as const;
type DTypeName = keyof typeof DType;

type AttrValue =
  number | string | number[] | string[] | { floats: number[] } | { ints: number[] } | OnnxNs.ITensorProto;

/** A dimension: a fixed size, or a symbolic name such as "N" for the batch. */
type Dim = number | string;

interface TensorSpec {
  name: string;
  type: DTypeName;
  shape: Dim[];
}

const OPSET_DEFAULT = 17;
const ML_OPSET_DEFAULT = 3;

function valueInfo(spec: TensorSpec): OnnxNs.IValueInfoProto {
  return {
    name: spec.name,
    type: {
      tensorType: {
        elemType: DType[spec.type],
        shape: { dim: spec.shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

const encoder = new TextEncoder();

function attribute(name: string, value: AttrValue): OnnxNs.IAttributeProto {
  const T = proto().AttributeProto.AttributeType;
  if (typeof value === "number") {
    return Number.isInteger(value) && !Object.is(value, -0)
      ? { name, type: T.INT, i: value }
      : { name, type: T.FLOAT, f: value };
  }
  if (typeof value === "string") return { name, type: T.STRING, s: encoder.encode(value) };
  if (Array.isArray(value)) {
    if (value.length > 0 && typeof value[0] === "string") {
      return { name, type: T.STRINGS, strings: (value as string[]).map((s) => encoder.encode(s)) };
    }
    const nums = value as number[];
    return nums.every((v) => Number.isInteger(v))
      ? { name, type: T.INTS, ints: nums }
      : { name, type: T.FLOATS, floats: nums };
  }
  if ("floats" in value && Array.isArray(value.floats)) return { name, type: T.FLOATS, floats: value.floats };
  if ("ints" in value && Array.isArray(value.ints)) return { name, type: T.INTS, ints: value.ints };
  return { name, type: T.TENSOR, t: value as OnnxNs.ITensorProto };
}

/** Forces an attribute to be a float list even when every value is integral (e.g. Scaler offsets). */
export const floats = (v: number[]): AttrValue => ({ floats: v });
/** Forces an attribute to be an int list. */
export const ints = (v: number[]): AttrValue => ({ ints: v });

/** A tensor constant for initializers or Constant nodes. */
function tensor(
  name: string,
  type: DTypeName,
  dims: number[],
  values: ArrayLike<number> | string[],
): OnnxNs.ITensorProto {
  const t: OnnxNs.ITensorProto = { name, dataType: DType[type], dims };
  const arr = Array.from(values as ArrayLike<number | string>);
  switch (type) {
    case "float":
      t.rawData = new Uint8Array(Float32Array.from(arr as number[]).buffer);
      break;
    case "double":
      t.rawData = new Uint8Array(Float64Array.from(arr as number[]).buffer);
      break;
    case "int64":
      t.rawData = new Uint8Array(BigInt64Array.from((arr as number[]).map((v) => BigInt(v))).buffer);
      break;
    case "int32":
      t.int32Data = arr as number[];
      break;
    case "bool":
      t.int32Data = (arr as number[]).map((v) => (v ? 1 : 0));
      break;
    case "string":
      t.stringData = (arr as string[]).map((s) => encoder.encode(s));
      break;
  }
  return t;
}

/** Constants of at most this many values are shared by content (larger ones are model weights). */
const SHARED_CONSTANT_MAX = 64;

/** A tensor's content as a map key: type, shape and the exact stored values (bytes for floats). */
function constantKey(t: OnnxNs.ITensorProto): string {
  const body = t.rawData
    ? Buffer.from(t.rawData).toString("hex")
    : t.stringData
      ? JSON.stringify(t.stringData.map((b) => Buffer.from(b).toString("hex")))
      : JSON.stringify(t.int32Data ?? []);
  return `${t.dataType}|${(t.dims ?? []).join(",")}|${body}`;
}

/** Operators whose output is not a function of their inputs: never shared. */
const NONDETERMINISTIC = /^(Random|Multinomial|Bernoulli|Dropout)/;

/** A node's identity for sharing, or none when it must not be shared or is too large to key. */
function nodeKey(
  opType: string,
  inputs: string[],
  attrs: Record<string, AttrValue>,
  domain: string,
): string | undefined {
  if (NONDETERMINISTIC.test(opType)) return undefined;
  for (const v of Object.values(attrs)) {
    const list = Array.isArray(v)
      ? v
      : typeof v === "object"
        ? "floats" in v
          ? v.floats
          : "ints" in v
            ? v.ints
            : undefined
        : [];
    if (list === undefined || (list as unknown[]).length > SHARED_CONSTANT_MAX) return undefined;
  }
  // numbers and strings tagged, so 0 and -0, NaN and null, "1" and 1 stay apart
  const tag = (_k: string, v: unknown): unknown =>
    typeof v === "number" ? `n${Object.is(v, -0) ? "-0" : String(v)}` : typeof v === "string" ? `s${v}` : v;
  return JSON.stringify([domain, opType, inputs, attrs], tag);
}

interface NodeOptions {
  domain?: "" | "ai.onnx.ml";
  name?: string;
}

/**
 * A mutable graph under construction. Names must be unique; `fresh(prefix)` hands out
 * names that do not collide, so composed sub-graphs (preprocessing + model) can be merged.
 */
export class OnnxGraph {
  readonly nodes: OnnxNs.INodeProto[] = [];
  readonly inputs: TensorSpec[] = [];
  readonly outputs: TensorSpec[] = [];
  readonly initializers: OnnxNs.ITensorProto[] = [];
  private counter = 0;
  private usedMl = false;
  /** Small constants already added, by content: an equal constant reuses the initializer. */
  private readonly constants = new Map<string, string>();
  /** Single-output nodes already added, by operator, inputs and attributes (see `op`). */
  private readonly computed = new Map<string, string>();

  constructor(readonly name = "mlc") {}

  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  input(name: string, type: DTypeName, shape: Dim[]): string {
    this.inputs.push({ name, type, shape });
    return name;
  }

  output(name: string, type: DTypeName, shape: Dim[]): string {
    this.outputs.push({ name, type, shape });
    return name;
  }

  /**
   * Adds an initializer and returns its name. A small constant equal to one added before (same
   * type, shape and bytes) reuses that initializer: onnxruntime's session setup grows with the
   * square of the initializer count (10,000 take seconds), and a chain of 5,000 terms repeats a
   * handful of literals thousands of times.
   */
  constant(type: DTypeName, dims: number[], values: ArrayLike<number> | string[], prefix = "const"): string {
    const t = tensor("", type, dims, values);
    const key = values.length <= SHARED_CONSTANT_MAX ? constantKey(t) : undefined;
    const known = key === undefined ? undefined : this.constants.get(key);
    if (known !== undefined) return known;
    t.name = this.fresh(prefix);
    this.initializers.push(t);
    if (key !== undefined) this.constants.set(key, t.name);
    return t.name;
  }

  /**
   * Adds a node. `outputs` may be a count (fresh names are made) or explicit names.
   * Returns the output names.
   */
  node(
    opType: string,
    inputs: string[],
    outputs: number | string[] = 1,
    attrs: Record<string, AttrValue> = {},
    opts: NodeOptions = {},
  ): string[] {
    const outs =
      typeof outputs === "number"
        ? Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()))
        : outputs;
    if (opts.domain === "ai.onnx.ml") this.usedMl = true;
    this.nodes.push({
      opType,
      input: inputs,
      output: outs,
      name: opts.name ?? this.fresh(`n_${opType}`),
      domain: opts.domain ?? "",
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /**
   * Single-output shorthand for `node`. A node equal to one added before (same operator, inputs
   * and small attributes) is not added again: its output is reused. The value is the same, and
   * the graph stays small without onnxruntime's common-subexpression pass, which is slow on wide
   * graphs (a 5,000-term feature chain repeats `b * 2` hundreds of times).
   */
  op(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    opts: NodeOptions = {},
  ): string {
    const key = opts.name === undefined ? nodeKey(opType, inputs, attrs, opts.domain ?? "") : undefined;
    const known = key === undefined ? undefined : this.computed.get(key);
    if (known !== undefined) return known;
    const out = this.node(opType, inputs, 1, attrs, opts)[0]!;
    if (key !== undefined) this.computed.set(key, out);
    return out;
  }

  toModel(opset = OPSET_DEFAULT, mlOpset = ML_OPSET_DEFAULT): OnnxNs.IModelProto {
    const opsetImport: OnnxNs.IOperatorSetIdProto[] = [{ domain: "", version: opset }];
    if (this.usedMl) opsetImport.push({ domain: "ai.onnx.ml", version: mlOpset });
    return {
      irVersion: 8,
      producerName: "mlc",
      producerVersion: "0.1.0",
      opsetImport,
      graph: {
        name: this.name,
        node: this.nodes,
        input: this.inputs.map(valueInfo),
        output: this.outputs.map(valueInfo),
        initializer: this.initializers,
      },
    };
  }

  /** Serialised model bytes, deterministic for the same construction sequence. */
  toBytes(opset = OPSET_DEFAULT, mlOpset = ML_OPSET_DEFAULT): Uint8Array {
    const onnx = proto();
    return onnx.ModelProto.encode(onnx.ModelProto.create(this.toModel(opset, mlOpset))).finish();
  }
}

/** Decodes model bytes (for inspection, merging and tests). */
export function decodeModel(bytes: Uint8Array): OnnxNs.ModelProto {
  return proto().ModelProto.decode(bytes);
}
