// What a rank task's evaluation reads beside labels and scores: the cut-off and relevance threshold
// of `rank(…)`, the item id of every row and the items' training popularity (for coverage and
// popularity bias, with `item = COLUMN`), and the popularity baseline those make possible: every
// item scored by how often it was relevant in training, evaluated on the same rows as the model.
import type { ColumnTable } from "arquero";
import { columnValues } from "../../data/table-columns.js";
import { groupRanges, type MetricInput } from "../../ml/metrics/index.js";
import { NodeFailure } from "../../ir/executor.js";
import type { TaskSpec } from "./model-spec.js";

type RankTask = Extract<TaskSpec, { kind: "rank" }>;

/** The ranking fields of a part's metric input. */
export type RankingFields = Pick<MetricInput, "ranking" | "item" | "popularity">;

export interface RankingEvaluation {
  /** The fields to add to a part's metric input. */
  fields(part: string): RankingFields;
  /** The popularity baseline's scores of a part's rows (undefined without `item`). */
  baseline(part: string): Float64Array | undefined;
}

const itemKey = (v: unknown): string | null =>
  v === null || v === undefined || (typeof v === "number" && Number.isNaN(v)) ? null : String(v);

/**
 * Item ids over every part (in order of first appearance: train, then valid, then test) and the
 * count of relevant training rows per item. `tables` are the parts in the order their metric
 * inputs list rows; `trainY` the training labels in the train table's row order.
 */
export function rankingEvaluation(
  task: RankTask,
  tables: Partial<Record<string, ColumnTable>>,
  trainY: Float64Array | undefined,
): RankingEvaluation {
  const ranking = { k: task.k, ...(task.relevant !== undefined ? { relevant: task.relevant } : {}) };
  if (!task.item) return { fields: () => ({ ranking }), baseline: () => undefined };
  const itemCol = task.item;
  const ids = new Map<string, number>();
  const items: Record<string, Int32Array> = {};
  for (const [part, table] of Object.entries(tables)) {
    if (!table) continue;
    if (!table.columnNames().includes(itemCol))
      throw new NodeFailure(`rank(…, item = ${itemCol}): no column '${itemCol}' in the ${part} rows`, {
        code: "MLC2205",
      });
    const values = columnValues(table, itemCol) as ArrayLike<unknown>;
    const out = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const key = itemKey(values[i]);
      if (key === null)
        throw new NodeFailure(`item column '${itemCol}' at ${part} row ${i + 1}: empty`, { code: "MLC2204" });
      let id = ids.get(key);
      if (id === undefined) ids.set(key, (id = ids.size));
      out[i] = id;
    }
    items[part] = out;
  }
  const popularity = new Float64Array(ids.size);
  const trainItems = items.train;
  if (trainItems && trainY) {
    const rel = (y: number): boolean => (task.relevant === undefined ? y > 0 : y >= task.relevant);
    for (let i = 0; i < trainItems.length; i++) if (rel(trainY[i]!)) popularity[trainItems[i]!]!++;
  }
  return {
    fields: (part) => ({
      ranking,
      ...(items[part] ? { item: items[part], popularity } : {}),
    }),
    baseline: (part) => {
      const it = items[part];
      return it ? Float64Array.from(it, (id) => popularity[id]!) : undefined;
    },
  };
}

/**
 * A warning when no query of a part has both a relevant and a non-relevant row: every order is then
 * a perfect one, so ndcg, map, recall_at_k, hit_rate and mrr are 1.0 whatever the model does (ratings
 * 1–5 with the default threshold label > 0 are all relevant; one held-out row per user has nothing to
 * order). Undefined when some query has something to tell apart.
 */
export function trivialRanking(input: Pick<MetricInput, "y" | "ranking" | "group">): string | undefined {
  const t = input.ranking?.relevant;
  const rel = (y: number): boolean => (t === undefined ? y > 0 : y >= t);
  if (input.y.length === 0) return undefined;
  for (const [a, b] of groupRanges(input.y.length, input.group)) {
    let r = 0;
    for (let i = a; i < b; i++) if (rel(input.y[i]!)) r++;
    if (r > 0 && r < b - a) return undefined;
  }
  return `no group has both a relevant (${t === undefined ? "label > 0" : `label >= ${t}`}) and a non-relevant row, so the ranking metrics cannot tell a good order from a bad one; set rank(…, relevant = …), hold out more rows per group or add non-relevant candidates`;
}
