// The analysis input of an experiment from what the server logged: one record per logged prediction
// of the experiment (arm, unit, latency) or failed row (error), joined with outcome events by request id (and row) or by unit
// key. Outcomes come from the deployment's feedback store (`POST /v1/feedback` with metric and value)
// or from a file given by hand.
import type { ExperimentRecord } from "../ml/experiments/index.js";
import type { OutcomeEntry } from "./log/types.js";
import type { PredictionLogEntry } from "./prediction-log.js";

/** One outcome (feedback) event: for a request (and its row), or for a unit (the experiment's key value). */
export interface OutcomeEvent {
  request_id?: string;
  /** Row of a batch request (0 when absent). */
  index?: number;
  unit?: string;
  /** When the outcome happened (ISO-8601); a unit's outcome before its first exposure is not counted. */
  time?: string;
  metric: string;
  value: number;
}

/** The join's result: the records, and the outcomes that reached none of them (by reason). */
export interface JoinedRecords {
  records: ExperimentRecord[];
  /** Outcomes whose request id, or unit, the experiment's log does not have. */
  unmatched: number;
  /** Unit outcomes timed before the unit's first exposure (not caused by the experiment). */
  beforeExposure: number;
}

/**
 * A stored outcome as an event of experiment key `key`: by request id, or by the key's value when the
 * outcome's entity key holds that field; undefined when it names neither.
 */
export function outcomeEvent(o: OutcomeEntry, key: string): OutcomeEvent | undefined {
  const base = { metric: o.metric, value: o.value, ...(o.time !== undefined ? { time: o.time } : {}) };
  if (o.request_id !== undefined)
    return { ...base, request_id: o.request_id, ...(o.index !== undefined ? { index: o.index } : {}) };
  const unit = o.key?.[key];
  return unit === undefined ? undefined : { ...base, unit: String(unit) };
}

/**
 * The records of experiment `name` (key field `key`): an outcome keyed by request id goes to that
 * request row's record; one keyed by unit to the unit's first record (units aggregate their outcomes),
 * unless it happened before that first exposure. The covariate metric, when named, fills `covariate`
 * instead of an outcome (a pre-period value: its time is not checked).
 */
export function experimentRecords(
  name: string,
  key: string,
  log: readonly PredictionLogEntry[],
  outcomes: readonly OutcomeEvent[],
  covariate?: string,
): JoinedRecords {
  const out: (ExperimentRecord & { outcomes: Record<string, number> })[] = [];
  const byRequest = new Map<string, number>();
  const byUnit = new Map<string, { i: number; first: number }>();
  for (const e of log) {
    if (e.experiment !== name || e.experiment_arm === undefined) continue;
    const k = e.features[key];
    if (k === undefined || k === null || typeof k === "object") continue;
    const unit = String(k);
    const i = out.length;
    // a failed row counts for its arm's error rate (and its unit was exposed), not for latency or outcomes
    if (e.error !== undefined) {
      out.push({ arm: e.experiment_arm, unit, outcomes: {}, error: true });
    } else {
      out.push({ arm: e.experiment_arm, unit, outcomes: {}, latencyMs: e.latency_ms });
      const rid = `${e.request_id}#${e.index ?? 0}`;
      if (!byRequest.has(rid)) byRequest.set(rid, i);
    }
    const ts = Date.parse(e.ts);
    const u = byUnit.get(unit);
    if (!u) byUnit.set(unit, { i, first: ts });
    else if (ts < u.first) u.first = ts;
  }
  let unmatched = 0;
  let beforeExposure = 0;
  for (const o of outcomes) {
    if (!Number.isFinite(o.value)) continue;
    let i: number | undefined;
    if (o.request_id !== undefined) i = byRequest.get(`${o.request_id}#${o.index ?? 0}`);
    else if (o.unit !== undefined) {
      const u = byUnit.get(o.unit);
      if (u && o.metric !== covariate && o.time !== undefined && Date.parse(o.time) < u.first) {
        beforeExposure++;
        continue;
      }
      i = u?.i;
    }
    if (i === undefined) {
      unmatched++;
      continue;
    }
    const r = out[i]!;
    if (o.metric === covariate) r.covariate = o.value;
    else r.outcomes[o.metric] = (r.outcomes[o.metric] ?? 0) + o.value;
  }
  return { records: out, unmatched, beforeExposure };
}
