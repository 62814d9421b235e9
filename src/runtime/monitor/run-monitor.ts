// One run of a registered monitor (`mlc monitor NAME`): reads the window from the deployment's log
// sink, evaluates every assertion against the served version's reference profile, runs `on_breach`
// in order on a breach (an alert not repeated inside the cooldown, rollback, retrain through apply),
// and records the run and its actions in the state store.
import { join } from "node:path";
import { MlcError } from "../../ir/errors.js";
import { NodeFailure } from "../../ir/executor.js";
import { buildProfile, type ReferenceProfile } from "../../ml/drift/profile.js";
import { writeDriftReport } from "../../ml/report/write.js";
import type { MonitorRunResult } from "../../serve/monitor-gauges.js";
import { checkResultsOf } from "../../kinds/monitor/check-results.js";
import { loadBundle } from "../../serve/bundle.js";
import { readDeployment, resolveBundlePath } from "../../serve/deployment.js";
import { postAlert, type AlertOptions } from "../../serve/alert-webhook.js";
import { openLogSink } from "../../serve/log/open.js";
import { readLogWindow } from "../../serve/monitoring/window.js";
import { ModelRegistry } from "../../registry/model-registry.js";
import { decodeReferenceProfiles } from "../../kinds/model/reference-profile.js";
import { windowText, type MonitorAction, type MonitorConfig } from "../../kinds/monitor/config.js";
import { evaluateMonitor } from "../../kinds/monitor/evaluate.js";
import {
  decodeRegistration,
  decodeRun,
  encodeRun,
  MONITOR_RUNS,
  MONITORS,
  runKey,
  type ActionOutcome,
  type MonitorRegistration,
  type MonitorRun,
  type RunOutcome,
} from "../../kinds/monitor/results.js";
import { openArtifacts } from "../artifacts/store.js";
import { compileGraph, applyProject } from "../project.js";
import { rollbackDeployment } from "../registry/rollback.js";
import { openState } from "../state/open.js";
import { claimAlert, releaseAlert } from "./alert-cooldown.js";
import type { StateStore } from "../../ir/state-store.js";

export class MonitorError extends MlcError {
  constructor(message: string, hint?: string) {
    super("MLC2370", message, hint ? { hint } : undefined);
  }
}

export interface RunMonitorOptions {
  now?: Date;
  alert?: AlertOptions;
  /** Progress of actions (retrain's apply), for the CLI. */
  log?: (message: string) => void;
}

/** The registration of a monitor; a MonitorError when apply has not registered it. */
export async function monitorRegistration(state: StateStore, name: string): Promise<MonitorRegistration> {
  const rec = await state.records.get(MONITORS, name);
  if (!rec) {
    const known = (await state.records.list(MONITORS)).map((r) => r.key);
    throw new MonitorError(
      `monitor ${name} is not registered`,
      known.length
        ? `registered monitors: ${known.join(", ")}; a monitor is registered by mlc apply`
        : "declare a monitor block and run mlc apply",
    );
  }
  return decodeRegistration(rec.value);
}

/** The recorded runs of a monitor, oldest first. */
export async function monitorHistory(projectDir: string, name: string): Promise<MonitorRun[]> {
  const state = await openState(projectDir);
  try {
    await monitorRegistration(state, name);
    return (await state.records.list(MONITOR_RUNS, `${name}/`)).map((r) => decodeRun(r.value));
  } finally {
    await state.close();
  }
}

/** What evaluating the window found, before any action. */
async function evaluate(projectDir: string, state: StateStore, reg: MonitorRegistration, now: Date) {
  const c = reg.config;
  const pointer = readDeployment(projectDir, c.deployment);
  if (!pointer)
    throw new MonitorError(
      `deployment ${c.deployment} serves nothing yet`,
      "apply it first; the monitor reads its prediction log",
    );
  const bundle = loadBundle(resolveBundlePath(projectDir, pointer.bundle)).meta;
  const version = await new ModelRegistry(state).version(bundle.model, bundle.version);
  const hash = version?.artifacts.reference_profile;
  if (!hash)
    throw new MonitorError(
      `${bundle.model} version ${bundle.version} has no reference profile`,
      `it was trained before mlc recorded profiles; retrain it (mlc apply --replace model.${bundle.model})`,
    );
  const profiles = decodeReferenceProfiles(await openArtifacts(projectDir).get(hash));
  const profile: ReferenceProfile | undefined = profiles?.parts[c.reference];
  if (!profile)
    throw new MonitorError(
      `${bundle.model} version ${bundle.version} has no ${c.reference} rows to compare with`,
      "set the monitor's reference to a part the model's split has",
    );
  const sink = await openLogSink(projectDir, c.deployment, pointer.log);
  try {
    const spec = "last" in c.window ? { last: c.window.last } : { seconds: c.window.seconds, now };
    const window = await readLogWindow(sink, spec, bundle);
    const labels = await sink.readFeedback();
    let assertions;
    try {
      assertions = evaluateMonitor(c.assertions, {
        window,
        profile,
        labels,
        task: bundle.task,
        minRows: c.minRows,
        seed: reg.seed,
      });
    } catch (e) {
      if (e instanceof NodeFailure) throw new MonitorError(`monitor ${c.name}: ${e.message}`, e.hint);
      throw e;
    }
    return { bundle, window, assertions, profile };
  } finally {
    await sink.close();
  }
}

