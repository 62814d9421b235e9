// The retrieval file of a factorisation model's version (artifact `retrieval`): its user and item
// tables with the catalogue, each user's seen items and the items' recent popularity, counted on the
// training rows at train time. A relevant row is one a rank task counts as relevant (label above 0,
// or at least `relevant`), a classify task's positive, or any rating of a regress task. Popularity
// decays with the age of a row when the split orders rows in time (`leave_last(user, ts, n)`,
// `temporal(ts)`) and the training rows carry that column; otherwise it is a plain count.
import type { ColumnTable } from "arquero";
import type { Dataset, TrainedModel } from "../../ml/estimator.js";
import { buildRetrieval, type Retrieval } from "../../ml/recommend/retrieval.js";
import { parseSplitMethod } from "../../data/splits/index.js";
import { columnValues, numericValues } from "../../data/table-columns.js";
import type { GraphNode } from "../../ir/graph-ir.js";
import { readBlock } from "../../ir/node-config.js";
import type { ModelSpec } from "./model-spec.js";

/** The split's time column, when its method orders rows in time. */
function timeColumnOf(split: GraphNode | undefined): string | undefined {
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
  const tables = model.factorTables?.();
  if (!tables) return undefined;
  const { X, y } = train.data;
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
  });
}
