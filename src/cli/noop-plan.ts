// The no-op plan answered from its record (runtime/plan-cache.ts), printed as `mlc plan` prints it;
// main.ts tries it before loading commander and the commands, plan.ts before planning.
import { resolve } from "node:path";
import { fs } from "../runtime/builtin-fs.js";
import { cachedNoopPlan } from "../runtime/plan-cache.js";

/** Where the answer is printed: process.stdout unless the caller passes a writer. */
export type Print = (text: string) => void;

const toStdout: Print = (text) => void process.stdout.write(text);

/** Prints the remembered no-op plan of `dir` and returns true, or returns false when it must be planned. */
export async function answerNoopPlan(
  dir: string,
  opts: { json?: boolean },
  print: Print = toStdout,
): Promise<boolean> {
  const projectDir = resolve(dir);
  if (!fs.statSync(projectDir, { throwIfNoEntry: false })?.isDirectory()) return false;
  const cached = await cachedNoopPlan(projectDir);
  if (!cached) return false;
  const n = cached.summary.noop;
  // the JSON printer loads only for --json: the text answer is one line
  if (opts.json) print((await import("../ir/json-text.js")).jsonText(cached, 2) + "\n");
  else print(`No changes. ${n} node${n === 1 ? "" : "s"} up to date.\n`);
  return true;
}

/**
 * Writes to the standard output's descriptor, for a process that has printed nothing through
 * process.stdout (main.ts run as the command): the first use of process.stdout builds a stream (on
 * a pipe, a net.Socket and the stream modules), about 7 ms of CPU. What the descriptor does not take
 * (a non-blocking pipe that is full) or refuses goes through process.stdout, which waits for the
 * reader and reports errors as before.
 */
export function printToDescriptor(text: string): void {
  const bytes = Buffer.from(text);
  let done = 0;
  try {
    while (done < bytes.length) done += fs.writeSync(1, bytes, done);
  } catch {
    process.stdout.write(bytes.subarray(done));
  }
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
