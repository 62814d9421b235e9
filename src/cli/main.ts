#!/usr/bin/env node
// The mlc command line: runs the program (./program.ts) on the arguments and turns what escapes
// into an exit code and a message.
// Only what every command line needs is imported statically: the program loads after the no-op
// plan shortcut, which needs none of it, and the error types only when something escapes.
import { fileURLToPath } from "node:url";
import { takeNoColorFlag } from "./color.js";
import { answerNoopPlan, printToDescriptor, shortcutArgs, type Print } from "./noop-plan.js";
import { fs } from "../runtime/builtin-fs.js";

/**
 * Runs the CLI on argv (without node and script) and returns the exit code. `print` prints the
 * no-op plan shortcut's answer (process.stdout by default).
 */
export async function main(commandLine: string[], print?: Print): Promise<number> {
  const argv = takeNoColorFlag(commandLine);
  // A repeated no-op `mlc plan` is answered before commander and the commands are even loaded.
  const quick = argv[0] === "plan" ? shortcutArgs(argv.slice(1)) : undefined;
  if (quick && (await answerNoopPlan(quick.dir, quick, print))) return 0;
  const { buildProgram } = await import("./program.js");
  const program = await buildProgram(argv[0]);
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    const [{ CliExit }, { MlcError }] = await Promise.all([import("./exit.js"), import("../ir/errors.js")]);
    if (e instanceof CliExit) {
      if (e.message) process.stderr.write(e.message.endsWith("\n") ? e.message : e.message + "\n");
      return e.exitCode;
    }
    if (e instanceof MlcError) {
      const { renderRuntimeDiagnostic } = await import("./runtime-diagnostic.js");
      process.stderr.write(renderRuntimeDiagnostic(e.toDiagnostic(), new Map(), { color: false }));
      return 1;
    }
    const ce = e as { code?: string; exitCode?: number };
    if (typeof ce.code === "string" && ce.code.startsWith("commander.")) {
      // help and version exit 0; usage errors (already printed by commander) exit 2, as documented in specs/cli.md
      return ce.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`mlc: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1]);
if (invokedDirectly) {
  // nothing has used process.stdout yet: the shortcut may print through the descriptor
  const code = await main(process.argv.slice(2), printToDescriptor);
  process.exitCode = code;
}
