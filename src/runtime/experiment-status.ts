// The status of an applied experiment: its design from the audit trail, the prediction log of its
// deployment joined with its outcomes (from the deployment's feedback store, or given), and the analysis.
import { resolve } from "node:path";
import { analyzeExperiment, type ExperimentStatus } from "../ml/experiments/index.js";
import { readDeployment } from "../serve/deployment.js";
import {
  findExperimentDeployment,
  readExperimentEvents,
  type ExperimentEvent,
} from "../serve/experiment-log.js";
import { experimentRecords, outcomeEvent, type OutcomeEvent } from "../serve/experiment-records.js";
import { openLogSink } from "../serve/log/open.js";

/** An experiment that was applied: where it runs and what its last start recorded. */
export interface LocatedExperiment {
  projectDir: string;
  name: string;
  deployment: string;
  events: ExperimentEvent[];
  design: NonNullable<ExperimentEvent["design"]>;
  key: string;
  /** The last started/updated event (design, key, declared decisions). */
  started: ExperimentEvent;
}

/** A problem locating or reading an experiment, for the command to print. */
export class ExperimentLookupError extends Error {}

export function locateExperiment(projectDir: string, name: string): LocatedExperiment {
  const dir = resolve(projectDir);
  const deployment = findExperimentDeployment(dir, name);
  if (!deployment) throw new ExperimentLookupError(`no experiment '${name}' was ever applied in ${dir}`);
  const events = readExperimentEvents(dir, deployment, name);
  const started = [...events].reverse().find((e) => e.design !== undefined);
  if (!started?.design || !started.key)
    throw new ExperimentLookupError(`experiment '${name}' has no recorded design`);
  return { projectDir: dir, name, deployment, events, design: started.design, key: started.key, started };
}

/** Whether the deployment's pointer runs this experiment now. */
export const experimentRunning = (l: LocatedExperiment): boolean =>
  readDeployment(l.projectDir, l.deployment)?.experiment?.name === l.name;

export interface StatusWithSources extends ExperimentStatus {
  /** Where the outcomes came from: the feedback store (its description) or the file given. */
  outcomes_from: string;
  /** Outcomes read, and those that joined no record of the experiment (unknown request or unit). */
  outcomes_read: number;
  outcomes_unmatched: number;
  /** Unit outcomes timed before the unit was first exposed. */
  outcomes_before_exposure: number;
}

/**
 * The status from the deployment's log. Outcomes are `given` (a file read by the caller) or, by
 * default, the outcomes stored by `POST /v1/feedback` in the deployment's feedback store.
 */
export async function experimentStatus(
  l: LocatedExperiment,
  given?: { events: OutcomeEvent[]; from: string },
): Promise<StatusWithSources> {
  const pointer = readDeployment(l.projectDir, l.deployment);
  const sink = await openLogSink(l.projectDir, l.deployment, pointer?.log);
  let log;
  let outcomes: OutcomeEvent[];
  try {
    // failed rows too: the error-rate guardrail counts them per arm
    log = await sink.read({ failures: true });
    outcomes =
      given?.events ??
      (await sink.readOutcomes()).flatMap((o) => {
        const e = outcomeEvent(o, l.key);
        return e ? [e] : [];
      });
  } finally {
    await sink.close();
  }
  const joined = experimentRecords(l.name, l.key, log, outcomes, l.started.covariate);
  const s = analyzeExperiment(l.design, joined.records);
  const declared = new Set([l.design.primary, ...(l.design.secondary ?? []), l.started.covariate]);
  const undeclared = [...new Set(outcomes.map((o) => o.metric))].filter((m) => !declared.has(m));
  const read = outcomes.length;
  if (undeclared.length)
    s.warnings.push(
      `outcomes of metrics the experiment does not declare were ignored: ${undeclared.join(", ")}`,
    );
  if (joined.unmatched)
    s.warnings.push(
      `${joined.unmatched} of ${read} outcomes match no request or unit of the experiment (sent before the experiment, or for another deployment)`,
    );
  if (joined.beforeExposure)
    s.warnings.push(
      `${joined.beforeExposure} unit outcomes happened before the unit's first exposure and were not counted`,
    );
  return {
    ...s,
    outcomes_from: given?.from ?? `the feedback store (${sink.describe})`,
    outcomes_read: read,
    outcomes_unmatched: joined.unmatched,
    outcomes_before_exposure: joined.beforeExposure,
  };
}
