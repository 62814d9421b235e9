// Live model quality from delayed labels: feedback is joined to the logged predictions of a window
// (by request id and row, or by entity key and time: the latest prediction for that entity at or
// before the outcome), and any metric of the task is computed with its seeded bootstrap interval.
import { metricFor } from "../../ml/metrics/index.js";
import { bootstrapCI, type BootstrapOptions } from "../../ml/stats/bootstrap.js";
import { taskClasses, type BundleTask } from "../bundle.js";
import type { FeedbackEntry, Label } from "../log/types.js";
import type { LogWindow } from "./window.js";

export interface LabelledRows {
  /** Window rows that have a label, in window order (grouped by request for ranking). */
  rows: Int32Array;
  /** Targets as the metrics take them (binary 0/1, class index, value, relevance). */
  y: Float64Array;
  pred: Float64Array;
  width: number;
  /** Ranking: one query per request. */
  group?: Int32Array;
  /** Labels that matched no prediction of the window (outside it, or a key never seen). */
  unmatched: number;
}

/** The target a stored label stands for; undefined when it does not fit the task (a class since removed…). */
function target(label: Label, task: BundleTask): number | undefined {
  const classes = taskClasses(task);
  if (classes) {
    const k = classes.indexOf(String(label));
    return k < 0 ? undefined : k; // binary: 1 = the positive class; multiclass: the class index
  }
  if (typeof label === "number") return label;
  if (typeof label === "boolean") return label ? 1 : 0;
  return undefined;
}

/**
 * Joins labels to the window's rows. A row labelled by request id keeps that label over a keyed one.
 * Keyed labels need their key fields read into the window (`readLogWindow(…, { fields: ["customer_id"] })`).
 */
export function joinFeedback(
  w: LogWindow,
  feedback: readonly FeedbackEntry[],
  task: BundleTask,
): LabelledRows {
  const byRequest = new Map<string, number>();
  for (let r = 0; r < w.rows; r++) {
    if (w.arms[r] === "shadow") continue;
    byRequest.set(`${w.requestIds[r]}#${Math.max(0, w.index[r]!)}`, r);
  }
  const labelOf = new Map<number, number>();
  let unmatched = 0;
  const keyed: FeedbackEntry[] = [];
  for (const f of feedback) {
    if (f.key) {
      keyed.push(f);
      continue;
    }
    const r = byRequest.get(`${f.request_id}#${f.index ?? 0}`);
    const y = target(f.label, task);
    if (r === undefined || y === undefined) unmatched++;
    else if (!labelOf.has(r)) labelOf.set(r, y);
  }
  if (keyed.length) {
    // per entity, the window's rows in time order: a keyed label belongs to the latest at or before its time
    const fields = [...new Set(keyed.flatMap((f) => Object.keys(f.key!)))].sort();
    const entity = (get: (k: string) => string | null | undefined): string =>
      JSON.stringify(fields.map((k) => get(k) ?? null));
    const rowsOf = new Map<string, number[]>();
    for (let r = 0; r < w.rows; r++) {
      if (w.arms[r] === "shadow") continue;
      const id = entity((k) => w.fields[k]?.[r]);
      let list = rowsOf.get(id);
      if (!list) rowsOf.set(id, (list = []));
      list.push(r);
    }
    for (const f of keyed) {
      const own = Object.keys(f.key!);
      const id = entity((k) => (own.includes(k) ? String(f.key![k]) : null));
      const t = Date.parse(f.time!);
      const list = rowsOf.get(id) ?? [];
      let best: number | undefined;
      for (const r of list)
        if (w.times[r]! <= t && (best === undefined || w.times[r]! >= w.times[best]!)) best = r;
      const y = target(f.label, task);
      if (best === undefined || y === undefined) unmatched++;
      else if (!labelOf.has(best)) labelOf.set(best, y);
    }
  }
  let rows = Int32Array.from([...labelOf.keys()].sort((a, b) => a - b));
  let group: Int32Array | undefined;
  if (task.kind === "ranking") {
    // a ranking request is one query: its rows contiguous, queries in order of first appearance
    const order = new Map<string, number>();
    for (const r of rows) if (!order.has(w.requestIds[r]!)) order.set(w.requestIds[r]!, order.size);
    rows = Int32Array.from(
      [...rows].sort((a, b) => order.get(w.requestIds[a]!)! - order.get(w.requestIds[b]!)! || a - b),
    );
    group = Int32Array.from(rows, (r) => order.get(w.requestIds[r]!)!);
  }
  const width = w.width;
  const y = Float64Array.from(rows, (r) => labelOf.get(r)!);
  const pred = new Float64Array(rows.length * width);
  rows.forEach((r, i) => pred.set(w.pred.subarray(r * width, (r + 1) * width), i * width));
  return { rows, y, pred, width, ...(group ? { group } : {}), unmatched };
}

export interface LiveMetric {
  /** `live.<metric>` as the monitor names it. */
  name: string;
  value: number;
  lower: number;
  upper: number;
  level: number;
  /** Labelled rows the value is computed on. */
  labelled: number;
  /** Bootstrap resamples on which the metric was defined. */
  resamples: number;
}

/**
 * `live.METRIC` over labelled rows, with its percentile bootstrap interval (seeded: the same rows and
 * seed give the same interval). Throws for a metric that does not apply to the task (the checker
 * rejects those in a spec). NaN when no row is labelled.
 */
export function liveMetric(
  name: string,
  labelled: LabelledRows,
  task: BundleTask,
  opts: BootstrapOptions = {},
): LiveMetric {
  const m = metricFor(name);
  if (!m || !m.tasks.includes(task.kind))
    throw new Error(`metric '${name}' does not apply to a ${task.kind} model`);
  const n = labelled.y.length;
  const level = opts.level ?? 0.95;
  if (n === 0)
    return { name: `live.${name}`, value: NaN, lower: NaN, upper: NaN, level, labelled: 0, resamples: 0 };
  const input = {
    y: labelled.y,
    pred: labelled.pred,
    width: labelled.width,
    ...(labelled.group ? { group: labelled.group } : {}),
  };
  const ci = bootstrapCI(m, input, opts);
  return {
    name: `live.${name}`,
    value: ci.estimate,
    lower: ci.lower,
    upper: ci.upper,
    level: ci.level,
    labelled: n,
    resamples: ci.resamples,
  };
}
