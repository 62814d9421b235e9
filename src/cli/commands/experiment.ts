// `mlc experiment status|decide|stop|promote NAME`: the per-arm status of an online experiment (from
// the prediction log joined with outcomes), its declared decisions, and decisions by hand.
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { analyzeExperiment, type ArmStatus, type ExperimentStatus } from "../../ml/experiments/index.js";
import { decideExperiment } from "../../runtime/registry/experiment-decision.js";
import { DeploymentError, readDeployment } from "../../serve/deployment.js";
import {
  findExperimentDeployment,
  readExperimentEvents,
  type ExperimentEvent,
} from "../../serve/experiment-log.js";
import { experimentRecords, type OutcomeEvent } from "../../serve/experiment-records.js";
import { readPredictionLog } from "../../serve/prediction-log-reader.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";

interface Flags {
  dir: string;
  json?: boolean;
  outcomes?: string;
  reason?: string;
  arm?: string;
}

/** Outcome events from an NDJSON file: `{"request_id"|"unit": …, "metric": …, "value": …}` per line. */
function readOutcomes(file: string): OutcomeEvent[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CliExit(1, `mlc experiment: cannot read ${file}: ${(e as Error).message}`);
  }
  const out: OutcomeEvent[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      throw new CliExit(1, `mlc experiment: ${file}:${i + 1}: not valid JSON`);
    }
    const r = o as Partial<OutcomeEvent>;
    if (
      typeof r.metric !== "string" ||
      typeof r.value !== "number" ||
      (typeof r.request_id !== "string" && typeof r.unit !== "string")
    )
      throw new CliExit(
        1,
        `mlc experiment: ${file}:${i + 1}: expected {"request_id" or "unit": string, "metric": string, "value": number}`,
      );
    out.push({
      metric: r.metric,
      value: r.value,
      ...(typeof r.request_id === "string" ? { request_id: r.request_id } : {}),
      ...(typeof r.unit === "string" ? { unit: String(r.unit) } : {}),
    });
  });
  return out;
}

interface Located {
  projectDir: string;
  deployment: string;
  events: ExperimentEvent[];
  design: NonNullable<ExperimentEvent["design"]>;
  key: string;
  started: ExperimentEvent;
}

function locate(name: string, flags: Flags): Located {
  const projectDir = resolve(flags.dir);
  const deployment = findExperimentDeployment(projectDir, name);
  if (!deployment)
    throw new CliExit(1, `mlc experiment: no experiment '${name}' was ever applied in ${projectDir}`);
  const events = readExperimentEvents(projectDir, deployment, name);
  const started = [...events].reverse().find((e) => e.design !== undefined);
  if (!started?.design || !started.key)
    throw new CliExit(1, `mlc experiment: experiment '${name}' has no recorded design`);
  return { projectDir, deployment, events, design: started.design, key: started.key, started };
}

function status(l: Located, name: string, flags: Flags): ExperimentStatus {
  const log = readPredictionLog(l.projectDir, l.deployment);
  const outcomes = flags.outcomes ? readOutcomes(resolve(flags.outcomes)) : [];
  const records = experimentRecords(name, l.key, log, outcomes, l.started.covariate);
  return analyzeExperiment(l.design, records);
}

const pct = (v: number | undefined): string =>
  v === undefined || !Number.isFinite(v) ? "–" : `${(v * 100).toFixed(2)}%`;
const num = (v: number | null | undefined, d = 4): string =>
  v === null || v === undefined || !Number.isFinite(v) ? "–" : String(+v.toPrecision(d));

