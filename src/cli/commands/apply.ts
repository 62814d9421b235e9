// `mlc apply [DIR|PLANFILE]`: run what the plan says, with progress lines (node, elapsed time),
// a final summary naming failures, exit 1 when anything failed. Takes the state lock.
import type { Command } from "commander";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { renderDiagnostics } from "../../compiler/diagnostic-render.js";
import type { ApplyEvent, ApplyResult } from "../../runtime/apply.js";
import { parseDurationMs } from "../../runtime/lock.js";
import { hasChanges } from "../../runtime/plan.js";
import { rememberNoopPlan } from "../../runtime/plan-cache.js";
import { isPlanFile } from "../../runtime/plan-file.js";
import { planToJson, renderPlanText } from "../../runtime/plan-render.js";
import { applyProject } from "../../runtime/project.js";
import { ApplyProgress, studiesOf } from "../apply-progress.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { renderRuntimeDiagnostic, runtimeDiagnosticToJson } from "../runtime-diagnostic.js";
import { collect, failCompile, stdoutColor, userError } from "./plan.js";
import { printJson } from "../json-output.js";

interface ApplyCliOptions {
  target: string[];
  replace: string[];
  parallel?: string;
  lockTimeout?: string;
  json?: boolean;
  forceNewState?: boolean;
  trialWorkers?: boolean;
}

