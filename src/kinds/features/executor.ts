// Executor for `features` nodes: joins the `join` tables point in time onto the input, then
// computes the stateless features (window aggregations included, point-in-time correct) next to
// those columns; fitted ones are fitted later by the model.
import type { Executor } from "../../ir/executor.js";
import * as aq from "arquero";
import { compileFeatures } from "../../data/compile-features.js";
import { evalBatch, tableEnv } from "../../data/evaluate-batch.js";
import { exprJsonText as exprText } from "../../ir/expr-json.js";
import { inputWithJoins } from "../../data/feature-joins.js";
import { saveTable } from "../../data/table-artifact.js";
import { columnValues, tableColumns } from "../../data/table-columns.js";
import type { BatchValue } from "../../data/transforms/types.js";
import { isObj, type Json, type JsonObject as Obj } from "../../ir/graph-ir.js";
import type { ExecContext } from "../../ir/executor.js";

/** A feature column in the table's in-memory forms (strings with nulls, Dates for timestamps). */
function asColumn(v: BatchValue): unknown {
  if (v.kind === "num") return v.v;
  if (v.kind === "str") return v.v.map((s) => (s === "" ? null : s));
  return Array.from(v.v, (ms) => (Number.isNaN(ms) ? null : new Date(ms)));
}

/**
 * Declared types of the input columns, by name: from a source's schema or an upstream features
 * node's `column_types` (the first input that names a column wins). Serving validates with them.
 */
function declaredTypes(ctx: ExecContext, columns: readonly string[]): Obj {
  const found = new Map<string, string>();
  for (const input of ctx.node.inputs) {
    const s = ctx.inputs.get(input.node)?.summary;
    const schema = Array.isArray(s?.schema) ? s.schema : [];
    for (const c of schema)
      if (isObj(c) && typeof c.name === "string" && typeof c.type === "string" && !found.has(c.name))
        found.set(c.name, c.type);
    const upstream = s?.column_types;
    if (isObj(upstream))
      for (const [name, type] of Object.entries(upstream))
        if (typeof type === "string" && !found.has(name)) found.set(name, type);
  }
  const out: Obj = {};
  for (const c of columns) {
    const type = found.get(c);
    if (type !== undefined) out[c] = type;
  }
  return out;
}

export const featuresExecutor: Executor = {
  kind: "features",
  version: "2", // 2: the summary records the input columns' declared types (column_types)
  async run(ctx) {
    const table = await inputWithJoins(ctx);
    const compiled = compileFeatures(ctx.node.config, tableColumns(table));
    const env = tableEnv(table, new Map(), false, true);
    const cols: Record<string, unknown> = {};
    for (const name of table.columnNames()) cols[name] = columnValues(table, name);
    const names = [...table.columnNames()];
    const listed: Json[] = [];
    for (const f of compiled.features) {
      const kind = f.windowed ? "window" : f.fitted ? "fitted" : "stateless";
      listed.push({
        name: f.name,
        expression: exprText(f.expr),
        kind,
        onnx: !f.batchOnly || f.windowed,
        ...(f.batchOnly && !f.windowed ? { batch_only: f.batchOnly } : {}),
      });
      if (f.fitted) continue; // fitted on the training split by the model branch
      const v = evalBatch(f.node, env);
      if (!names.includes(f.name)) names.push(f.name);
      cols[f.name] = asColumn(v);
    }
    const out = aq.table(cols, names);
    const hash = await saveTable(ctx.artifacts, out);
    ctx.log(
      `${compiled.features.length} features (${compiled.features.filter((f) => !f.fitted).length} computed here) over ${out.numRows()} rows`,
    );
    return {
      artifacts: { table: hash },
      metrics: { rows: out.numRows(), features: compiled.features.length },
      summary: {
        features: listed,
        key: compiled.key ?? null,
        timestamp: compiled.timestamp ?? null,
        column_types: declaredTypes(ctx, table.columnNames()),
      },
    };
  },
};
