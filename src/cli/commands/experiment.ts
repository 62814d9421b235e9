// `mlc experiment status|decide|stop|promote NAME` and `mlc experiment NAME [--watch]`: the per-arm
// status of an online experiment (the prediction log joined with outcomes from the feedback store), its
// declared decisions applied once or on a schedule, and decisions by hand.
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ArmStatus } from "../../ml/experiments/index.js";
import {
  experimentRunning,
  experimentStatus,
  ExperimentLookupError,
  locateExperiment,
  type LocatedExperiment,
  type StatusWithSources,
} from "../../runtime/experiment-status.js";
import { parseDurationMs } from "../../runtime/lock.js";
import { declaredAction, decideExperiment } from "../../runtime/registry/experiment-decision.js";
import { DeploymentError } from "../../serve/deployment.js";
import type { OutcomeEvent } from "../../serve/experiment-records.js";
import { LogStoreError } from "../../serve/log/types.js";
import { writePidFile } from "../../serve/pid-file.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { printJson } from "../json-output.js";

interface Flags {
  dir: string;
  json?: boolean;
  outcomes?: string;
  reason?: string;
  arm?: string;
  watch?: boolean;
  every?: string;
  pidFile?: string;
}

/** Outcome events from an NDJSON file: `{"request_id"|"unit": …, "metric": …, "value": …}` per line. */
function readOutcomesFile(file: string): OutcomeEvent[] {
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
      ...(typeof r.index === "number" ? { index: r.index } : {}),
      ...(typeof r.unit === "string" ? { unit: r.unit } : {}),
      ...(typeof r.time === "string" ? { time: r.time } : {}),
    });
  });
  return out;
}

/** Runs `f`, turning the expected failures (no such experiment, pointer, log store) into a printed message. */
async function guarded<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof ExperimentLookupError || e instanceof DeploymentError || e instanceof LogStoreError)
      throw new CliExit(1, `mlc experiment: ${e.message}`);
    throw e;
  }
}

const locate = (name: string, flags: Flags): LocatedExperiment => {
  try {
    return locateExperiment(flags.dir, name);
  } catch (e) {
    if (e instanceof ExperimentLookupError) throw new CliExit(1, `mlc experiment: ${e.message}`);
    throw e;
  }
};

const status = (l: LocatedExperiment, flags: Flags): Promise<StatusWithSources> =>
  guarded(() =>
    experimentStatus(
      l,
      flags.outcomes
        ? { events: readOutcomesFile(resolve(flags.outcomes)), from: resolve(flags.outcomes) }
        : undefined,
    ),
  );

const pct = (v: number | undefined): string =>
  v === undefined || !Number.isFinite(v) ? "–" : `${(v * 100).toFixed(2)}%`;
const num = (v: number | null | undefined, d = 4): string =>
  v === null || v === undefined || !Number.isFinite(v) ? "–" : String(+v.toPrecision(d));

function renderStatus(l: LocatedExperiment, s: StatusWithSources): string {
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
      a.errorRate === null ? "–" : pct(a.errorRate),
      a.guardrails
        .filter((g) => g.breached)
        .map((g) => g.guardrail)
        .join(",") || "ok",
    ];
  });
  const head = [
    "arm",
    "units",
    "outcomes",
    l.design.primary,
    "lift [interval]",
    "p",
    "p99 ms",
    "errors",
    "guardrails",
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  const secondary = s.arms.flatMap((a) =>
    a.secondary.map((m) => {
      const c = m.comparison;
      return `  ${a.arm} ${m.metric}: mean ${num(m.mean)} (${m.outcomes} units with outcomes)${c ? `, lift ${pct(c.lift)} [${pct(c.liftLower)}, ${pct(c.liftUpper)}], p = ${num(c.pValue, 3)}` : ""}`;
    }),
  );
  return [
    `experiment ${l.name} on ${l.deployment} (${l.design.test} test, alpha ${l.design.alpha}${
      l.design.plannedUnits
        ? `, planned units ${Object.entries(l.design.plannedUnits)
            .map(([a, n]) => `${a} ${n}`)
            .join(", ")}`
        : ""
    })`,
    `outcomes: ${s.outcomes_read} from ${s.outcomes_from}`,
    line(head),
    ...rows.map(line),
    ...(secondary.length ? ["secondary metrics:", ...secondary] : []),
    `sample ratio: chi-squared ${num(s.srm.chiSquare, 3)}, p = ${num(s.srm.pValue, 3)}${s.srm.mismatch ? "  MISMATCH" : ""}`,
    ...s.warnings.map((w) => `warning: ${w}`),
    `verdict: ${s.verdict}${s.winner ? ` (serve ${s.winner})` : ""}: ${s.reason}`,
  ].join("\n");
}