const iso = (ms: number): string | null => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);

/** Runs a monitor once: evaluate, act on a breach, record. */
export async function runMonitor(
  projectDir: string,
  name: string,
  opts: RunMonitorOptions = {},
): Promise<MonitorRun> {
  const now = opts.now ?? new Date();
  let state = await openState(projectDir);
  let run: MonitorRun;
  let c: MonitorConfig;
  let report: { profile: ReferenceProfile; live: ReferenceProfile } | undefined;
  try {
    const reg = await monitorRegistration(state, name);
    c = reg.config;
    const { bundle, window, assertions, profile } = await evaluate(projectDir, state, reg, now);
    report = { profile, live: buildProfile("live", window.inputs) };
    const outcome: RunOutcome = assertions.some((a) => a.status === "BREACH")
      ? "breach"
      : assertions.some((a) => a.status === "NOT ENOUGH DATA")
        ? "not_enough_data"
        : "pass";
    run = {
      monitor: name,
      seq: 0,
      at: now.toISOString(),
      deployment: c.deployment,
      modelVersion: bundle.version,
      window: { from: iso(window.from), to: iso(window.to), rows: window.rows, spec: windowText(c.window) },
      outcome,
      assertions,
      actions: [],
    };
  } finally {
    await state.close();
  }
  // Actions run with the state closed: rollback and retrain open it (and apply takes its lock).
  if (run.outcome === "breach")
    for (const a of c.onBreach) run.actions.push(await act(projectDir, a, c, run, opts));
  state = await openState(projectDir);
  try {
    run.seq = await state.records.nextSequence(`monitor_runs.${name}`);
    await state.records.put(MONITOR_RUNS, runKey(name, run.seq), encodeRun(run));
  } finally {
    await state.close();
  }
  if (report) await writeMonitorReport(projectDir, run, report.profile, report.live);
  return run;
}

/** Where a monitor's latest drift report is written: `.mlc/monitors/NAME/drift-report.html`. */
export const driftReportDir = (projectDir: string, name: string): string =>
  join(projectDir, ".mlc", "monitors", name);

/** The drift report of a run (self-contained HTML, written atomically beside the earlier ones' place). */
async function writeMonitorReport(
  projectDir: string,
  run: MonitorRun,
  reference: ReferenceProfile,
  live: ReferenceProfile,
): Promise<string> {
  return writeDriftReport(driftReportDir(projectDir, run.monitor), {
    monitor: run.monitor,
    deployment: run.deployment,
    modelVersion: run.modelVersion,
    ranAt: run.at,
    window: {
      from: run.window.from ?? "",
      to: run.window.to ?? "",
      rows: run.window.rows,
      description: run.window.spec,
    },
    reference,
    live,
    checks: checkResultsOf(run.assertions),
  });
}

/** The latest run of each monitor registered for `deployment`, as the /metrics gauges read them. */
export async function latestMonitorResults(
  projectDir: string,
  deployment: string,
): Promise<MonitorRunResult[]> {
  const state = await openState(projectDir);
  try {
    const out: MonitorRunResult[] = [];
    for (const r of await state.records.list(MONITORS)) {
      const reg = decodeRegistration(r.value);
      if (reg.config.deployment !== deployment) continue;
      const runs = await state.records.list(MONITOR_RUNS, `${reg.config.name}/`);
      const last = runs.at(-1);
      if (!last) continue;
      const run = decodeRun(last.value);
      out.push({ monitor: run.monitor, deployment, ranAt: run.at, checks: checkResultsOf(run.assertions) });
    }
    return out;
  } finally {
    await state.close();
  }
}

/** The JSON an alert posts: what broke, the statistics and thresholds, the window, the version. */
export function alertReport(run: MonitorRun): Record<string, unknown> {
  return {
    monitor: run.monitor,
    deployment: run.deployment,
    model_version: run.modelVersion,
    at: run.at,
    window: run.window,
    breached: run.assertions
      .filter((a) => a.status === "BREACH")
      .map((a) => ({
        assertion: a.text,
        statistics: a.values,
        threshold: a.threshold ?? null,
        rows: a.rows,
      })),
    assertions: run.assertions.map((a) => ({ assertion: a.text, status: a.status })),
  };
}

