// Executor for `split` nodes: assigns rows to train / valid / test by a seeded method and stores
// each part as its own table artifact (kfold: a `fold` column on the training rows).
import type { Executor } from "../../ir/executor.js";
import type { ColumnTable } from "arquero";
import * as aq from "arquero";
import { inputTable } from "../../data/input-table.js";
import { readBlock } from "../../ir/node-config.js";
import { parseSplitMethod, runSplit } from "../../data/splits/index.js";
import { identityOf } from "../../data/splits/row-hash.js";
import { sharesOfConfig } from "./config.js";
import { TEST, TRAIN, VALID } from "../../data/splits/types.js";
import { nameArg } from "../../data/transforms/support.js";
import { saveTable } from "../../data/table-artifact.js";
import { columnValues, takeRows } from "../../data/table-columns.js";
import { NodeFailure, type ExecContext } from "../../ir/executor.js";
import type { Json } from "../../ir/graph-ir.js";

/**
 * The column that identifies a row for hash-based assignment: the split's own `key`, else the
 * key its source declares (when the split reads the source directly and the column is there);
 * undefined means the row's whole content identifies it.
 */
function rowKey(ctx: ExecContext, attrs: Record<string, Json>, columns: string[]): string | undefined {
  const own = nameArg(attrs.key);
  if (own !== undefined) {
    if (!columns.includes(own))
      throw new NodeFailure(`split ${ctx.node.name}: its key \`${own}\` is not a column of its input`, {
        code: "MLC2107",
      });
    return own;
  }
  for (const node of ctx.inputNodes?.values() ?? []) {
    if (node.kind !== "source") continue;
    const key = nameArg(readBlock(node.config).attributes.key);
    if (key !== undefined && columns.includes(key)) return key;
  }
  return undefined;
}

function rowsOf(part: Uint8Array, p: number): Int32Array {
  let n = 0;
  for (const x of part) if (x === p) n++;
  const out = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < part.length; i++) if (part[i] === p) out[k++] = i;
  return out;
}

function withFold(t: ColumnTable, fold: Int32Array, rows: Int32Array): ColumnTable {
  const cols: Record<string, unknown> = {};
  for (const n of t.columnNames()) cols[n] = columnValues(t, n);
  cols.fold = Float64Array.from(rows, (r) => fold[r]!);
  return aq.table(cols, [...t.columnNames().filter((n) => n !== "fold"), "fold"]);
}

export const splitExecutor: Executor = {
  kind: "split",
  // 2: rows are placed by a seeded hash of their key or content (stable as data grows).
  version: "2",
  async run(ctx) {
    const b = readBlock(ctx.node.config);
    const { table } = await inputTable(ctx);
    const method = parseSplitMethod(b.attributes.method);
    const shares = sharesOfConfig(b.attributes);
    const seed = typeof b.attributes.seed === "number" ? b.attributes.seed : ctx.seed;
    const key = rowKey(ctx, b.attributes, table.columnNames());
    const a = runSplit(method, { table, shares, seed, identity: identityOf(table, key) });
    const parts = { train: rowsOf(a.part, TRAIN), valid: rowsOf(a.part, VALID), test: rowsOf(a.part, TEST) };
    const artifacts: Record<string, string> = {};
    for (const [name, rows] of Object.entries(parts)) {
      let t = takeRows(table, rows);
      if (a.fold && name === "train") t = withFold(t, a.fold, rows);
      artifacts[name] = await saveTable(ctx.artifacts, t, table);
    }
    ctx.log(
      `${method.name}: train ${parts.train.length}, valid ${parts.valid.length}, test ${parts.test.length} rows`,
    );
    return {
      artifacts,
      metrics: {
        rows_train: parts.train.length,
        rows_valid: parts.valid.length,
        rows_test: parts.test.length,
      },
      summary: {
        method: method.name,
        seed,
        row_key: key ?? null,
        shares: { train: shares.train, valid: shares.valid, test: shares.test },
        ...a.report,
      },
    };
  },
};
