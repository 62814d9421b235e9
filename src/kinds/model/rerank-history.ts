// The runtime half of a model's `history { … }` block (a re-ranker, specs/recommend.md): before the
// feature pipeline is fitted, every split row gains the re-ranking features of its (user, item) at its
// time, computed from the training rows before it (src/ml/recommend/rerank-features.ts), and they
// become model inputs beside the features the model selects; the state of all the training rows is
// the version's `history` artifact, which /v1/recommend reads to compute a candidate's features the
// same way. Failures are coded MLC2480 (the rows cannot be read) and MLC2481 (an input the server
// cannot fill for a candidate).
import type { ColumnTable } from "arquero";
import { NodeFailure } from "../../ir/executor.js";
import { isDuration } from "../../ir/expr-json.js";
import type { GraphNode, Json } from "../../ir/graph-ir.js";
import { nestedBlock, readBlock } from "../../ir/node-config.js";
import { columnValues, numericValues } from "../../data/table-columns.js";
import {
  pointInTimeFeatures,
  RERANK_FEATURES,
  RERANK_WIDTH,
  RerankHistory,
  type HistoryColumns,
  type HistoryRow,
} from "../../ml/recommend/rerank-features.js";
import { PARTS, type Part } from "../split/config.js";
import type { ModelSpec } from "./model-spec.js";
import { timeColumnOf } from "./retrieval-artifact.js";

export const DEFAULT_HALF_LIFE_SECONDS = 7 * 86_400;

export interface HistorySettings {
  user: string;
  item: string;
  category: string;
  halfLifeMs: number;
}

/** The model node's `history` block, or undefined without one. */
export function historySettingsOf(config: { [k: string]: Json }): HistorySettings | undefined {
  const h = nestedBlock(readBlock(config, "model"), "history");
  if (!h) return undefined;
  const a = h.attributes;
  const name = (k: string): string => {
    const v = a[k];
    if (typeof v !== "string" || v === "")
      throw new NodeFailure(`history.${k} must name a column of the split's rows`, { code: "MLC2480" });
    return v;
  };
  const hl = a.half_life;
  const seconds = hl === undefined ? DEFAULT_HALF_LIFE_SECONDS : isDuration(hl) ? hl.$duration : NaN;
  if (!(seconds > 0))
    throw new NodeFailure("history.half_life must be a positive duration", { code: "MLC2480" });
  return { user: name("user"), item: name("item"), category: name("category"), halfLifeMs: seconds * 1000 };
}

export interface WithHistory {
  tables: Partial<Record<Part, ColumnTable>>;
  features: { [k: string]: Json };
  spec: ModelSpec;
  history: RerankHistory;
}

/**
 * The split's tables with the re-ranking features added, the features config and selection that make
 * them model inputs, and the training rows' history.
 */
