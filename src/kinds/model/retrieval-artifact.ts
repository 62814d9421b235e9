// The retrieval file of a factorisation model's version (artifact `retrieval`): its user and item
// tables with the catalogue, each user's seen items and the items' recent popularity, counted on the
// training rows at train time. A relevant row is one a rank task counts as relevant (label above 0,
// or at least `relevant`), a classify task's positive, or any rating of a regress task. Popularity
// decays with the age of a row when the split orders rows in time (`leave_last(user, ts, n)`,
// `temporal(ts)`) and the training rows carry that column; otherwise it is a plain count.
// A two-tower model's file also keeps its towers, with each user's and item's vector from its last
// training row, and the raw values of its side features (MLC2420 when one cannot be read back).
// Every file keeps the catalogue's item attributes for filters: the columns of the training rows
// that hold one value per item (src/ml/recommend/item-attributes.ts), less the label, the split's
// time column and the item index column itself.
import type { ColumnTable } from "arquero";
import type { Dataset, TrainedModel } from "../../ml/estimator.js";
import type { Matrix } from "../../ml/matrix.js";
import { towerFactorTables, type TwoTowers } from "../../ml/nn/two-tower-towers.js";
import { buildRetrieval, type ColdStartTowers, type Retrieval } from "../../ml/recommend/retrieval.js";
import type { RawColumn } from "../../ml/recommend/item-attributes.js";
import { NodeFailure } from "../../ir/executor.js";
import { parseSplitMethod } from "../../data/splits/index.js";
import { columnValues, numericValues } from "../../data/table-columns.js";
import type { GraphNode } from "../../ir/graph-ir.js";
import { readBlock } from "../../ir/node-config.js";
import type { ModelSpec } from "./model-spec.js";

/** The split's time column, when its method orders rows in time. */
export function timeColumnOf(split: GraphNode | undefined): string | undefined {
  if (!split) return undefined;
  const method = parseSplitMethod(readBlock(split.config).attributes.method);
  if (method.name === "leave_last") return method.time;
  if (method.name === "temporal") return method.column;
  return undefined;
}

/** The retrieval of a trained model, or undefined when it is not a factorisation model. */
export function retrievalOf(
  spec: ModelSpec,
  model: TrainedModel,
  train: { data: Dataset; table: ColumnTable },
  split: GraphNode | undefined,
): Retrieval | undefined {
  const { X, y } = train.data;
  const towers = model.twoTowers?.();
  const tables = model.factorTables?.() ?? (towers ? towerFactorTables(towers, X) : undefined);
  if (!tables) return undefined;
  const n = X.nRows;
  const relevant = new Uint8Array(n);
  const task = spec.task;
  for (let r = 0; r < n; r++) {
    const v = y ? y[r]! : 1;
    relevant[r] =
      task.kind === "rank"
        ? Number(task.relevant === undefined ? v > 0 : v >= task.relevant)
        : task.kind === "classify"
          ? Number(v === 1)
          : 1;
  }
  const timeColumn = timeColumnOf(split);
  const times =
    timeColumn && train.table.columnNames().includes(timeColumn)
      ? { column: timeColumn, ms: numericValues(columnValues(train.table, timeColumn)) }
      : undefined;
  return buildRetrieval({
    tables,
    attributeColumns: attributeColumns(train.table, X.columns[tables.itemFeature]!, [
      ...("label" in spec.task && spec.task.label ? [spec.task.label] : []),
      ...(timeColumn ? [timeColumn] : []),
    ]),
    userColumn: X.names[tables.userFeature]!,
    itemColumn: X.names[tables.itemFeature]!,
    users: X.columns[tables.userFeature]!,
    items: X.columns[tables.itemFeature]!,
    relevant,
    ...(times ? { times } : {}),
    ...(towers ? { coldStart: coldStartTowers(spec.name, towers, X, train.table) } : {}),
  });
}

/** The training rows' columns that may be item attributes: all but `leave`, and the item index column. */
function attributeColumns(table: ColumnTable, items: ArrayLike<number>, leave: string[]): RawColumn[] {
  const out: RawColumn[] = [];
  for (const name of table.columnNames()) {
    if (leave.includes(name)) continue;
    const values = columnValues(table, name) as ArrayLike<unknown>;
    let isItemIndex = true;
    for (let r = 0; r < items.length && isItemIndex; r++) isItemIndex = values[r] === items[r];
    if (!isItemIndex) out.push({ name, values });
  }
  return out;
}

/**
 * The towers with the raw values of their side features: a string column's values by the code the
 * model input holds, checked row by row; a numeric column must be the model input itself.
 */
export function coldStartTowers(
  model: string,
  towers: TwoTowers,
  X: Matrix,
  table: ColumnTable,
): ColdStartTowers {
  const vocabularies: Record<string, string[]> = {};
  const fail = (message: string): never => {
    throw new NodeFailure(`model ${model}: ${message}`, { code: "MLC2420" });
  };
  for (const feat of [...towers.user.features, ...towers.item.features]) {
    const name = feat.name;
    if (!table.columnNames().includes(name))
      fail(
        `side feature '${name}' is not a column of the training rows, so a request's value of it cannot be read`,
      );
    const raw = columnValues(table, name) as ArrayLike<unknown>;
    const input = X.columns[feat.column]!;
    const byCode: string[] = [];
    let strings = false;
    for (let r = 0; r < input.length; r++) {
      const v = raw[r];
      const x = input[r]!;
      const missing = v === null || v === undefined || v === "" || (typeof v === "number" && Number.isNaN(v));
      if (missing) {
        if (!Number.isNaN(x))
          fail(`side feature '${name}' at training row ${r + 1} is empty but its model input is ${x}`);
        continue;
      }
      if (typeof v === "number") {
        if (Math.fround(v) !== x)
          fail(
            `side feature '${name}' at training row ${r + 1} is ${v} but its model input is ${x}; a two-tower side feature must be a column's value or a category`,
          );
      } else if (typeof v === "string") {
        strings = true;
        if (!(Number.isInteger(x) && x >= 0) || (byCode[x] !== undefined && byCode[x] !== v))
          fail(
            `side feature '${name}' at training row ${r + 1} is '${v.slice(0, 40)}' but its model input ${x} is not that category's code`,
          );
        byCode[x] = v;
      } else
        fail(
          `side feature '${name}' at training row ${r + 1} holds a ${typeof v}; a two-tower side feature is a number or a category`,
        );
    }
    if (strings) vocabularies[name] = Array.from(byCode, (v) => v ?? "");
  }
  return { towers, vocabularies };
}
