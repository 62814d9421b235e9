// A fitted ensemble as a TrainedModel over the shared feature matrix: each member reads its own
// columns of it (by name) and the combination is a weighted vote (probabilities or predictions
// averaged) or a stacking meta learner over the members' outputs. Its ONNX form composes the
// members' graphs behind one input (the shared preprocessing feeds every member through a Gather),
// then Mul/Sum or Concat and the meta learner's own graph (linear, + Sigmoid/Softmax for logistic).
import type { OnnxGraph } from "../../onnx/builder.js";
import type { Estimator, Task, TrainedModel } from "../estimator.js";
import { checkFeatures, type Matrix } from "../matrix.js";

export interface EnsembleMember {
  name: string;
  model: TrainedModel;
  /** The member's feature columns in the ensemble's matrix, in the member's order. */
  columns: number[];
}

export type Combination = { kind: "vote"; weights: number[] } | { kind: "stack"; meta: TrainedModel };

/** The columns of `X` a member reads, named as the member knows them. */
export function memberMatrix(X: Matrix, columns: readonly number[]): Matrix {
  return {
    nRows: X.nRows,
    names: columns.map((c) => X.names[c]!),
    columns: columns.map((c) => X.columns[c]!),
  };
}

/** The names of the meta learner's inputs: one per member (per class of a multiclass task). */
export function metaFeatureNames(members: readonly { name: string }[], width: number, task: Task): string[] {
  return members.flatMap((m) =>
    width === 1
      ? [m.name]
      : Array.from({ length: width }, (_, k) =>
          task.kind === "multiclass" ? `${m.name}:${task.classes[k]}` : `${m.name}:${k}`,
        ),
  );
}

/** The members' predictions side by side: the meta learner's input matrix. */
export function metaMatrix(preds: readonly Float64Array[], names: readonly string[], width: number): Matrix {
  const n = preds.length ? preds[0]!.length / width : 0;
  const columns: Float32Array[] = [];
  for (const p of preds)
    for (let k = 0; k < width; k++) {
      const col = new Float32Array(n);
      for (let i = 0; i < n; i++) col[i] = p[i * width + k]!;
      columns.push(col);
    }
  return { nRows: n, names: [...names], columns };
}

const MAGIC = "MLCENS1\n";

export class EnsembleModel implements TrainedModel {
  readonly algorithm: string;
  readonly outputWidth: number;

  constructor(
    readonly task: Task,
    readonly featureNames: string[],
    readonly members: readonly EnsembleMember[],
    readonly combination: Combination,
  ) {
    this.algorithm = combination.kind;
    this.outputWidth = members[0]!.model.outputWidth;
    for (const m of members)
      if (m.model.outputWidth !== this.outputWidth)
        throw new Error(
          `ensemble: member ${m.name} gives ${m.model.outputWidth} outputs per row, ${members[0]!.name} ${this.outputWidth}`,
        );
    if (combination.kind === "vote" && combination.weights.length !== members.length)
      throw new Error(`ensemble: ${combination.weights.length} weights for ${members.length} members`);
  }

  /** Each member's predictions on its columns of X. */
  memberPredictions(X: Matrix): Float64Array[] {
    checkFeatures(this.algorithm, this.featureNames, X);
    return this.members.map((m) => m.model.predict(memberMatrix(X, m.columns)));
  }

  predict(X: Matrix): Float64Array {
    return this.combine(this.memberPredictions(X));
  }

  /** The combination of the members' predictions (row-major n × outputWidth each). */
  combine(preds: readonly Float64Array[]): Float64Array {
    const c = this.combination;
    if (c.kind === "stack") {
      const names = metaFeatureNames(this.members, this.outputWidth, this.task);
      return c.meta.predict(metaMatrix(preds, names, this.outputWidth));
    }
    const w = normalised(c.weights);
    const out = new Float64Array(preds[0]!.length);
    for (const [i, p] of preds.entries()) {
      const wi = w[i]!;
      if (wi === 0) continue;
      for (let r = 0; r < out.length; r++) out[r] = out[r]! + wi * p[r]!;
    }
    return out;
  }

