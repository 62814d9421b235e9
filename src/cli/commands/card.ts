// `mlc card MODEL [DIR] [--version N] [--format md|html] [--out FILE]`: a model card generated from
// state (intended use, limitations, training data, metrics with intervals, fairness, gates, serving,
// monitors with a runbook, version history). `mlc apply` keeps the Markdown card with each version.
import type { Command } from "commander";
import { writeFileSync, renameSync } from "node:fs";
import { resolve } from "node:path";
import { openArtifacts } from "../../runtime/artifacts/store.js";
import { modelCard } from "../../runtime/model-card.js";
import { compileGraph } from "../../runtime/project.js";
import { openState } from "../../runtime/state/open.js";
import { CliExit } from "../exit.js";
import { failCompile, userError } from "./plan.js";

export function register(program: Command): void {
  program
    .command("card")
    .description("write a model card for a model version from the state: use, data, metrics, gates, serving")
    .argument("<model>", "the model block's name")
    .argument("[dir]", "the project directory", ".")
    .option("-C, --dir <dir>", "the project directory (instead of the positional)")
    .option("--version <n>", "the model version (default: the newest)")
    .option("--format <format>", "md or html", "md")
    .option("--out <file>", "write the card to a file instead of standard output")
    .action(
      async (
        model: string,
        pos: string,
        opts: { dir?: string; version?: string; format: string; out?: string },
      ) => {
        if (opts.format !== "md" && opts.format !== "html")
          throw new CliExit(2, `mlc card: --format must be md or html, not '${opts.format}'`);
        const version = opts.version === undefined ? undefined : Number(opts.version);
        if (version !== undefined && !(Number.isInteger(version) && version >= 1))
          throw new CliExit(
            2,
            `mlc card: --version must be a version number (1, 2, …), not '${opts.version}'`,
          );
        const projectDir = resolve(opts.dir ?? pos);
        let c;
        try {
          c = compileGraph(projectDir);
        } catch (e) {
          userError(e);
        }
        if (!c.ok) failCompile(c);
        const store = await openState(projectDir);
        try {
          const text = await modelCard(
            { projectDir, graph: c.graph, store, artifacts: openArtifacts(projectDir) },
            model,
            opts.format,
            version,
          );
          if (opts.out) {
            const tmp = `${opts.out}.tmp-${process.pid}`;
            writeFileSync(tmp, text);
            renameSync(tmp, opts.out);
          } else process.stdout.write(text);
        } catch (e) {
          userError(e);
        } finally {
          await store.close();
        }
      },
    );
}
