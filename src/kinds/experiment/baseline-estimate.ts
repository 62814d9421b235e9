// The primary metric's baseline estimated from what the deployment already served, for an experiment
// that does not declare it: the units of the prediction log (the control's traffic) joined with their
// outcomes from the feedback store; the plan and apply size the experiment with it and say so.
import { readDeployment } from "../../serve/deployment.js";
import { outcomeEvent, type OutcomeEvent } from "../../serve/experiment-records.js";
import { openLogSink } from "../../serve/log/open.js";
import type { PredictionLogEntry } from "../../serve/prediction-log.js";
import type { BaselineEvidence } from "./baseline-evidence.js";
import type { ExperimentConfig } from "./config.js";

/** Units the estimate needs before it sizes anything (fewer give a baseline too noisy to plan on). */
export const MIN_BASELINE_UNITS = 100;
/** The newest log entries read for the estimate. */
const MAX_ENTRIES = 200_000;

/** Whether the config leaves something for the estimate to fill. */
export const needsBaseline = (c: ExperimentConfig): boolean =>
  c.baseline === undefined || (c.metrics[c.primary] === "continuous" && c.baselineSd === undefined);

/**
 * The estimate from log entries and outcome events. Units are the key's values on rows served outside
 * any experiment or by this experiment's control; a unit's outcomes add up over its requests (a binary
 * unit counts once), a unit without one counts 0, as in the analysis.
 */
export function estimateBaseline(
  c: ExperimentConfig,
  log: readonly PredictionLogEntry[],
  outcomes: readonly OutcomeEvent[],
  from: string,
): BaselineEvidence {
  const unitOfRequest = new Map<string, string>();
  const units = new Map<string, number | undefined>();
  for (const e of log) {
    if (e.experiment !== undefined && (e.experiment !== c.name || e.experiment_arm !== c.control)) continue;
    const k = e.features[c.key];
    if (k === undefined || k === null || typeof k === "object") continue;
    const unit = String(k);
    unitOfRequest.set(`${e.request_id}#${e.index ?? 0}`, unit);
    if (!units.has(unit)) units.set(unit, undefined);
  }
  for (const o of outcomes) {
    if (o.metric !== c.primary || !Number.isFinite(o.value)) continue;
    const unit = o.request_id !== undefined ? unitOfRequest.get(`${o.request_id}#${o.index ?? 0}`) : o.unit;
    if (unit === undefined || !units.has(unit)) continue;
    units.set(unit, (units.get(unit) ?? 0) + o.value);
  }
  const binary = c.metrics[c.primary] === "binary";
  let n = 0;
  let withOutcome = 0;
  let sum = 0;
  let sq = 0;
  for (const v of units.values()) {
    n++;
    if (v !== undefined) withOutcome++;
    const y = v === undefined ? 0 : binary ? (v > 0 ? 1 : 0) : v;
    sum += y;
    sq += y * y;
  }
  const base = { units: n, outcomes: withOutcome };
  const where = `the prediction log and feedback of deployment ${c.deployment}`;
  if (n < MIN_BASELINE_UNITS)
    return {
      estimated: false,
      ...base,
      reason: `${where} hold ${n} unit${n === 1 ? "" : "s"} with \`${c.key}\`; the estimate needs at least ${MIN_BASELINE_UNITS}`,
    };
  if (withOutcome === 0)
    return { estimated: false, ...base, reason: `${where} hold no outcome of \`${c.primary}\` yet` };
  const mean = sum / n;
  const sd = Math.sqrt(Math.max(0, (sq - n * mean * mean) / (n - 1)));
  if (binary && (mean <= 0 || mean >= 1))
    return {
      estimated: false,
      ...base,
      reason: `every one of the ${n} units in ${where} has the same \`${c.primary}\`; no rate to plan on`,
    };
  if (!binary && !(sd > 0))
    return {
      estimated: false,
      ...base,
      reason: `\`${c.primary}\` does not vary over the ${n} units in ${where}`,
    };
  return { estimated: true, baseline: mean, ...(binary ? {} : { baseline_sd: sd }), ...base, from };
}

/** Reads the deployment's log and outcomes and estimates the baseline; undefined when the config declares it. */
export async function readBaselineEvidence(
  projectDir: string,
  c: ExperimentConfig,
): Promise<BaselineEvidence | undefined> {
  if (!needsBaseline(c)) return undefined;
  const none = { estimated: false as const, units: 0, outcomes: 0 };
  let pointer;
  try {
    pointer = readDeployment(projectDir, c.deployment);
  } catch (e) {
    return { ...none, reason: `the deployment pointer cannot be read: ${(e as Error).message}` };
  }
  if (!pointer) return { ...none, reason: `deployment ${c.deployment} serves nothing yet` };
  try {
    const sink = await openLogSink(projectDir, c.deployment, pointer.log);
    try {
      const log = await sink.read({ exceptArms: ["shadow"], last: MAX_ENTRIES });
      const outcomes = (await sink.readOutcomes()).flatMap((o) => {
        const e = outcomeEvent(o, c.key);
        return e ? [e] : [];
      });
      return estimateBaseline(c, log, outcomes, sink.describe);
    } finally {
      await sink.close();
    }
  } catch (e) {
    return { ...none, reason: `the prediction log cannot be read: ${(e as Error).message}` };
  }
}
