// Runs one command module's commander registration in-process and captures its output, so CLI tests
// do not depend on every other command file of the tree importing cleanly.
import { Command } from "commander";
import { CliExit } from "../../src/cli/exit.js";

export async function runCommand(
  register: (p: Command) => void,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const program = new Command("mlc").exitOverride();
  program.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  register(program);
  let out = "";
  const orig = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(args, { from: "user" });
    return { code: 0, out, err: "" };
  } catch (e) {
    if (e instanceof CliExit) return { code: e.exitCode, out, err: e.message };
    const ce = e as { exitCode?: number; message?: string };
    return { code: ce.exitCode ?? 1, out, err: ce.message ?? String(e) };
  } finally {
    process.stdout.write = orig;
  }
}
