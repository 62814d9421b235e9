// The commander program of mlc. Each file in ./commands registers one command (or command group),
// so adding a command is adding a file; examples for --help come from ./help-examples.ts.
import type { Command } from "commander";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { addHelpExamples } from "./help-examples.js";

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
      // options after a command name are that command's (`mlc card m --version 2` is the model version)
      .enablePositionalOptions()
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
    if (program.commands.some((c) => c.name() === only)) {
      addHelpExamples(program);
      return program;
    }
  }
  const program = make();
  for (const f of files) await load(program, f);
  addHelpExamples(program);
  return program;
}
