// Materialisation of a features block for the online store: per entity, the values its window
// aggregations and point-in-time joins would give a row dated just after the newest row in the data.
// Computed by the batch backend itself on one probe row per entity, so serving sees what training saw.
import * as aq from "arquero";
import type { ColumnTable } from "arquero";
import { NodeFailure } from "../ir/executor.js";
import type { Json } from "../ir/graph-ir.js";
import { compileFeatures } from "./compile-features.js";
import { evalBatch, tableEnv } from "./evaluate-batch.js";
import type { JoinSpec } from "./feature-joins.js";
import { pointInTimeJoin, type PitFeatureTable } from "./pit-join.js";
import { columnValues, numericValues, tableColumns } from "./table-columns.js";
import type { PipelineNode } from "./transforms/types.js";

interface MaterializeInput {
  /** The features block's input rows (before its joins). */
  table: ColumnTable;
  joins: readonly { spec: JoinSpec; table: ColumnTable }[];
  featuresConfig: { [key: string]: Json };
  /** Entity key columns of the input ([]: one row for everything). */
  key: readonly string[];
  /** The block's event-time column: the newest value in it sets the materialisation time. */
  time: string;
  /** The model's raw inputs; those made by a window aggregation or a join are materialised. */
  inputs: readonly string[];
}

interface MaterializedColumn {
  name: string;
  source: "window" | "join";
}

interface Materialized {
  columns: MaterializedColumn[];
  rows: { key: unknown[]; values: unknown[] }[];
  /** The probe time: epoch ms for timestamp columns, else the column's own number. */
  asOf: number;
  timestamp: boolean;
}

type AnyColumn = ArrayLike<unknown>;

/** The smallest value above x in the precision the column stores (1 ms for timestamps). */
function justAfter(x: number, values: AnyColumn, isTime: boolean): number {
  if (isTime) return x + 1;
  const f32 = values instanceof Float32Array;
  if (x === 0) return f32 ? 2 ** -149 : Number.MIN_VALUE;
  // one step of the bit pattern away from zero (x > 0) or towards it (x < 0)
  if (f32) {
    const b = new Float32Array([x]);
    new Int32Array(b.buffer)[0]! += x > 0 ? 1 : -1;
    return b[0]!;
  }
  const b = new Float64Array([x]);
  new BigInt64Array(b.buffer)[0]! += x > 0 ? 1n : -1n;
  return b[0]!;
}

const hasDates = (values: AnyColumn): boolean => {
  for (let i = 0; i < values.length; i++) if (values[i] instanceof Date) return true;
  return false;
};

/** The window aggregations' time columns (`at`) inside a feature tree. */
function windowTimes(n: PipelineNode, out: Set<string>): Set<string> {
  if (n.t === "window") {
    out.add(n.at);
    if (n.arg) windowTimes(n.arg, out);
  } else if (n.t === "call") n.args.forEach((a) => windowTimes(a, out));
  return out;
}

/** Names of the columns each join brings in. */
function joinedNames(joins: MaterializeInput["joins"]): Set<string> {
  const out = new Set<string>();
  for (const { spec, table } of joins) {
    const cols = spec.columns ?? table.columnNames().filter((c) => !spec.keys.includes(c) && c !== spec.time);
    for (const c of cols) out.add(spec.prefix + c);
  }
  return out;
}

/**
 * The online values of every window-made or joined model input, per entity. Undefined when the
 * model reads none (nothing to look up when serving).
 */
