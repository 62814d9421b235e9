// An imported ONNX model as a TrainedModel: predictions from onnxruntime-node (sync through a
// worker, or async), the original bytes kept verbatim (hash-checked), and merging into mlc's export.
import { createHash } from "node:crypto";
import type { onnx as OnnxNs } from "onnx-proto";
import { decodeModel, type OnnxGraph } from "../../onnx/builder.js";
import { loadSession, type OnnxSession } from "../../onnx/session.js";
import type { Task, TrainedModel } from "../estimator.js";
import { checkFeatures } from "../matrix.js";
import { toRowMajor, type Matrix } from "../matrix.js";
import { arrayOf, packModel, unpackModel } from "../nn/packed-bytes.js";
import type { ImportedSignature } from "./onnx-signature.js";
import { SyncOnnxSession } from "./sync-session.js";

const FILE_KIND = "onnx-import";
/** Opsets whose operators mean the same in the opset-17 graph mlc exports (13 moved axes to inputs). */
const MERGEABLE_OPSETS = { min: 13, max: 17 };

interface ImportedHeader {
  task: Task;
  featureNames: string[];
  /** Where the model was read from (for lineage and error messages). */
  source: string;
  sha256: string;
  signature: ImportedSignature;
  /** Width of the chosen output per row, and the column kept for a binary [N, 2] output (−1: all). */
  outputWidth: number;
  column: number;
  /** Rank of the chosen output: 1 for [N], 2 for [N, k]. */
  outputRank: number;
}

export class ImportedOnnxModel implements TrainedModel {
  readonly algorithm = "onnx";
  readonly task: Task;
  readonly featureNames: string[];
  readonly outputWidth: number;
  private syncSession?: SyncOnnxSession;
  private asyncSession?: Promise<OnnxSession>;

  constructor(
    readonly header: ImportedHeader,
    readonly modelBytes: Uint8Array,
  ) {
    this.task = header.task;
    this.featureNames = header.featureNames;
    this.outputWidth = header.task.kind === "multiclass" ? header.task.classes.length : 1;
  }

  private feed(X: Matrix): Float32Array | Float64Array {
    checkFeatures(this.algorithm, this.featureNames, X);
    const rows = toRowMajor(X);
    return this.header.signature.inputType === "double" ? Float64Array.from(rows) : rows;
  }

  predict(X: Matrix): Float64Array {
    if (X.nRows === 0) return new Float64Array(0);
    this.syncSession ??= new SyncOnnxSession(this.modelBytes);
    const sig = this.header.signature;
    const r = this.syncSession.run({
      inputName: sig.inputName,
      data: this.feed(X),
      dims: [X.nRows, X.columns.length],
      outputName: sig.outputName,
    });
    return this.select(r.data, X.nRows);
  }

  async predictAsync(X: Matrix): Promise<Float64Array> {
    if (X.nRows === 0) return new Float64Array(0);
    this.asyncSession ??= loadSession(this.modelBytes);
    const session = await this.asyncSession;
    const sig = this.header.signature;
    const data = this.feed(X);
    const dims = [X.nRows, X.columns.length];
    const out = await session.run({
      [sig.inputName]:
        data instanceof Float64Array ? { type: "double", data, dims } : { type: "float", data, dims },
    });
    const t = out[sig.outputName]!;
    return this.select(Float64Array.from(t.data as ArrayLike<number>, Number), X.nRows);
  }

  /** Keeps the meaningful column(s) of the raw output: P(positive) for a two-column binary output. */
  private select(raw: Float64Array, n: number): Float64Array {
    const { outputWidth, column } = this.header;
    if (raw.length !== n * outputWidth)
      throw new Error(
        `onnx: ${this.header.source} returned ${raw.length} values for ${n} rows; expected ${outputWidth} per row`,
      );
    if (column < 0) return raw;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = raw[i * outputWidth + column]!;
    return out;
  }

  /** Releases the ONNX Runtime sessions (the worker thread and the async session). */
  async close(): Promise<void> {
    await this.syncSession?.close();
    this.syncSession = undefined;
    const s = this.asyncSession;
    this.asyncSession = undefined;
    if (s) await (await s).release();
  }

  /**
   * Copies the imported graph into `graph` under a fresh name prefix, wired to `input`, and
   * returns a float [N, outputWidth] tensor: casts, the positive-class column, or a [N] → [N, 1] reshape as needed.
   */
  toOnnx(graph: OnnxGraph, input: string): string {
    const sig = this.header.signature;
    if (sig.opset < MERGEABLE_OPSETS.min || sig.opset > MERGEABLE_OPSETS.max) {
      throw new Error(
        `onnx: ${this.header.source} uses opset ${sig.opset}; mlc can merge opsets ${MERGEABLE_OPSETS.min}–${MERGEABLE_OPSETS.max} into its export (re-convert the model with one of those)`,
      );
    }
    const model = decodeModel(this.modelBytes);
    const g = model.graph!;
    const prefix = graph.fresh("onnx_import");
    const rename = new Map<string, string>();
    rename.set(sig.inputName, sig.inputType === "double" ? graph.op("Cast", [input], { to: 11 }) : input);
    const nameOf = (n: string): string => {
      if (n === "") return n; // an omitted optional input
      let r = rename.get(n);
      if (r === undefined) {
        r = `${prefix}/${n}`;
        rename.set(n, r);
      }
      return r;
    };
    for (const t of g.initializer ?? [])
      graph.initializers.push({ ...(t as OnnxNs.ITensorProto), name: nameOf(t.name ?? "") });
    for (const node of g.node ?? []) {
      const domain = node.domain === "ai.onnx.ml" ? "ai.onnx.ml" : "";
      graph.node(
        node.opType ?? "",
        (node.input ?? []).map(nameOf),
        (node.output ?? []).map(nameOf),
        {},
        { domain, name: `${prefix}/${node.name || graph.fresh("node")}` },
      );
      // Attributes are copied as decoded (any type), not re-encoded through the builder's helpers.
      graph.nodes[graph.nodes.length - 1]!.attribute = node.attribute ?? [];
    }
    let out = nameOf(sig.outputName);
    if (sig.outputType === "double") out = graph.op("Cast", [out], { to: 1 });
    if (this.header.outputRank === 1)
      out = graph.op("Unsqueeze", [out, graph.constant("int64", [1], [1], "onnx_import_axes")]);
    if (this.header.column >= 0)
      out = graph.op("Gather", [out, graph.constant("int64", [1], [this.header.column], "onnx_import_col")], {
        axis: 1,
      });
    return out;
  }

  serialize(): Uint8Array {
    return packModel(FILE_KIND, { ...this.header }, [["model", this.modelBytes]]);
  }

  static deserialize(bytes: Uint8Array): ImportedOnnxModel {
    const u = unpackModel(FILE_KIND, bytes);
    const header = u.header as unknown as ImportedHeader;
    const model = arrayOf(u, "model", Uint8Array);
    const digest = sha256(model);
    if (digest !== header.sha256)
      throw new Error(
        `onnx: the embedded model from ${header.source} is corrupt (sha256 ${digest}, expected ${header.sha256})`,
      );
    return new ImportedOnnxModel(header, model);
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
