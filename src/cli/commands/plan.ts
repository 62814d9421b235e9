// `mlc plan [DIR]`: what apply would do and why, as text, JSON (specs/plan-json.md) or Markdown;
// `--out FILE` saves it for `mlc apply FILE`; `--detailed-exitcode`: 0 nothing, 2 changes, 1 error.
import { colorFor } from "../color.js";
import type { Command } from "commander";
import { resolve } from "node:path";
import { diagnosticsToJson, renderDiagnostics } from "../../compiler/diagnostic-render.js";
import { hasChanges } from "../../runtime/plan.js";
import { planToJson, renderPlanMarkdown, renderPlanText } from "../../runtime/plan-render.js";
import { savePlan } from "../../runtime/plan-file.js";
import { rememberNoopPlan } from "../../runtime/plan-cache.js";
import { answerNoopPlan } from "../noop-plan.js";
import type { CompileFailure } from "../../runtime/project.js";
import { diagnosticOf, isInternal } from "../../ir/errors.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { projectTitle, renderFailureMarkdown } from "../markdown-report.js";
import { renderRuntimeDiagnostic, runtimeDiagnosticToJson } from "../runtime-diagnostic.js";
import { printJson } from "../json-output.js";

interface PlanCliOptions {
  json?: boolean;
  markdown?: boolean;
  out?: string;
  detailedExitcode?: boolean;
  target: string[];
  replace: string[];
}

export const collect = (v: string, prev: string[]): string[] => [...prev, v];
export const stdoutColor = (): boolean => colorFor(process.stdout);
const stderrColor = (): boolean => colorFor(process.stderr);

/** Where a command's failure also goes on stdout: JSON, or a Markdown comment titled with the project. */
type FailureFormat = boolean | { markdown: string };

/**
 * Prints a compile failure's diagnostics (as JSON on stdout with `json`; as Markdown on stdout too
 * with `{ markdown: project }`) and ends the command with exit code 1.
 */
export function failCompile(c: CompileFailure, format: FailureFormat = false): never {
  if (format === true) {
    const body = { format_version: 1, ok: false, diagnostics: diagnosticsToJson(c.diagnostics) };
    printJson(body);
    throw new CliExit(1);
  }
  if (format) {
    const errors = c.diagnostics.filter((d) => d.severity === "error").length;
    const plain = renderDiagnostics(c.diagnostics, c.sources, { color: false });
    process.stdout.write(
      renderFailureMarkdown(
        format.markdown,
        `The spec has ${errors} error${errors === 1 ? "" : "s"}; nothing was planned.`,
        plain,
      ),
    );
  }
  throw new CliExit(1, renderDiagnostics(c.diagnostics, c.sources, { color: stderrColor() }));
}

/**
 * Turns a user-facing error (an MlcError, or the operating system's) into a clean CLI exit that
 * prints its diagnostic, as JSON on stdout with `json`. A bug (anything else) is rethrown.
 */
export function userError(e: unknown, format: FailureFormat = false): never {
  if (e instanceof CliExit) throw e;
  const d = diagnosticOf(e);
  if (isInternal(d)) throw e;
  if (format === true) {
    const body = { format_version: 1, ok: false, diagnostics: [runtimeDiagnosticToJson(d)] };
    printJson(body);
    throw new CliExit(1);
  }
  if (format)
    process.stdout.write(
      renderFailureMarkdown(
        format.markdown,
        "The plan failed; nothing was planned.",
        renderRuntimeDiagnostic(d, new Map(), { color: false }),
      ),
    );
  throw new CliExit(1, renderRuntimeDiagnostic(d, new Map(), { color: stderrColor() }));
}

export function register(program: Command): void {
  withProjectDir(
    program
      .command("plan")
      .description(
        "compare the spec with the state: list what apply would create, update, replace or destroy, and why",
      ),
    "the project directory (default: the current directory; also -C/--dir)",
  )
    .option("--json", "print the plan as JSON (format_version 1, see specs/plan-json.md)")
    .option("--markdown", "print the plan as a Markdown table (for a pull request comment)")
    .option("--out <file>", "save the plan for `mlc apply FILE`")
    .option("--detailed-exitcode", "exit 0 when there is nothing to do, 2 when there are changes, 1 on error")
    .option("--target <node>", "plan only this node and what it needs (repeatable)", collect, [])
    .option("--replace <node>", "replace this node even if unchanged (repeatable)", collect, [])
    .action(async (dir: string, opts: PlanCliOptions) => runPlan(dir, opts));
}

async function runPlan(dir: string, opts: PlanCliOptions): Promise<void> {
  const projectDir = resolve(dir);
  // Nothing changed since the last no-op plan: answer without loading the compiler and executors.
  // A Markdown comment carries the project's title, which the shortcut does not know.
  if (
    !opts.out &&
    !opts.markdown &&
    !opts.target.length &&
    !opts.replace.length &&
    (await answerNoopPlan(projectDir, opts))
  )
    return;
  const { planProject } = await import("../../runtime/project.js");
  const format: FailureFormat = opts.markdown ? { markdown: projectTitle(projectDir) } : Boolean(opts.json);
  let outcome;
  try {
    outcome = await planProject(dir, { targets: opts.target, replace: opts.replace });
  } catch (e) {
    userError(e, format);
  }
  if (!outcome.ok) failCompile(outcome, format);
  const warnings = outcome.diagnostics.filter((d) => d.severity === "warning");
  if (warnings.length && !opts.json)
    process.stderr.write(renderDiagnostics(warnings, outcome.sources, { color: stderrColor() }));
  const p = outcome.plan;
  if (opts.json) printJson(planToJson(p));
  else if (opts.markdown) process.stdout.write(renderPlanMarkdown(p, { project: projectTitle(projectDir) }));
  else process.stdout.write(renderPlanText(p, { color: stdoutColor() }));
  // The shortcut stamps local files only: a shared state or store can change without them.
  const { storageSettings } = await import("../../runtime/storage-settings.js");
  const shared = storageSettings(projectDir);
  if (!hasChanges(p) && !opts.target.length && !opts.replace.length && !shared.state && !shared.artifacts)
    await rememberNoopPlan(projectDir, p, planToJson(p));
  if (opts.out) {
    await savePlan(opts.out, p, projectDir);
    if (!opts.json)
      process.stdout.write(
        `Saved the plan to ${opts.out}; apply exactly it with \`mlc apply ${opts.out}\`.\n`,
      );
  }
  if (opts.detailedExitcode && hasChanges(p)) throw new CliExit(2);
}
