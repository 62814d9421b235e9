// The retrieval file of a factorisation model's version (artifact `retrieval`): its user and item
// tables with the catalogue, each user's seen items and the items' recent popularity, counted on the
// training rows at train time. A relevant row is one a rank task counts as relevant (label above 0,
// or at least `relevant`), a classify task's positive, or any rating of a regress task. Popularity
// decays with the age of a row when the split orders rows in time (`leave_last(user, ts, n)`,
// `temporal(ts)`) and the training rows carry that column; otherwise it is a plain count.
// A two-tower model's file also keeps its towers, with each user's and item's vector from its last
// training row, and the raw values of its side features (MLC2420 when one cannot be read back).
import type { ColumnTable } from "arquero";
import type { Dataset, TrainedModel } from "../../ml/estimator.js";
import type { Matrix } from "../../ml/matrix.js";
import { towerFactorTables, type TwoTowers } from "../../ml/nn/two-tower-towers.js";
import { buildRetrieval, type ColdStartTowers, type Retrieval } from "../../ml/recommend/retrieval.js";
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
    userColumn: X.names[tables.userFeature]!,
    itemColumn: X.names[tables.itemFeature]!,
    users: X.columns[tables.userFeature]!,
    items: X.columns[tables.itemFeature]!,
    relevant,
    ...(times ? { times } : {}),
    ...(towers ? { coldStart: coldStartTowers(spec.name, towers, X, train.table) } : {}),
  });
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