function renderStatus(name: string, l: Located, s: ExperimentStatus): string {
  const rows = s.arms.map((a: ArmStatus) => {
    const c = a.primary.comparison;
    return [
      a.arm,
      String(a.units),
      String(a.primary.outcomes),
      num(a.primary.mean),
      c ? `${pct(c.lift)} [${pct(c.liftLower)}, ${pct(c.liftUpper)}]` : "(control)",
      c ? num(c.pValue, 3) : "",
      num(a.latencyP99Ms, 3),
      a.guardrails
        .filter((g) => g.breached)
        .map((g) => g.guardrail)
        .join(",") || "ok",
    ];
  });
  const head = ["arm", "units", "outcomes", l.design.primary, "lift [interval]", "p", "p99 ms", "guardrails"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [
    `experiment ${name} on ${l.deployment} (${l.design.test} test, alpha ${l.design.alpha}${
      l.design.plannedUnits
        ? `, planned units ${Object.entries(l.design.plannedUnits)
            .map(([a, n]) => `${a} ${n}`)
            .join(", ")}`
        : ""
    })`,
    line(head),
    ...rows.map(line),
    `sample ratio: chi-squared ${num(s.srm.chiSquare, 3)}, p = ${num(s.srm.pValue, 3)}${s.srm.mismatch ? "  MISMATCH" : ""}`,
    ...s.warnings.map((w) => `warning: ${w}`),
    `verdict: ${s.verdict}${s.winner ? ` (serve ${s.winner})` : ""}: ${s.reason}`,
  ].join("\n");
}

export function register(program: Command): void {
  const cmd = program.command("experiment").description("status and decisions of online experiments");
  const common = (c: Command): Command => withProjectDir(c);
  common(
    cmd
      .command("status")
      .description(
        "per arm: units, outcomes, mean, lift against control with interval and p-value; SRM; guardrails",
      )
      .argument("<name>")
      .option("--outcomes <file>", "outcome events as NDJSON ({request_id|unit, metric, value} per line)")
      .option("--json", "print JSON"),
  ).action(async (name: string, _dir: string, flags: Flags) => {
    const l = locate(name, flags);
    const s = status(l, name, flags);
    const last = l.events[l.events.length - 1]!;
    const running = readDeployment(l.projectDir, l.deployment)?.experiment?.name === name;
    if (flags.json)
      return void process.stdout.write(
        JSON.stringify(
          { experiment: name, deployment: l.deployment, running, last_event: last, ...s },
          null,
          2,
        ) + "\n",
      );
    process.stdout.write(
      renderStatus(name, l, s) +
        (running ? "" : `\n(not running: ${last.event} at ${last.ts}: ${last.reason})`) +
        "\n",
    );
  });
  const decide = async (
    l: Located,
    name: string,
    event: "promoted" | "stopped",
    arm: string,
    reason: string,
    by: "decision" | "hand",
  ): Promise<void> => {
    try {
      const p = await decideExperiment(l.projectDir, l.deployment, name, arm, event, reason, by);
      process.stdout.write(`${l.deployment}: all traffic to ${arm} (version ${p.version}); ${reason}\n`);
    } catch (e) {
      if (e instanceof DeploymentError) throw new CliExit(1, `mlc experiment: ${e.message}`);
      throw e;
    }
  };
  const byHand = (name: string, event: string, arm: string, flags: Flags): string =>
    flags.reason ?? `experiment ${name}: ${arm} ${event} by hand`;
  common(
    cmd
      .command("stop")
      .description("end the experiment: all traffic returns to the control")
      .argument("<name>")
      .option("--reason <text>", "why, for the audit trail"),
  ).action(async (name: string, _dir: string, flags: Flags) => {
    const l = locate(name, flags);
    await decide(
      l,
      name,
      "stopped",
      l.design.control,
      byHand(name, "stopped", l.design.control, flags),
      "hand",
    );
  });
  common(
    cmd
      .command("promote")
      .description(
        "end the experiment: all traffic to the winner (--arm, or the arm the status declares winner)",
      )
      .argument("<name>")
      .option("--arm <variant>", "the variant to serve")
      .option("--outcomes <file>", "outcome events as NDJSON, to find the winner")
      .option("--reason <text>", "why, for the audit trail"),
  ).action(async (name: string, _dir: string, flags: Flags) => {
    const l = locate(name, flags);
    let arm = flags.arm;
    if (!arm) {
      const s = status(l, name, flags);
      if (s.verdict !== "win" || !s.winner)
        throw new CliExit(
          1,
          `mlc experiment: no winner to promote (${s.verdict}: ${s.reason}); name one with --arm`,
        );
      arm = s.winner;
      flags.reason ??= `experiment ${name}: ${s.reason}`;
    }
    await decide(l, name, "promoted", arm, byHand(name, "promoted", arm, flags), "hand");
  });
  common(
    cmd
      .command("decide")
      .description("apply the spec's declared decision (on_win, on_loss, on_guardrail) to the current status")
      .argument("<name>")
      .option("--outcomes <file>", "outcome events as NDJSON ({request_id|unit, metric, value} per line)"),
  ).action(async (name: string, _dir: string, flags: Flags) => {
    const l = locate(name, flags);
    if (readDeployment(l.projectDir, l.deployment)?.experiment?.name !== name)
      throw new CliExit(1, `mlc experiment: experiment '${name}' is not running on ${l.deployment}`);
    const s = status(l, name, flags);
    const d = l.started.decisions ?? { on_win: "promote", on_loss: "stop", on_guardrail: "stop" };
    const act =
      s.verdict === "win" && d.on_win === "promote"
        ? ({ event: "promoted", arm: s.winner! } as const)
        : (s.verdict === "loss" || s.verdict === "inconclusive") && d.on_loss === "stop"
          ? ({ event: "stopped", arm: l.design.control } as const)
          : s.verdict === "guardrail" && d.on_guardrail === "stop"
            ? ({ event: "stopped", arm: l.design.control } as const)
            : undefined;
    if (!act) {
      process.stdout.write(`${name}: ${s.verdict}: ${s.reason}; nothing to do\n`);
      return;
    }
    const reason = `experiment ${name} ${act.event} by its declared decision (${s.verdict}): ${s.reason}`;
    await decide(l, name, act.event, act.arm, reason, "decision");
  });
}
