// `mlc monitor NAME`: runs a registered monitor once (or `--watch` on its schedule until SIGTERM or
// Ctrl-C), one line per assertion, `--json`, `--history`. Exit codes: 0 every assertion passed,
// 3 a breach, 4 not enough data (and no breach), 1 the monitor cannot run, 2 usage errors.
import type { Command } from "commander";
import { resolve } from "node:path";
import type { MonitorRun } from "../../kinds/monitor/results.js";
import { monitorConfigOf, monitorHistory, runMonitor } from "../../runtime/monitor/run-monitor.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { printJson } from "../json-output.js";

export const MONITOR_EXIT = { pass: 0, breach: 3, not_enough_data: 4 } as const;

function fmt(v: number): string {
  if (Number.isNaN(v)) return "n/a";
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1000 ? v.toFixed(1) : v.toPrecision(4);
}

/** One line per assertion: status, text, statistics, threshold, rows; then the actions. */
export function renderRun(r: MonitorRun): string {
  const width = Math.max(...r.assertions.map((a) => a.text.length), 10);
  const lines = [
    `monitor ${r.monitor} (run ${r.seq}): ${r.deployment} version ${r.modelVersion}, ${r.window.spec}, ${r.window.rows} rows${r.window.from ? ` from ${r.window.from}` : ""}${r.window.to ? ` to ${r.window.to}` : ""}`,
  ];
  for (const a of r.assertions) {
    const stats = Object.entries(a.values)
      .map(([k, v]) => `${k} = ${fmt(v)}`)
      .join(", ");
    const threshold = a.threshold !== undefined ? `  threshold ${fmt(a.threshold)}` : "";
    lines.push(
      `  ${a.status.padEnd(15)} ${a.text.padEnd(width)}  ${stats}${threshold}  rows ${a.rows}${a.note ? `  (${a.note})` : ""}`,
    );
  }
  const breaches = r.assertions.filter((a) => a.status === "BREACH").length;
  lines.push(
    r.outcome === "breach"
      ? `${breaches} of ${r.assertions.length} assertions breached`
      : r.outcome === "not_enough_data"
        ? "not enough data: no alarm"
        : `all ${r.assertions.length} assertions passed`,
  );
  for (const a of r.actions) lines.push(`  ${a.kind}: ${a.outcome}: ${a.detail}`);
  return lines.join("\n") + "\n";
}

function runJson(r: MonitorRun): unknown {
  return {
    monitor: r.monitor,
    run: r.seq,
    at: r.at,
    deployment: r.deployment,
    model_version: r.modelVersion,
    window: r.window,
    outcome: r.outcome,
    assertions: r.assertions.map((a) => ({
      assertion: a.text,
      status: a.status,
      statistics: Object.fromEntries(
        Object.entries(a.values).map(([k, v]) => [k, Number.isNaN(v) ? null : v]),
      ),
      threshold: a.threshold ?? null,
      rows: a.rows,
      ...(a.note ? { note: a.note } : {}),
    })),
    actions: r.actions,
  };
}

interface MonitorFlags {
  dir: string;
  json?: boolean;
  watch?: boolean;
  history?: boolean;
}

export function register(program: Command): void {
  withProjectDir(
    program
      .command("monitor")
      .description(
        "run a monitor's checks once over its deployment's prediction log (exit 0 pass, 3 breach, 4 not enough data, 1 cannot run)",
      )
      .argument("<name>", "the monitor block"),
  )
    .option("--json", "print JSON (one document per run)")
    .option("--watch", "run on the monitor's schedule until SIGTERM or Ctrl-C")
    .option("--history", "list the recorded runs and their actions")
    .action(async (name: string, _dir: string, flags: MonitorFlags) => {
      const dir = resolve(flags.dir);
      if (flags.watch && flags.history)
        throw new CliExit(2, "mlc monitor: --watch and --history exclude each other");
      if (flags.history) {
        const runs = await monitorHistory(dir, name);
        if (flags.json) return void printJson(runs.map(runJson), 0);
        if (!runs.length) return void process.stdout.write(`monitor ${name}: no runs recorded\n`);
        for (const r of runs) {
          const actions = r.actions.map((a) => `${a.kind} ${a.outcome}`).join(", ");
          process.stdout.write(
            `${String(r.seq).padStart(4)}  ${r.at}  ${r.outcome.padEnd(15)}  version ${r.modelVersion}  ${r.window.rows} rows${actions ? `  actions: ${actions}` : ""}\n`,
          );
        }
        return;
      }
      const once = async (): Promise<MonitorRun> => {
        const r = await runMonitor(dir, name, { log: (m) => process.stderr.write(m + "\n") });
        if (flags.json) printJson(runJson(r), 0);
        else process.stdout.write(renderRun(r));
        return r;
      };
      if (!flags.watch) {
        const r = await once();
        process.exitCode = MONITOR_EXIT[r.outcome];
        return;
      }
      const config = await monitorConfigOf(dir, name);
      await new Promise<void>((done, failed) => {
        let timer: NodeJS.Timeout | undefined;
        let running: Promise<unknown> = Promise.resolve();
        let stopped = false;
        const stop = () => {
          stopped = true;
          if (timer) clearTimeout(timer);
          process.off("SIGTERM", stop);
          process.off("SIGINT", stop);
          void running.then(() => done());
        };
        process.on("SIGTERM", stop);
        process.on("SIGINT", stop);
        const tick = () => {
          running = once().then(
            () => {
              if (!stopped) timer = setTimeout(tick, config.scheduleSeconds * 1000);
            },
            (e: unknown) => {
              process.off("SIGTERM", stop);
              process.off("SIGINT", stop);
              failed(e);
            },
          );
        };
        tick();
      });
      process.exitCode = 0;
    });
}