async function decide(
  l: LocatedExperiment,
  event: "promoted" | "stopped",
  arm: string,
  reason: string,
  by: "decision" | "hand",
  verdict?: string,
): Promise<string> {
  const p = await guarded(() =>
    decideExperiment(l.projectDir, l.deployment, l.name, arm, event, reason, by, verdict),
  );
  return `${l.deployment}: all traffic to ${arm} (version ${p.version}); ${reason}`;
}

/** Applies the declared decision to the current status once; the line to print, and whether it concluded. */
async function decideOnce(name: string, flags: Flags): Promise<{ line: string; concluded: boolean }> {
  const l = locate(name, flags);
  if (!experimentRunning(l)) {
    const last = l.events[l.events.length - 1]!;
    return {
      line: `${name}: not running on ${l.deployment} (${last.event} at ${last.ts}: ${last.reason})`,
      concluded: true,
    };
  }
  const s = await status(l, flags);
  const d = l.started.decisions ?? { on_win: "promote", on_loss: "stop", on_guardrail: "stop" };
  const act = declaredAction(s, d, l.design.control);
  if (!act) return { line: `${name}: ${s.verdict}: ${s.reason}; nothing to do`, concluded: false };
  const reason = `experiment ${name} ${act.event} by its declared decision (${s.verdict}): ${s.reason}`;
  return { line: await decide(l, act.event, act.arm, reason, "decision", s.verdict), concluded: true };
}

