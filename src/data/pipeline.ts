// The feature pipeline a model branch trains with: built from a features block, fitted on the
// training split only, applied in batch (a float32 Matrix) or emitted as ONNX in front of a model.
import type { ColumnTable } from "arquero";
import type { Matrix } from "../ml/matrix.js";
import type { OnnxGraph } from "../onnx/builder.js";
import type { Json } from "../ir/graph-ir.js";
import { NodeFailure } from "../ir/executor.js";
import { jsonText } from "../ir/json-text.js";
import type { ColumnType } from "./column-type.js";
import { didYouMeanSuffix } from "../ir/did-you-mean.js";
import { type FeatureDef, allColumnsRead, compileFeatures, hasFitted } from "./compile-features.js";
import { evalBatch, tableEnv } from "./evaluate-batch.js";
import { postOrder, someNode } from "./pipeline-walk.js";
import { emitOnnx } from "./evaluate-onnx.js";
import { transformFor } from "./transforms/index.js";
import { unseenOf } from "./transforms/onehot.js";
import type { CallNode, OnnxValue, PipelineNode, ValueKind, VectorValue } from "./transforms/types.js";

type RawInputType = "float" | "string" | "double";

/** A raw column the pipeline reads. ONNX: an [N, 1] input of this name; float (numbers, bool
 * as 0/1, NaN = null), string ("" = null), or double (timestamps as epoch milliseconds). */
export interface RawInput {
  name: string;
  type: RawInputType;
}

export interface FittedPipeline {
  outputNames: string[];
  rawInputs: RawInput[];
  /** Window features among rawInputs: materialised by the features node, looked up online when serving. */
  lookups: string[];
  /** Raw category columns whose values serving must refuse when training never saw them (`onehot(c, unseen = error)`). */
  refuseUnseen: string[];
  /** Per output column: whether the ONNX graph computes it bit for bit as `transform` does (no `inexact` transform). */
  exact: boolean[];
  /** Features without an ONNX form (with the reason); toOnnx fails if this is not empty. */
  batchOnly: { feature: string; reason: string }[];
  transform(t: ColumnTable): Matrix;
  /** Adds inputs and operators to `g`; `output` is a float [N, outputNames.length] tensor. */
  toOnnx(g: OnnxGraph): { inputs: RawInput[]; output: string };
  serialize(): Uint8Array;
}

interface FeaturePipeline {
  /** Known before fitting except for one-hot features, whose columns depend on the training data. */
  outputNames: string[];
  rawInputs: RawInput[];
  lookups: string[];
  refuseUnseen: string[];
  batchOnly: { feature: string; reason: string }[];
  fit(train: ColumnTable): FittedPipeline;
}

/** One model input feature: its name and tree (string-valued trees are wrapped in `ordinal`). */
interface Output {
  name: string;
  node: PipelineNode;
  /** Window features are read from the column of their name, materialised by the features node. */
  materialized: boolean;
  batchOnly?: string;
}

interface Built {
  outputs: Output[];
  rawInputs: RawInput[];
  lookups: string[];
  refuseUnseen: string[];
  batchOnly: { feature: string; reason: string }[];
}

const RAW_TYPE: Record<ValueKind, RawInputType> = { num: "float", str: "string", time: "double" };