  toOnnx(g: OnnxGraph, input: string): string {
    const all = this.featureNames.length;
    const outs = this.members.map((m) => {
      const identity = m.columns.length === all && m.columns.every((c, i) => c === i);
      const sub = identity
        ? input
        : g.op("Gather", [input, g.constant("int64", [m.columns.length], m.columns, "columns")], { axis: 1 });
      const first = g.nodes.length;
      const out = m.model.toOnnx(g, sub);
      // the member's nodes are named after it (tensor names are unique already; equal constants stay shared)
      for (const node of g.nodes.slice(first)) node.name = `${m.name}/${node.name ?? node.opType}`;
      return out;
    });
    const c = this.combination;
    if (c.kind === "stack") {
      const joined = outs.length === 1 ? outs[0]! : g.op("Concat", outs, { axis: 1 });
      return c.meta.toOnnx(g, joined);
    }
    const w = normalised(c.weights);
    const terms = outs.flatMap((o, i) =>
      w[i] === 0 ? [] : [w[i] === 1 ? o : g.op("Mul", [o, g.constant("float", [1], [w[i]!], "weight")])],
    );
    return terms.length === 1 ? terms[0]! : g.op("Sum", terms);
  }

  /** Header (JSON) then the members' bytes and the meta learner's, each length-prefixed in the header. */
  serialize(): Uint8Array {
    const blobs = this.members.map((m) => m.model.serialize());
    const c = this.combination;
    const meta = c.kind === "stack" ? c.meta.serialize() : undefined;
    const header = {
      kind: c.kind,
      task: this.task,
      features: this.featureNames,
      members: this.members.map((m, i) => ({
        name: m.name,
        algorithm: m.model.algorithm,
        columns: m.columns,
        bytes: blobs[i]!.byteLength,
      })),
      ...(c.kind === "vote" ? { weights: c.weights } : {}),
      ...(meta && c.kind === "stack"
        ? { meta: { algorithm: c.meta.algorithm, bytes: meta.byteLength } }
        : {}),
    };
    const head = new TextEncoder().encode(MAGIC + JSON.stringify(header) + "\n");
    const parts = [head, ...blobs, ...(meta ? [meta] : [])];
    const out = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }
}

function normalised(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

/** Reads `serialize`'s bytes back, with the estimators of the members' and meta learner's algorithms. */
export function deserializeEnsemble(
  bytes: Uint8Array,
  estimatorOf: (algorithm: string) => Estimator | undefined,
): EnsembleModel {
  const text = new TextDecoder().decode(bytes.subarray(0, Math.min(bytes.byteLength, 1 << 20)));
  const end = text.indexOf("\n", MAGIC.length);
  if (!text.startsWith(MAGIC) || end < 0) throw new Error("ensemble: not an ensemble model's bytes");
  const header = JSON.parse(text.slice(MAGIC.length, end)) as {
    kind: "vote" | "stack";
    task: Task;
    features: string[];
    members: { name: string; algorithm: string; columns: number[]; bytes: number }[];
    weights?: number[];
    meta?: { algorithm: string; bytes: number };
  };
  let at = new TextEncoder().encode(text.slice(0, end + 1)).byteLength;
  const take = (n: number, algorithm: string): TrainedModel => {
    const e = estimatorOf(algorithm);
    if (!e) throw new Error(`ensemble: the estimator of ${algorithm} is not loaded`);
    const m = e.deserialize(bytes.subarray(at, at + n));
    at += n;
    return m;
  };
  const members = header.members.map((m) => ({
    name: m.name,
    columns: m.columns,
    model: take(m.bytes, m.algorithm),
  }));
  const combination: Combination =
    header.kind === "stack"
      ? { kind: "stack", meta: take(header.meta!.bytes, header.meta!.algorithm) }
      : { kind: "vote", weights: header.weights! };
  return new EnsembleModel(header.task, header.features, members, combination);
}