/** `--watch`: the declared decision every `every` ms until it concludes the experiment or a signal comes. */
async function watch(name: string, flags: Flags): Promise<void> {
  let everyMs: number;
  try {
    everyMs = parseDurationMs(flags.every ?? "10m");
  } catch (e) {
    throw new CliExit(2, `mlc experiment: --every: ${(e as Error).message}`);
  }
  if (!(everyMs >= 100)) throw new CliExit(2, "mlc experiment: --every must be at least 100ms");
  locate(name, flags); // fail now, not at the first tick, when there is no such experiment
  const removePid = flags.pidFile ? writePidFile(flags.pidFile) : undefined;
  let stopping = false;
  let wake: (() => void) | undefined;
  const onSignal = (): void => {
    stopping = true;
    wake?.();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  try {
    while (!stopping) {
      let r: { line: string; concluded: boolean } | undefined;
      try {
        r = await decideOnce(name, flags);
      } catch (e) {
        // a store that cannot be read now (a database restarting) is reported and tried again next time
        if (!(e instanceof CliExit)) throw e;
        process.stderr.write(`${new Date().toISOString()} ${e.message}\n`);
      }
      if (r) process.stdout.write(`${new Date().toISOString()} ${r.line}\n`);
      if (r?.concluded) return;
      // a signal during the check lets the check finish, then ends the loop here
      await new Promise<void>((done) => {
        const t = setTimeout(done, everyMs);
        wake = () => {
          clearTimeout(t);
          done();
        };
        if (stopping) wake();
      });
      wake = undefined;
    }
    process.stdout.write(`mlc experiment: ${name}: watch stopped\n`);
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    removePid?.();
  }
}

export function register(program: Command): void {
  // --dir and --outcomes are read from the subcommand when given there (the program may enable
  // positional options, so only the subcommand sees them after its name), else from `experiment`
  const flagsOf = (c: Command): Flags => {
    const own = Object.fromEntries(Object.entries(c.opts()).filter(([, v]) => v !== undefined));
    const parent = (c.parent?.opts() ?? {}) as Flags;
    // the subcommand's directory (positional or -C) wins; "." (none given) leaves the parent's --dir
    const dir = own.dir !== undefined && own.dir !== "." ? own.dir : (parent.dir ?? ".");
    return { ...parent, ...own, dir } as Flags;
  };
  const shared = (c: Command, outcomes = true): Command =>
    outcomes
      ? c.option("--outcomes <file>", "outcome events as NDJSON ({request_id|unit, metric, value} per line)")
      : c;
  const cmd = program
    .command("experiment")
    .description(
      "online experiments: `mlc experiment NAME [--watch]` applies the declared decisions; status, decide, stop, promote",
    )
    .argument(
      "[name]",
      "the experiment whose declared decision to apply (once, or on a schedule with --watch)",
    )
    .option("-C, --dir <project>", "project directory", ".")
    .option("--watch", "apply the declared decision on a schedule until it concludes or SIGTERM/SIGINT")
    .option("--every <duration>", "with --watch: how often (30s, 10m, 1h)", "10m")
    .option("--pid-file <file>", "with --watch: write the process id here while watching")
    .option("--outcomes <file>", "outcome events as NDJSON instead of the feedback store")
    .action(async (name: string | undefined, _opts: Flags, c: Command) => {
      if (!name) return void c.help({ error: true });
      const flags = flagsOf(c);
      if (flags.watch) return watch(name, flags);
      process.stdout.write((await decideOnce(name, flags)).line + "\n");
    });
  withProjectDir(
    shared(cmd.command("status"))
      .description(
        "per arm: units, outcomes, mean, lift against control with interval and p-value; secondary metrics; SRM; guardrails",
      )
      .argument("<name>")
      .option("--json", "print JSON"),
  ).action(async (name: string, _dir: string, _o: Flags, c: Command) => {
    const flags = flagsOf(c);
    const l = locate(name, flags);
    const s = await status(l, flags);
    const last = l.events[l.events.length - 1]!;
    const running = experimentRunning(l);
    if (flags.json)
      return void printJson({ experiment: name, deployment: l.deployment, running, last_event: last, ...s });
    process.stdout.write(
      renderStatus(l, s) +
        (running ? "" : `\n(not running: ${last.event} at ${last.ts}: ${last.reason})`) +
        "\n",
    );
  });
  const byHand = (name: string, event: string, arm: string, flags: Flags): string =>
    flags.reason ?? `experiment ${name}: ${arm} ${event} by hand`;
  withProjectDir(
    shared(cmd.command("stop"), false)
      .description("end the experiment: all traffic returns to the control")
      .argument("<name>")
      .option("--reason <text>", "why, for the audit trail"),
  ).action(async (name: string, _dir: string, _o: Flags, c: Command) => {
    const flags = flagsOf(c);
    const l = locate(name, flags);
    const arm = l.design.control;
    process.stdout.write(
      (await decide(l, "stopped", arm, byHand(name, "stopped", arm, flags), "hand")) + "\n",
    );
  });
  withProjectDir(
    shared(cmd.command("promote"))
      .description(
        "end the experiment: all traffic to the winner (--arm, or the arm the status declares winner)",
      )
      .argument("<name>")
      .option("--arm <variant>", "the variant to serve")
      .option("--reason <text>", "why, for the audit trail"),
  ).action(async (name: string, _dir: string, _o: Flags, c: Command) => {
    const flags = flagsOf(c);
    const l = locate(name, flags);
    let arm = flags.arm;
    let verdict: string | undefined;
    if (!arm) {
      const s = await status(l, flags);
      if (s.verdict !== "win" || !s.winner)
        throw new CliExit(
          1,
          `mlc experiment: no winner to promote (${s.verdict}: ${s.reason}); name one with --arm`,
        );
      arm = s.winner;
      verdict = s.verdict;
      flags.reason ??= `experiment ${name}: ${s.reason}`;
    }
    process.stdout.write(
      (await decide(l, "promoted", arm, byHand(name, "promoted", arm, flags), "hand", verdict)) + "\n",
    );
  });
  withProjectDir(
    shared(cmd.command("decide"))
      .description(
        "apply the spec's declared decision (on_win, on_loss, on_guardrail) to the current status once",
      )
      .argument("<name>"),
  ).action(async (name: string, _dir: string, _o: Flags, c: Command) => {
    const flags = flagsOf(c);
    const l = locate(name, flags);
    if (!experimentRunning(l))
      throw new CliExit(1, `mlc experiment: experiment '${name}' is not running on ${l.deployment}`);
    process.stdout.write((await decideOnce(name, flags)).line + "\n");
  });
}