function build(
  featuresConfig: { [key: string]: Json },
  inputColumns: readonly { name: string; type: ColumnType | string }[],
  select?: readonly string[],
): Built {
  const compiled = compileFeatures(featuresConfig, inputColumns);
  const byName = new Map(compiled.features.map((f) => [f.name, f]));
  let nextId = compiled.nextId;
  const wrapOrdinal = (node: PipelineNode): PipelineNode => {
    const t = transformFor("ordinal")!;
    return {
      t: "call",
      fn: "ordinal",
      transform: t,
      args: [node],
      named: {},
      kind: "num",
      id: nextId++,
    } satisfies CallNode;
  };
  // `usage.*` selects every feature of the block; `usage.x` or `x` one feature or raw column.
  const all = compiled.features.map((f) => f.name);
  const names =
    select === undefined
      ? all
      : [
          ...new Set(
            select.flatMap((s) =>
              s === "*" || s.endsWith(".*") ? all : [s.includes(".") ? s.slice(s.lastIndexOf(".") + 1) : s],
            ),
          ),
        ];
  const outputs: Output[] = [];
  for (const name of names) {
    let def: FeatureDef | undefined = byName.get(name);
    if (!def) {
      const kind = compiled.columns.get(name);
      if (kind === undefined) {
        throw new NodeFailure(
          `unknown feature or column \`${name}\`${didYouMeanSuffix(name, [...byName.keys(), ...compiled.columns.keys()])}`,
          { code: "MLC2104" },
        );
      }
      def = { name, expr: { $ref: [name] }, node: { t: "col", name, kind }, windowed: false, fitted: false };
    }
    if (def.windowed) {
      if (hasFitted(def.node))
        throw new NodeFailure(
          `feature \`${name}\`: a window aggregation cannot be combined with a fitted transform`,
          { code: "MLC2104" },
        );
      // Served by lookup in the online store: an ONNX input named after the feature.
      outputs.push({ name, node: { t: "col", name, kind: "num" }, materialized: true });
      continue;
    }
    const kind = def.node.kind;
    if (kind === "time")
      throw new NodeFailure(
        `feature \`${name}\` is a timestamp; use hour(), dayofweek(), month() or days_between() to make a number of it`,
        { code: "MLC2104" },
      );
    if (kind === "list")
      throw new NodeFailure(`feature \`${name}\` is a list, not a value`, { code: "MLC2104" });
    outputs.push({
      name,
      node: kind === "str" ? wrapOrdinal(def.node) : def.node,
      materialized: false,
      batchOnly: def.batchOnly,
    });
  }
  const raw = new Map<string, ValueKind>();
  const refuseUnseen = new Set<string>();
  // raw inputs in the order a depth-first walk meets them; window nodes are not materialised here
  for (const n of postOrder(
    outputs.map((o) => o.node),
    (x) => x.t === "window",
  )) {
    if (n.t === "col") {
      if (!raw.has(n.name)) raw.set(n.name, n.kind);
    } else if (n.t === "call") {
      const x = n.args[0];
      if ((n.fn === "onehot" || n.fn === "ordinal") && x?.t === "col" && unseenOf(n) === "error")
        refuseUnseen.add(x.name);
    }
  }
  return {
    outputs,
    rawInputs: [...raw].map(([name, kind]) => ({ name, type: RAW_TYPE[kind] })),
    lookups: outputs.filter((o) => o.materialized).map((o) => o.name),
    refuseUnseen: [...refuseUnseen],
    batchOnly: outputs.filter((o) => o.batchOnly).map((o) => ({ feature: o.name, reason: o.batchOnly! })),
  };
}

/**
 * Builds the pipeline of a features block over its input columns (the table the model trains
 * on). `select` picks features or raw input columns by name (default: every feature of the block).
 * Throws NodeFailure on a bad expression.
 */
export function buildPipeline(
  featuresConfig: { [key: string]: Json },
  inputColumns: readonly { name: string; type: ColumnType | string }[],
  select?: readonly string[],
): FeaturePipeline {
  const built = build(featuresConfig, inputColumns, select);
  const staticNames = built.outputs.map((o) => o.name);
  return {
    outputNames: staticNames,
    rawInputs: built.rawInputs,
    lookups: built.lookups,
    refuseUnseen: built.refuseUnseen,
    batchOnly: built.batchOnly,
    fit(train) {
      const states = new Map<number, Json>();
      const env = tableEnv(train, states, true);
      for (const o of built.outputs) if (!o.materialized) evalBatch(o.node, env);
      return fitted(built, states, {
        config: featuresConfig,
        inputColumns: inputColumns.map((c) => ({ name: c.name, type: c.type })),
        select: select ? [...select] : null,
      });
    },
  };
}

interface SavedPipeline {
  format: "mlc-feature-pipeline/1";
  config: { [key: string]: Json };
  inputColumns: { name: string; type: string }[];
  select: string[] | null;
  states: [number, Json][];
}

function usesInexact(n: PipelineNode): boolean {
  return someNode(n, (x) => x.t === "call" && x.transform.inexact === true);
}