/** Runs one `on_breach` action of a breaching run (exported for the cooldown's race test). */
export async function act(
  projectDir: string,
  a: MonitorAction,
  c: MonitorConfig,
  run: MonitorRun,
  opts: RunMonitorOptions,
): Promise<ActionOutcome> {
  const at = () => new Date().toISOString();
  const done = (outcome: ActionOutcome["outcome"], detail: string): ActionOutcome => ({
    kind: a.kind,
    outcome,
    detail,
    at: at(),
  });
  try {
    switch (a.kind) {
      case "alert": {
        const state = await openState(projectDir);
        try {
          // claimed before posting, in one step: another run breaching now finds it and skips
          const claim = await claimAlert(state.records, c.name, run.at, c.cooldownSeconds);
          if (!claim.claimed)
            return done(
              "skipped",
              `an alert was sent at ${claim.lastAt}, inside the cooldown of ${c.cooldownSeconds}s`,
            );
          const url = "env" in a.url ? process.env[a.url.env] : a.url.literal;
          if (!url) {
            await releaseAlert(state.records, c.name, run.at, claim.previous);
            return done(
              "failed",
              `the environment variable ${"env" in a.url ? a.url.env : ""} is not set (the webhook URL)`,
            );
          }
          const d = await postAlert(url, alertReport(run), opts.alert);
          if (!d.delivered) {
            await releaseAlert(state.records, c.name, run.at, claim.previous);
            return done("failed", `not delivered after ${d.attempts} attempts: ${d.error ?? ""}`);
          }
          return done(
            "done",
            `delivered (HTTP ${d.status ?? "?"}, ${d.attempts} attempt${d.attempts === 1 ? "" : "s"})`,
          );
        } finally {
          await state.close();
        }
      }
      case "rollback": {
        const r = await rollbackDeployment(
          projectDir,
          a.deployment,
          `monitor ${c.name}: ${run.assertions.filter((x) => x.status === "BREACH").length} assertion(s) breached`,
        );
        return done("done", `${a.deployment} rolled back from version ${r.from} to ${r.to.version}`);
      }
      case "retrain": {
        const compiled = compileGraph(projectDir);
        if (!compiled.ok) return done("failed", "the project does not compile; mlc validate says why");
        const modelId = `model.${a.model}`;
        const deploys = compiled.graph.nodes
          .filter((n) => n.kind === "deploy" && n.inputs.some((i) => i.node === modelId))
          .map((n) => n.id);
        const outcome = await applyProject(projectDir, {
          targets: deploys.length ? deploys : [modelId],
          replace: [modelId],
          command: `mlc monitor ${c.name} (retrain ${a.model})`,
          lockTimeoutMs: 60_000,
          ...(opts.log ? { log: opts.log } : {}),
        });
        if (!outcome.ok) return done("failed", "the project does not compile; mlc validate says why");
        const failed = outcome.result.outcomes.filter((o) => o.status === "failed");
        if (failed.length)
          return done("failed", failed.map((f) => `${f.id}: ${(f.error ?? "").split("\n")[0]}`).join("; "));
        return done(
          "done",
          `applied ${[modelId, ...deploys].join(", ")} (${outcome.result.counts.ok} node(s) ran, ${outcome.result.counts.unchanged} unchanged)`,
        );
      }
    }
  } catch (e) {
    if (e instanceof MlcError) return done("failed", e.message);
    throw e;
  }
}

/** The registered configuration of a monitor, read from the project's state. */
export async function monitorConfigOf(projectDir: string, name: string): Promise<MonitorConfig> {
  const state = await openState(projectDir);
  try {
    return (await monitorRegistration(state, name)).config;
  } finally {
    await state.close();
  }
}

/**
 * What a version's reference profiles hold, for `mlc models show`: rows per part, the inputs profiled
 * and the output; undefined when the artifact cannot be read as profiles.
 */
export async function referenceProfileSummary(projectDir: string, hash: string): Promise<string | undefined> {
  const profiles = decodeReferenceProfiles(await openArtifacts(projectDir).get(hash));
  if (!profiles) return undefined;
  const parts = Object.entries(profiles.parts).filter(([, p]) => p !== undefined);
  const first = parts[0]?.[1];
  if (!first) return "no parts";
  const names = Object.keys(first.columns);
  const output = names.find((n) => n.startsWith("output."));
  return `${parts.map(([part, p]) => `${part} ${p!.rows} rows`).join(", ")}; ${names.length - (output ? 1 : 0)} inputs${output ? `, ${output}` : ""}`;
}
