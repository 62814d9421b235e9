// Executor for `split` nodes: assigns rows to train / valid / test by a seeded method and stores
// each part as its own table artifact (kfold: a `fold` column on the training rows).
import type { Executor } from "../../ir/executor.js";
import type { ColumnTable } from "arquero";
import * as aq from "arquero";
import { inputTable } from "../../data/input-table.js";
import { readBlock } from "../../ir/node-config.js";
import { parseSplitMethod, runSplit } from "../../data/splits/index.js";
import { sharesOfConfig } from "./config.js";
import { TEST, TRAIN, VALID } from "../../data/splits/types.js";
import { saveTable } from "../../data/table-artifact.js";
import { columnValues, takeRows } from "../../data/table-columns.js";

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
  version: "1",
  async run(ctx) {
    const b = readBlock(ctx.node.config);
    const { table } = await inputTable(ctx);
    const method = parseSplitMethod(b.attributes.method);
    const shares = sharesOfConfig(b.attributes);
    const seed = typeof b.attributes.seed === "number" ? b.attributes.seed : ctx.seed;
    const a = runSplit(method, { table, shares, seed });
    const parts = { train: rowsOf(a.part, TRAIN), valid: rowsOf(a.part, VALID), test: rowsOf(a.part, TEST) };
    const artifacts: Record<string, string> = {};
    for (const [name, rows] of Object.entries(parts)) {
      let t = takeRows(table, rows);
      if (a.fold && name === "train") t = withFold(t, a.fold, rows);
      artifacts[name] = await saveTable(ctx.artifacts, t);
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
        shares: { train: shares.train, valid: shares.valid, test: shares.test },
        ...a.report,
      },
    };
  },
};