export function withHistory(
  spec: ModelSpec,
  settings: HistorySettings,
  tables: Partial<Record<Part, ColumnTable>>,
  features: { [k: string]: Json },
  split: GraphNode | undefined,
): WithHistory {
  const fail = (message: string, hint?: string): never => {
    throw new NodeFailure(`model ${spec.name}: ${message}`, { code: "MLC2480", ...(hint ? { hint } : {}) });
  };
  const time = timeColumnOf(split);
  if (!time)
    fail(
      `history reads each row's time from a split that orders rows in time, and split ${spec.data} does not`,
      "use method = leave_last(user, ts, n = 5) or temporal(ts)",
    );
  for (const name of RERANK_FEATURES)
    if (name in features)
      fail(`features block ${spec.features.from} defines '${name}', a name the history block adds`);
  const columns: HistoryColumns = {
    user: settings.user,
    item: settings.item,
    category: settings.category,
    time: time!,
  };
  const relevantOf = (v: number): boolean =>
    spec.task.kind === "rank" && spec.task.relevant !== undefined ? v >= spec.task.relevant : v > 0;
  const label = spec.task.kind === "rank" ? spec.task.label : fail("history needs a rank(…) task");
  const rows: HistoryRow[] = [];
  const partOf: Part[] = [];
  for (const part of PARTS) {
    const t = tables[part];
    if (!t || t.numRows() === 0) continue;
    for (const c of [columns.user, columns.item, columns.category, columns.time, label])
      if (!t.columnNames().includes(c))
        fail(`history reads column '${c}', which the ${part} rows of split ${spec.data} do not have`);
    const users = numericValues(columnValues(t, columns.user));
    const items = numericValues(columnValues(t, columns.item));
    const times = numericValues(columnValues(t, columns.time));
    const labels = numericValues(columnValues(t, label));
    const cats = columnValues(t, columns.category) as ArrayLike<unknown>;
    for (let r = 0; r < t.numRows(); r++) {
      const at = `${part} row ${r + 1}`;
      const u = users[r]!;
      const i = items[r]!;
      if (!Number.isSafeInteger(u) || u < 0)
        fail(
          `${at}: ${columns.user} is ${u}; history keys are whole numbers (the retrieval model's user index)`,
        );
      if (!Number.isSafeInteger(i) || i < 0)
        fail(
          `${at}: ${columns.item} is ${i}; history keys are whole numbers (the retrieval model's item index)`,
        );
      if (!Number.isFinite(times[r]!)) fail(`${at}: ${columns.time} is empty`);
      const c = cats[r];
      rows.push({
        user: u,
        item: i,
        category: c === null || c === undefined ? "" : String(c),
        time: times[r]!,
        relevant: relevantOf(labels[r]!),
      });
      partOf.push(part);
    }
  }
  const { features: values, state } = pointInTimeFeatures(
    rows,
    (i) => partOf[i] === "train",
    settings.halfLifeMs,
  );
  let asOf = -Infinity;
  for (let i = 0; i < rows.length; i++)
    if (partOf[i] === "train" && rows[i]!.time > asOf) asOf = rows[i]!.time;
  const out: Partial<Record<Part, ColumnTable>> = {};
  let offset = 0;
  for (const part of PARTS) {
    const t = tables[part];
    if (!t || t.numRows() === 0) {
      if (t) out[part] = t;
      continue;
    }
    const cols: Record<string, Float64Array> = {};
    RERANK_FEATURES.forEach((name, j) => {
      const col = new Float64Array(t.numRows());
      for (let r = 0; r < col.length; r++) col[r] = values[(offset + r) * RERANK_WIDTH + j]!;
      cols[name] = col;
    });
    offset += t.numRows();
    out[part] = t.assign(cols);
  }
  const added = Object.fromEntries(RERANK_FEATURES.map((n) => [n, { $ref: [n] } as Json]));
  return {
    tables: out,
    features: { ...features, ...added },
    spec: spec.features.select
      ? { ...spec, features: { ...spec.features, select: [...spec.features.select, ...RERANK_FEATURES] } }
      : spec,
    history: new RerankHistory(columns, state, asOf + 1),
  };
}

/**
 * MLC2481: a ranker's inputs must be what /v1/recommend can fill for a candidate: the user, item and
 * category columns and the history's features.
 */
export function checkRankerInputs(
  spec: ModelSpec,
  settings: HistorySettings,
  rawInputs: readonly string[],
): void {
  const allowed = new Set<string>([settings.user, settings.item, settings.category, ...RERANK_FEATURES]);
  const other = rawInputs.filter((c) => !allowed.has(c));
  if (other.length)
    throw new NodeFailure(
      `model ${spec.name}: a re-ranker's inputs are filled for each candidate from its history, which knows the columns ${settings.user}, ${settings.item} and ${settings.category} and the history's features; its features also read ${other.map((c) => `'${c}'`).join(", ")}`,
      {
        code: "MLC2481",
        hint: `select only features computed from ${settings.user}, ${settings.item} or ${settings.category}`,
      },
    );
}