export function materializeOnline(m: MaterializeInput): Materialized | undefined {
  const t = m.table;
  const columnsIn = t.columnNames();
  for (const k of [...m.key, m.time])
    if (!columnsIn.includes(k))
      throw new NodeFailure(`online features: the input has no column \`${k}\``, { code: "MLC2304" });
  const joined = joinedNames(m.joins);
  // Which features are window aggregations: compiled over the columns the block sees after its joins.
  const probeCols = [...tableColumns(t)];
  for (const { spec, table } of m.joins) {
    for (const c of tableColumns(table))
      if (joined.has(spec.prefix + c.name) && !columnsIn.includes(spec.prefix + c.name))
        probeCols.push({ name: spec.prefix + c.name, type: c.type });
  }
  const compiled = compileFeatures(m.featuresConfig, probeCols);
  const windowed = new Map(compiled.features.filter((f) => f.windowed).map((f) => [f.name, f]));
  const columns: MaterializedColumn[] = [];
  for (const name of m.inputs) {
    if (windowed.has(name)) columns.push({ name, source: "window" });
    else if (joined.has(name) && !compiled.features.some((f) => f.name === name))
      columns.push({ name, source: "join" });
  }
  if (!columns.length) return undefined;

  const n = t.numRows();
  const timeValues = columnValues(t, m.time) as AnyColumn;
  const times = numericValues(columnValues(t, m.time));
  let newest = -Infinity;
  for (let i = 0; i < n; i++) if (times[i]! > newest) newest = times[i]!;
  if (!Number.isFinite(newest))
    throw new NodeFailure(`online features: no row of the input has a \`${m.time}\``, { code: "MLC2304" });
  const isTime = hasDates(timeValues);

  // The newest row of each entity (ties: the later row), the template of its probe row.
  const keyCols = m.key.map((k) => columnValues(t, k) as AnyColumn);
  const latest = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(times[i]!)) continue;
    const kv = keyCols.map((c) => c[i]);
    if (kv.some((v) => v === null || v === undefined || (typeof v === "number" && Number.isNaN(v)))) continue;
    const id = kv.map((v) => (v instanceof Date ? v.getTime() : String(v))).join("\u001f");
    const j = latest.get(id);
    if (j === undefined || times[i]! >= times[j]!) latest.set(id, i);
  }
  const probes = [...latest.values()].sort((a, b) => a - b);

  // Probe rows sit just after the newest time: windows [t - over, t) then include the newest rows,
  // and joins take the latest joined row at or before it (within ttl).
  const shifted = new Map<string, { value: number; dates: boolean }>();
  const shift = (col: string): void => {
    if (shifted.has(col) || !columnsIn.includes(col)) return;
    const vals = columnValues(t, col) as AnyColumn;
    const nums = numericValues(columnValues(t, col));
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (nums[i]! > max) max = nums[i]!;
    if (!Number.isFinite(max)) return;
    const dates = hasDates(vals);
    shifted.set(col, { value: justAfter(max, vals, dates), dates });
  };
  shift(m.time);
  for (const c of columns)
    if (c.source === "window") windowTimes(windowed.get(c.name)!.node, new Set()).forEach(shift);
  for (const j of m.joins) shift(j.spec.labelTime);

  const cols: Record<string, unknown> = {};
  for (const name of columnsIn) {
    const src = columnValues(t, name) as AnyColumn;
    const sh = shifted.get(name);
    const total = n + probes.length;
    let out: { [i: number]: unknown; length: number };
    if (ArrayBuffer.isView(src)) out = new (src.constructor as new (k: number) => Float64Array)(total);
    else out = new Array<unknown>(total);
    for (let i = 0; i < n; i++) out[i] = src[i];
    probes.forEach((r, p) => {
      out[n + p] = sh ? (sh.dates ? new Date(sh.value) : sh.value) : src[r];
    });
    cols[name] = out;
  }
  let probeTable = aq.table(cols, columnsIn);
  if (m.joins.length) {
    const tables: PitFeatureTable[] = m.joins.map(({ spec, table }) => ({
      table,
      keys: spec.keys,
      time: spec.time,
      prefix: spec.prefix,
      ...(spec.columns ? { columns: spec.columns } : {}),
      ...(spec.ttlMs !== undefined ? { ttlMs: spec.ttlMs } : {}),
    }));
    probeTable = pointInTimeJoin(probeTable, m.joins[0]!.spec.labelTime, tables);
  }
  const env = tableEnv(probeTable, new Map(), false, true);
  const values = columns.map((c) => {
    if (c.source === "join") return columnValues(probeTable, c.name) as AnyColumn;
    return evalBatch(windowed.get(c.name)!.node, env).v as AnyColumn;
  });
  const rows = probes.map((r, p) => ({ key: keyCols.map((k) => k[r]), values: values.map((v) => v[n + p]) }));
  return { columns, rows, asOf: shifted.get(m.time)!.value, timestamp: isTime };
}
