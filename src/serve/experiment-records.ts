// The analysis input of an experiment from what the server logged: one record per logged prediction
// of the experiment (arm, unit, latency), joined with outcome events by request id or by unit key.
import type { ExperimentRecord } from "../ml/experiments/index.js";
import type { PredictionLogEntry } from "./prediction-log.js";

/** One outcome (feedback) event: for a request, or for a unit (the experiment's key value). */
export interface OutcomeEvent {
  request_id?: string;
  unit?: string;
  metric: string;
  value: number;
}

/**
 * The records of experiment `name` (key field `key`): an outcome keyed by request id goes to that
 * request's record; one keyed by unit to the unit's first record (units aggregate their outcomes).
 * The covariate metric, when named, fills `covariate` instead of an outcome.
 */
export function experimentRecords(
  name: string,
  key: string,
  log: readonly PredictionLogEntry[],
  outcomes: readonly OutcomeEvent[],
  covariate?: string,
): ExperimentRecord[] {
  const out: (ExperimentRecord & { outcomes: Record<string, number> })[] = [];
  const byRequest = new Map<string, number>();
  const byUnit = new Map<string, number>();
  for (const e of log) {
    if (e.experiment !== name || e.experiment_arm === undefined) continue;
    const k = e.features[key];
    if (k === undefined || k === null || typeof k === "object") continue;
    const unit = String(k);
    const i = out.length;
    out.push({ arm: e.experiment_arm, unit, outcomes: {}, latencyMs: e.latency_ms });
    if (!byRequest.has(e.request_id)) byRequest.set(e.request_id, i);
    if (!byUnit.has(unit)) byUnit.set(unit, i);
  }
  for (const o of outcomes) {
    const i =
      o.request_id !== undefined
        ? byRequest.get(o.request_id)
        : o.unit !== undefined
          ? byUnit.get(o.unit)
          : undefined;
    if (i === undefined || !Number.isFinite(o.value)) continue;
    const r = out[i]!;
    if (o.metric === covariate) r.covariate = o.value;
    else r.outcomes[o.metric] = (r.outcomes[o.metric] ?? 0) + o.value;
  }
  return out;
}