/** Per output column, whether its tree has only bit-exact transforms. */
function exactColumns(built: Built, states: Map<number, Json>): boolean[] {
  return built.outputs.flatMap((o) => {
    const n = o.node;
    const width =
      n.t === "call" && n.kind === "vector" ? n.transform.vectorNames!(states.get(n.id)!).length : 1;
    return new Array<boolean>(width).fill(o.materialized || !usesInexact(n));
  });
}

function outputNamesOf(built: Built, states: Map<number, Json>): string[] {
  const names: string[] = [];
  for (const o of built.outputs) {
    const n = o.node;
    if (n.t === "call" && n.kind === "vector") {
      for (const suffix of n.transform.vectorNames!(states.get(n.id)!)) names.push(`${o.name}${suffix}`);
    } else names.push(o.name);
  }
  return names;
}

function fitted(
  built: Built,
  states: Map<number, Json>,
  saved: Omit<SavedPipeline, "format" | "states">,
): FittedPipeline {
  const outputNames = outputNamesOf(built, states);
  return {
    outputNames,
    rawInputs: built.rawInputs,
    lookups: built.lookups,
    refuseUnseen: built.refuseUnseen,
    exact: exactColumns(built, states),
    batchOnly: built.batchOnly,
    transform(t) {
      for (const o of built.outputs) {
        if (o.materialized && !t.columnNames().includes(o.name)) {
          throw new NodeFailure(
            `feature \`${o.name}\` is a window aggregation: the table must come from the features node that computes it`,
            { code: "MLC2104" },
          );
        }
      }
      const env = tableEnv(t, states, false);
      const columns: Float32Array[] = [];
      for (const o of built.outputs) {
        const v = evalBatch(o.node, env) as ReturnType<typeof evalBatch> | VectorValue;
        if (v.kind === "vector") columns.push(...v.columns);
        else columns.push(v.v as Float32Array);
      }
      return { nRows: t.numRows(), columns, names: outputNames.slice() };
    },
    toOnnx(g) {
      if (built.batchOnly.length) {
        const b = built.batchOnly[0]!;
        throw new NodeFailure(`feature \`${b.feature}\` has no ONNX form: ${b.reason}`, { code: "MLC2104" });
      }
      const inputs = new Map<string, OnnxValue>();
      const env = {
        input(name: string, kind: ValueKind): OnnxValue {
          let v = inputs.get(name);
          if (!v) {
            g.input(name, RAW_TYPE[kind], ["N", 1]);
            inputs.set(name, (v = { kind, name }));
          }
          return v;
        },
        states,
        memo: new Map<PipelineNode, OnnxValue>(),
      };
      const parts = emitOnnx(
        g,
        built.outputs.map((o) => o.node),
        env,
      ).map((v) => v.name);
      // A feature that reads no column (`bias = 1`) is a [1, w] constant: broadcast it to the rows.
      const constant = built.outputs.flatMap((o, i) => (allColumnsRead(o.node).size === 0 ? [i] : []));
      if (constant.length) {
        const rowsOf = [...inputs.keys()][0];
        if (rowsOf === undefined)
          throw new NodeFailure("the features read no column, so the ONNX graph has no rows to compute");
        const shape = g.op("Shape", [rowsOf]);
        for (const i of constant) parts[i] = g.op("Expand", [parts[i]!, shape]);
      }
      const output = g.op("Concat", parts, { axis: 1 });
      return {
        inputs: [...inputs.keys()].map((name) => built.rawInputs.find((r) => r.name === name)!),
        output,
      };
    },
    serialize() {
      const doc: SavedPipeline = {
        format: "mlc-feature-pipeline/1",
        ...saved,
        states: [...states].sort((a, b) => a[0] - b[0]),
      };
      return new TextEncoder().encode(jsonText(doc));
    },
  };
}

export function deserializePipeline(bytes: Uint8Array): FittedPipeline {
  const doc = JSON.parse(new TextDecoder().decode(bytes)) as SavedPipeline;
  if (doc.format !== "mlc-feature-pipeline/1")
    throw new Error(`not a feature pipeline (format ${String(doc.format)})`);
  const built = build(doc.config, doc.inputColumns, doc.select ?? undefined);
  return fitted(built, new Map(doc.states), {
    config: doc.config,
    inputColumns: doc.inputColumns,
    select: doc.select,
  });
}
