// The no-op plan answered from its record (runtime/plan-cache.ts), printed as `mlc plan` prints it;
// main.ts tries it before loading commander and the commands, plan.ts before planning.
import { jsonText } from "../ir/json-text.js";
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { cachedNoopPlan } from "../runtime/plan-cache.js";

/** Prints the remembered no-op plan of `dir` and returns true, or returns false when it must be planned. */
export async function answerNoopPlan(dir: string, opts: { json?: boolean }): Promise<boolean> {
  const projectDir = resolve(dir);
  if (!statSync(projectDir, { throwIfNoEntry: false })?.isDirectory()) return false;
  const cached = await cachedNoopPlan(projectDir);
  if (!cached) return false;
  const n = cached.summary.noop;
  if (opts.json) process.stdout.write(jsonText(cached, 2) + "\n");
  else process.stdout.write(`No changes. ${n} node${n === 1 ? "" : "s"} up to date.\n`);
  return true;
}

/**
 * The project directory and output flags of a `mlc plan` command line (without `plan`) that the
 * record can answer: at most one directory and only --json, --detailed-exitcode (a Markdown comment
 * carries the project's title, which the record does not know).
 */
export function shortcutArgs(args: string[]): { dir: string; json: boolean } | undefined {
  const flags = new Set(["--json", "--detailed-exitcode"]);
  const dirs = args.filter((a) => !a.startsWith("-"));
  if (dirs.length > 1 || args.some((a) => a.startsWith("-") && !flags.has(a))) return undefined;
  return { dir: dirs[0] ?? ".", json: args.includes("--json") };
}
