// The shape of a feature transform: its type rule, its batch form over typed arrays, and its
// ONNX form over [N, 1] tensors, side by side so the two backends cannot drift apart.
import type { OnnxGraph } from "../../onnx/builder.js";
import type { Json } from "../../ir/graph-ir.js";
import { MlcError } from "../../ir/errors.js";

/**
 * Value kinds inside a pipeline. Batch: num → Float32Array (NaN = null, computed in float32 so
 * it matches ONNX), str → string[] ("" = null), time → Float64Array of epoch ms (NaN = null).
 * ONNX: num → float [N,1], str → string [N,1], time → double [N,1].
 */
export type ValueKind = "num" | "str" | "time";

export type BatchValue =
  { kind: "num"; v: Float32Array } | { kind: "str"; v: string[] } | { kind: "time"; v: Float64Array };

/** A tensor of the ONNX graph under construction. */
export interface OnnxValue {
  kind: ValueKind;
  name: string;
}

/** A multi-column result (onehot): one Float32Array per output column. */
export interface VectorValue {
  kind: "vector";
  columns: Float32Array[];
}

type LiteralValue = number | string | boolean | null | Json[];

export type PipelineNode =
  | { t: "col"; name: string; kind: ValueKind }
  | { t: "lit"; value: LiteralValue; kind: ValueKind | "list" }
  | CallNode
  | WindowNode;

export type WindowOp = "count" | "sum" | "mean" | "max" | "min";

/**
 * A per-entity aggregate over the window [t - over, t) before each row's timestamp t. Batch-only:
 * the features node materialises it as a column; serving looks it up in the online store.
 */
export interface WindowNode {
  t: "window";
  op: WindowOp;
  arg?: PipelineNode;
  by: string;
  at: string;
  /** Window length in milliseconds. */
  over: number;
  kind: "num";
}

export interface CallNode {
  t: "call";
  fn: string;
  transform: Transform;
  args: PipelineNode[];
  named: Record<string, Json>;
  kind: ValueKind | "vector";
  /** Stable index within the pipeline: the key of its fitted state. */
  id: number;
}

/** A user mistake in an expression (wrong argument kind, bad literal); becomes a NodeFailure. */
export class ExprError extends MlcError {
  constructor(message: string) {
    super("MLC2104", message);
  }
}

export interface Transform {
  name: string;
  /** Checks the arguments and returns the result kind; throws ExprError. */
  type(args: PipelineNode[], named: Record<string, Json>): ValueKind | "vector";
  /** Statistics fitted on the training rows (standardize, onehot…); JSON-serialisable. */
  fit?(args: BatchValue[], site: CallNode): Json;
  batch(args: BatchValue[], site: CallNode, state: Json | undefined, rows: number): BatchValue | VectorValue;
  /**
   * Row i of the result depends on row i of the arguments alone (no fitted statistics, no other
   * rows): the batch backend may then evaluate it over blocks of rows (evaluate-batch.ts).
   */
  rowwise?: true;
  /** The ONNX form; absent when the transform is batch-only (see `batchOnly`). */
  onnx?(g: OnnxGraph, args: OnnxValue[], site: CallNode, state: Json | undefined): OnnxValue | OnnxValue[];
  /**
   * Why there is no ONNX form (the checker flags deployed models that use it); a function when
   * it depends on the arguments (`a == b` of two string columns).
   */
  batchOnly?: string | ((site: CallNode) => string | undefined);
  /**
   * The ONNX kernel may round differently from the batch backend (a transcendental function such
   * as log: onnxruntime's logf is not correctly rounded). Every other transform is bit-exact.
   */
  inexact?: true;
  /** Output column name suffixes of a vector result (`=value`, or a reserved one), from the fitted state. */
  vectorNames?(state: Json): string[];
}
