// `mlc lsp`: the .mlspec language server on stdin/stdout, for editors (see editors/).
import type { Command } from "commander";

export function register(program: Command): void {
  program
    .command("lsp")
    .description("run the .mlspec language server on stdio (diagnostics, hover, completion)")
    .option("--stdio", "talk over stdin/stdout (the default and only transport)")
    .action(async () => {
      const { startLanguageServer } = await import("../../lsp/server.js");
      const connection = startLanguageServer(process.stdin, process.stdout);
      await new Promise<void>((done) => connection.onExit(() => done()));
    });
}
