// The batch backend: evaluates compiled expression trees column-wise over a table's columns,
// fitting transform statistics on the way when asked (on the training split only).
import type { ColumnTable } from "arquero";
import type { Json } from "../ir/graph-ir.js";
import { columnValues, numericValues } from "./table-columns.js";
import type { BatchValue, PipelineNode, ValueKind, VectorValue, WindowNode } from "./transforms/types.js";
import { postOrder } from "./pipeline-walk.js";
import { windowAggregate } from "./windows.js";

interface BatchEnv {
  rows: number;
  /** A raw input column in the kind the tree expects. */
  column(name: string, kind: ValueKind): BatchValue;
  /** Fitted statistics by call-node id. */
  states: Map<number, Json>;
  /** Fit statistics that are missing (training); otherwise a missing one is a bug. */
  fitting: boolean;
  memo: Map<PipelineNode, BatchValue | VectorValue>;
  /** Windows need the whole table (features node only). */
  windows: boolean;
}

/** Raw column values converted to a pipeline kind (numbers to float32, nulls to NaN / ""). */
export function columnAsKind(t: ColumnTable, name: string, kind: ValueKind): BatchValue {
  const values = columnValues(t, name);
  if (kind === "num") return { kind, v: new Float32Array(numericValues(values)) }; // native conversion, same rounding as .from
  if (kind === "time") return { kind, v: numericValues(values) };
  const n = values.length;
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    out[i] =
      v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))
        ? ""
        : v instanceof Date
          ? v.toISOString()
          : String(v);
  }
  return { kind, v: out };
}

export function tableEnv(
  t: ColumnTable,
  states: Map<number, Json>,
  fitting: boolean,
  windows = false,
): BatchEnv {
  const cache = new Map<string, BatchValue>();
  return {
    rows: t.numRows(),
    column(name, kind) {
      const key = `${kind}:${name}`;
      let v = cache.get(key);
      if (!v) cache.set(key, (v = columnAsKind(t, name, kind)));
      return v;
    },
    states,
    fitting,
    memo: new Map(),
    windows,
  };
}

function literal(node: PipelineNode & { t: "lit" }, rows: number): BatchValue {
  if (node.kind === "str") return { kind: "str", v: new Array<string>(rows).fill(node.value as string) };
  if (node.kind === "list") return { kind: "num", v: new Float32Array(0) };
  return { kind: "num", v: new Float32Array(rows).fill(node.value === null ? NaN : (node.value as number)) };
}

function windowValue(node: WindowNode, env: BatchEnv): BatchValue {
  if (!env.windows) throw new Error(`window aggregation evaluated outside the features node`);
  const arg = node.arg ? evalBatch(node.arg, env) : undefined;
  let values: Float32Array | undefined;
  if (arg?.kind === "num") values = arg.v;
  else if (arg) {
    // count(x) of a string or time column: count its non-null rows
    values = new Float32Array(env.rows);
    for (let i = 0; i < env.rows; i++)
      values[i] = arg.kind === "str" ? (arg.v[i] === "" ? NaN : 1) : Number.isNaN(arg.v[i]!) ? NaN : 1;
  }
  const entity = env.column(node.by, "str").v as string[];
  const time = env.column(node.at, "time").v as Float64Array;
  return { kind: "num", v: windowAggregate(node.op, values, entity, time, node.over) };
}

/** The value of one node whose operands are in `env.memo` already. */
function evalNode(node: PipelineNode, env: BatchEnv): BatchValue | VectorValue {
  switch (node.t) {
    case "col":
      return env.column(node.name, node.kind);
    case "lit":
      return literal(node, env.rows);
    case "window":
      return windowValue(node, env);
    case "call": {
      const args = node.args.map((a) => env.memo.get(a) as BatchValue);
      let state = env.states.get(node.id);
      if (node.transform.fit && state === undefined) {
        if (!env.fitting) throw new Error(`transform ${node.fn}#${node.id} used before it was fitted`);
        state = node.transform.fit(args, node);
        env.states.set(node.id, state);
      }
      return node.transform.batch(args, node, state, env.rows);
    }
  }
}

/** Evaluates a tree over the table, operands first, in a loop (trees may be thousands deep). */
export function evalBatch(node: PipelineNode, env: BatchEnv): BatchValue;
export function evalBatch(node: PipelineNode, env: BatchEnv): BatchValue | VectorValue;
export function evalBatch(node: PipelineNode, env: BatchEnv): BatchValue | VectorValue {
  for (const n of postOrder([node], (x) => env.memo.has(x))) env.memo.set(n, evalNode(n, env));
  return env.memo.get(node)!;
}