const secs = (ms: number) => (ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`);

export function register(program: Command): void {
  withProjectDir(
    program
      .command("apply")
      .description(
        "execute the plan: run stale nodes in dependency order (independent ones in parallel) and record results",
      ),
    "the project directory, or a plan saved by `mlc plan --out` (default: the current directory; also -C/--dir)",
    "dir-or-plan",
  )
    .option("--target <node>", "apply only this node and what it needs (repeatable)", collect, [])
    .option("--replace <node>", "replace this node even if unchanged (repeatable)", collect, [])
    .option("--parallel <n>", `nodes run at once (default: the number of cores, ${availableParallelism()})`)
    .option(
      "--lock-timeout <duration>",
      "wait this long for another apply's lock (e.g. 30s) instead of failing at once",
    )
    .option(
      "--force-new-state",
      "apply on an empty state although bundles exist on disk (lost state): new versions are numbered after the highest on disk; see specs/state-store.md",
    )
    .option(
      "--trial-workers",
      "queue tuning trials in the shared PostgreSQL state for `mlc worker` processes instead of fitting them here",
    )
    .option("--json", "print the outcome as JSON")
    .action(async (target: string, opts: ApplyCliOptions) => runApply(target, opts));
}

/** The counts, then each failure: a failed node as its diagnostic (`file:line:col`, caret, hint). */
function summary(r: ApplyResult, sources: ReadonlyMap<string, string>): string {
  const c = r.counts;
  const lines = [
    `Apply ${r.ok ? "complete" : "finished with failures"}: ${c.ok} succeeded, ${c.failed} failed, ${c.skipped} skipped, ${c.destroyed} destroyed, ${c.unchanged} unchanged.`,
  ];
  const bad = r.outcomes.filter((o) => o.status === "failed" || o.status === "skipped");
  if (bad.length) {
    lines.push("Failures:");
    for (const o of bad)
      lines.push(
        o.diagnostic
          ? renderRuntimeDiagnostic(o.diagnostic, sources, { color: stdoutColor() }).trimEnd()
          : `  ${o.id}: ${o.status === "skipped" ? `not run (${o.error})` : o.error}`,
      );
  }
  return lines.join("\n") + "\n";
}

async function runApply(target: string, opts: ApplyCliOptions): Promise<void> {
  let parallel: number | undefined;
  if (opts.parallel !== undefined) {
    parallel = Number(opts.parallel);
    if (!Number.isInteger(parallel) || parallel < 1)
      throw new CliExit(1, `mlc: --parallel must be a positive integer, not '${opts.parallel}'`);
  }
  let lockTimeoutMs = 0;
  if (opts.lockTimeout !== undefined) {
    try {
      lockTimeoutMs = parseDurationMs(opts.lockTimeout);
    } catch (e) {
      throw new CliExit(1, `mlc: --lock-timeout: ${(e as Error).message}`);
    }
  }
  const planFile = (await isPlanFile(target)) ? target : undefined;
  const tty = process.stdout.isTTY === true && !opts.json;
  const progress = new ApplyProgress(new Map(), {
    tty,
    columns: process.stdout.columns,
    write: (s) => {
      if (!opts.json) process.stdout.write(s);
    },
  });
  const out = (s: string) => {
    if (!opts.json) progress.line(s);
  };
  const onEvent = (e: ApplyEvent) => {
    switch (e.type) {
      case "start":
        out(
          `${e.id}: ${e.action === "create" ? "creating" : e.action === "replace" ? "replacing" : "updating"}…\n`,
        );
        progress.start(e.id);
        break;
      case "finish":
        progress.stop(e.id);
        out(`${e.id}: done in ${secs(e.ms)}\n`);
        break;
      case "fail":
        progress.stop(e.id);
        out(`${e.id}: FAILED after ${secs(e.ms)}: ${e.error}\n`);
        break;
      case "skip":
        out(`${e.id}: skipped (${e.because})\n`);
        break;
      case "log":
        if (!opts.json) progress.log(e.id, e.message);
        break;
      case "progress":
        progress.progress(e.id, e.step, e.total);
        break;
      case "destroy":
        out(`${e.id}: ${e.ok ? "destroyed" : `destroy FAILED: ${e.error}`}\n`);
        break;
    }
  };
  // the live line on a terminal is redrawn every second; elsewhere a line per running node every 30 s
  const ticker = opts.json ? undefined : setInterval(() => progress.tick(), 1000);
  ticker?.unref();
  const abort = new AbortController();
  const onSigint = () => {
    process.stderr.write(
      "mlc: interrupted; no new node starts, and the nodes running now are stopped: what they finished (tuning trials included) is recorded, the rest runs again on the next apply (Ctrl-C again to quit at once)\n",
    );
    abort.abort();
    process.off("SIGINT", onSigint);
  };
  process.on("SIGINT", onSigint);
  let outcome;
  try {
    outcome = await applyProject(planFile ? "." : target, {
      planFile,
      targets: opts.target,
      replace: opts.replace,
      parallel,
      lockTimeoutMs,
      forceNewState: opts.forceNewState === true,
      trialWorkers: opts.trialWorkers === true,
      onEvent,
      signal: abort.signal,
      command: ["mlc", ...process.argv.slice(2)].join(" ").slice(0, 200),
      onPlan: (p) => {
        progress.setStudies(studiesOf(p.graph.nodes));
        out(renderPlanText(p, { color: stdoutColor() }) + "\n");
      },
    });
  } catch (e) {
    userError(e, opts.json);
  } finally {
    if (ticker) clearInterval(ticker);
    progress.close();
    process.off("SIGINT", onSigint);
  }
  if (!outcome.ok) failCompile(outcome, opts.json);
  const warnings = outcome.diagnostics.filter((d) => d.severity === "warning");
  if (warnings.length && !opts.json)
    process.stderr.write(renderDiagnostics(warnings, outcome.sources, { color: false }));
  const r = outcome.result;
  // The next `mlc plan` answers from this record instead of replanning what was just applied.
  if (outcome.after && !hasChanges(outcome.after))
    await rememberNoopPlan(resolve(target), outcome.after, planToJson(outcome.after));
  if (opts.json) {
    printJson({
      format_version: 1,
      ok: r.ok,
      apply_id: r.applyId,
      plan: planToJson(outcome.plan),
      outcomes: r.outcomes.map(({ diagnostic, ...o }) =>
        diagnostic ? { ...o, diagnostic: runtimeDiagnosticToJson(diagnostic) } : o,
      ),
      counts: r.counts,
    });
  } else {
    out(summary(r, outcome.sources));
  }
  if (!r.ok) throw new CliExit(1);
}
