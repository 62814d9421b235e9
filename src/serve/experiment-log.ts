// The audit trail of a deployment's experiments: `.mlc/deployments/<d>/experiments.ndjson`, one line
// per start or decision (time, reason, the versions served), appended with O_APPEND, torn lines skipped.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ExperimentDesign } from "../ml/experiments/index.js";
import { deploymentDir } from "./deployment.js";

export interface ExperimentEvent {
  /** ISO-8601 time of the event. */
  ts: string;
  experiment: string;
  event: "started" | "updated" | "promoted" | "stopped";
  /** The arm now serving all traffic (promoted / stopped). */
  arm?: string;
  /** Arm name → model version at the time of the event. */
  versions: Record<string, number>;
  reason: string;
  /** Who decided: the spec's declared decision, or a person by hand. */
  by: "apply" | "decision" | "hand";
  /** On started/updated: the analysis design (metrics, tests, guardrails, planned units) status uses. */
  design?: ExperimentDesign;
  /** On started/updated: the declared decisions (`mlc experiment decide` applies them). */
  decisions?: { on_win: "promote" | "report"; on_loss: "stop" | "report"; on_guardrail: "stop" | "report" };
  /** On started/updated: the request field that is the unit. */
  key?: string;
  /** On started/updated: the feedback metric holding the pre-period covariate (CUPED). */
  covariate?: string;
}

const logPath = (projectDir: string, deployment: string): string =>
  join(deploymentDir(projectDir, deployment), "experiments.ndjson");

export function appendExperimentEvent(projectDir: string, deployment: string, e: ExperimentEvent): void {
  mkdirSync(deploymentDir(projectDir, deployment), { recursive: true });
  appendFileSync(logPath(projectDir, deployment), JSON.stringify(e) + "\n");
}

/** Every event of the deployment's experiments (of one experiment when named), oldest first. */
export function readExperimentEvents(
  projectDir: string,
  deployment: string,
  experiment?: string,
): ExperimentEvent[] {
  const file = logPath(projectDir, deployment);
  if (!existsSync(file)) return [];
  const out: ExperimentEvent[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as ExperimentEvent;
      if (typeof e.experiment === "string" && (experiment === undefined || e.experiment === experiment))
        out.push(e);
    } catch {
      // a partially written final line
    }
  }
  return out;
}

/** The deployment whose audit trail names experiment `name` (the latest one when several do). */
export function findExperimentDeployment(projectDir: string, name: string): string | undefined {
  const root = join(resolve(projectDir), ".mlc", "deployments");
  if (!existsSync(root)) return undefined;
  let best: { deployment: string; ts: string } | undefined;
  for (const d of readdirSync(root)) {
    const events = readExperimentEvents(projectDir, d, name);
    const last = events[events.length - 1];
    if (last && (!best || last.ts > best.ts)) best = { deployment: d, ts: last.ts };
  }
  return best?.deployment;
}
