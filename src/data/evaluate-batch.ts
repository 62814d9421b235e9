// The batch backend: evaluates compiled expression trees column-wise over a table's columns,
// fitting transform statistics on the way when asked (on the training split only). A run of
// row-wise transforms (arithmetic, comparisons, math…) is evaluated block by block: its
// intermediate values stay a few thousand rows long (in cache, no fresh memory per operation)
// and only the result is a whole column. Row-wise means row i of the output depends on row i of
// the inputs alone, so the values are the same as a whole-column evaluation's.
import type { ColumnTable } from "arquero";
import type { Json } from "../ir/graph-ir.js";
import { type ColumnValues, columnValues, numericValues } from "./table-columns.js";
import type {
  BatchValue,
  CallNode,
  PipelineNode,
  ValueKind,
  VectorValue,
  WindowNode,
} from "./transforms/types.js";
import { childrenOf, postOrder } from "./pipeline-walk.js";
import { windowAggregate } from "./windows.js";

interface BatchEnv {
  rows: number;
  /** A raw input column in the kind the tree expects. */
  column(name: string, kind: ValueKind): BatchValue;
  /** Rows [start, end) of column(name, kind), converted alone when the whole column is not. */
  columnBlock(name: string, kind: ValueKind, start: number, end: number): BatchValue;
  /** Rows per block of a row-wise run (Infinity: whole columns). */
  blockRows: number;
  /** Fitted statistics by call-node id. */
  states: Map<number, Json>;
  /** Fit statistics that are missing (training); otherwise a missing one is a bug. */
  fitting: boolean;
  memo: Map<PipelineNode, BatchValue | VectorValue>;
  /** Windows need the whole table (features node only). */
  windows: boolean;
}

/** Rows per block of a row-wise run: a few blocks of float32 fit in L2 cache. */
export const BLOCK_ROWS = 8192;
const FIRST_BLOCK_ROWS = 64;

/** Raw column values converted to a pipeline kind (numbers to float32, nulls to NaN / ""). */
export function columnAsKind(t: ColumnTable, name: string, kind: ValueKind): BatchValue {
  return valuesAsKind(columnValues(t, name), kind);
}

/** A column's rows [start, end), by reference where the form allows. */
function rowRange(values: ColumnValues, start: number, end: number): ColumnValues {
  return ArrayBuffer.isView(values)
    ? (values as Float64Array).subarray(start, end)
    : (values as readonly unknown[]).slice(start, end);
}

function valuesAsKind(values: ColumnValues, kind: ValueKind): BatchValue {
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
  /** Rows per block of a row-wise run; Infinity evaluates whole columns (the reference path). */
  blockRows = BLOCK_ROWS,
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
    columnBlock(name, kind, start, end) {
      const whole = cache.get(`${kind}:${name}`);
      if (whole) return sliceValue(whole, start, end);
      return valuesAsKind(rowRange(columnValues(t, name), start, end), kind);
    },
    blockRows,
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

/** A call evaluated block by block: a row-wise transform with a single-column result. */
const isRowwise = (n: PipelineNode): n is CallNode =>
  n.t === "call" && n.transform.rowwise === true && n.kind !== "vector";

/** Rows [start, end) of a whole-column value, by reference for typed arrays. */
function sliceValue(v: BatchValue, start: number, end: number): BatchValue {
  if (v.kind === "str") return { kind: "str", v: v.v.slice(start, end) };
  if (v.kind === "num") return { kind: "num", v: v.v.subarray(start, end) };
  return { kind: "time", v: v.v.subarray(start, end) };
}

/** An empty whole column of `like`'s kind, for `rows` rows. */
function columnLike(like: BatchValue, rows: number): BatchValue {
  if (like.kind === "num") return { kind: "num", v: new Float32Array(rows) };
  if (like.kind === "time") return { kind: "time", v: new Float64Array(rows) };
  return { kind: "str", v: new Array<string>(rows) };
}

/**
 * The whole column of a row-wise node, computed block by block: within the run of row-wise calls
 * below it, columns and literals are read or made per block; any other operand (a fitted
 * transform, a window, a node computed before) is whole in `env.memo` already and sliced.
 */
function evalBlocked(root: CallNode, env: BatchEnv): BatchValue {
  const run = postOrder([root], (x) => env.memo.has(x) || !(isRowwise(x) || x.t === "col" || x.t === "lit"));
  const rows = env.rows;
  let out: BatchValue | undefined;
  const block = new Map<PipelineNode, BatchValue>();
  // The first block is short: each transform's batch then runs to its end once before its loop
  // is optimised (an exit never run before would discard the optimised loop on every block).
  for (let start = 0, size = Math.min(FIRST_BLOCK_ROWS, env.blockRows); start < rows; start += size) {
    if (start > 0) size = env.blockRows;
    const end = Math.min(rows, start + size),
      n = end - start;
    block.clear();
    const operand = (a: PipelineNode): BatchValue =>
      block.get(a) ?? sliceValue(env.memo.get(a) as BatchValue, start, end);
    for (const x of run) {
      let v: BatchValue;
      if (x.t === "col") v = env.columnBlock(x.name, x.kind, start, end);
      else if (x.t === "lit") v = literal(x, n);
      else {
        const c = x as CallNode; // the run holds calls that are row-wise, columns and literals
        v = c.transform.batch(c.args.map(operand), c, env.states.get(c.id), n) as BatchValue;
      }
      block.set(x, v);
    }
    const v = block.get(root)!;
    out ??= columnLike(v, rows);
    if (out.kind === "str") {
      const o = out.v,
        b = v.v as string[];
      for (let i = 0; i < n; i++) o[start + i] = b[i]!;
    } else (out.v as Float32Array | Float64Array).set(v.v as Float32Array | Float64Array, start);
  }
  return out!; // rows > 0: blocks run only over more rows than one block
}

/**
 * Evaluates a tree over the table, operands first, in a loop (trees may be thousands deep). A
 * row-wise node is computed whole (in blocks) when it is the root or an operand of a node that
 * needs whole columns; one under another row-wise node is computed inside that one's blocks.
 */
export function evalBatch(node: PipelineNode, env: BatchEnv): BatchValue;
export function evalBatch(node: PipelineNode, env: BatchEnv): BatchValue | VectorValue;
export function evalBatch(node: PipelineNode, env: BatchEnv): BatchValue | VectorValue {
  const order = postOrder([node], (x) => env.memo.has(x));
  const blocked = env.rows > env.blockRows;
  // Nodes some consumer needs as a whole column: the root, and operands of non-row-wise nodes.
  const whole = new Set<PipelineNode>([node]);
  if (blocked) for (const n of order) if (!isRowwise(n)) for (const c of childrenOf(n)) whole.add(c);
  for (const n of order) {
    if (!blocked || !(isRowwise(n) || n.t === "col" || n.t === "lit")) env.memo.set(n, evalNode(n, env));
    else if (whole.has(n)) env.memo.set(n, isRowwise(n) ? evalBlocked(n, env) : evalNode(n, env));
  }
  return env.memo.get(node)!;
}
