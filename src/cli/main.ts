#!/usr/bin/env node
// The mlc command line. Each file in ./commands registers one command (or command group)
// on the commander program, so adding a command is adding a file.
import type { Command } from "commander";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MlcError } from "../ir/errors.js";
import { takeNoColorFlag } from "./color.js";
import { CliExit } from "./exit.js";
import { answerNoopPlan, shortcutArgs } from "./noop-plan.js";
import { renderRuntimeDiagnostic } from "./runtime-diagnostic.js";

interface CommandModule {
  register(program: Command): void;
}

/**
 * Builds the program. With `only` (the first argument of the command line), the command file of
 * that name is loaded alone when it registers that command, so `mlc plan` does not pay for
 * importing every other command (the server, ONNX export…); otherwise every command is loaded.
 */
export async function buildProgram(only?: string): Promise<Command> {
  const { Command } = await import("commander");
  const make = () =>
    new Command("mlc")
      .description(
        "Declarative ML as code: compile .mlspec files, plan and apply training, serve predictions",
      )
      .version("0.1.0")
      .showHelpAfterError()
      .exitOverride();
  const dir = join(dirname(fileURLToPath(import.meta.url)), "commands");
  const files = readdirSync(dir)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith(".d.ts") && !f.endsWith(".map"))
    .sort();
  const load = async (program: Command, f: string) => {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as Partial<CommandModule>;
    mod.register?.(program);
  };
  // `mlc --version` needs no command module at all
  if (only === "--version" || only === "-V") return make();
  const own =
    only && /^[a-z][a-z0-9-]*$/.test(only)
      ? files.find((f) => f.replace(/\.(js|ts)$/, "") === only)
      : undefined;
  if (own) {
    const program = make();
    await load(program, own);
    if (program.commands.some((c) => c.name() === only)) return program;
  }
  const program = make();
  for (const f of files) await load(program, f);
  return program;
}

/** Runs the CLI on argv (without node and script) and returns the exit code. */
export async function main(commandLine: string[]): Promise<number> {
  const argv = takeNoColorFlag(commandLine);
  // A repeated no-op `mlc plan` is answered before commander and the commands are even loaded.
  const quick = argv[0] === "plan" ? shortcutArgs(argv.slice(1)) : undefined;
  if (quick && (await answerNoopPlan(quick.dir, quick))) return 0;
  const program = await buildProgram(argv[0]);
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CliExit) {
      if (e.message) process.stderr.write(e.message.endsWith("\n") ? e.message : e.message + "\n");
      return e.exitCode;
    }
    if (e instanceof MlcError) {
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
  process.argv[1] !== undefined &&
  fileURLToPath(import.meta.url) === (await import("node:fs")).realpathSync(process.argv[1]);
if (invokedDirectly) {
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
}
