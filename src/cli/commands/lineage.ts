// `mlc lineage NODE|HASH [--json]`: the runs and artifacts that produced a node's result or an
// artifact: source files and hashes, configs, executor versions, times.
import { withProjectDir } from "../project-dir.js";
import type { Command } from "commander";
import { resolve } from "node:path";
import { lineageOf, renderLineage } from "../../runtime/lineage.js";
import { openState } from "../../runtime/state/open.js";
import { userError } from "./plan.js";
import { printJson } from "../json-output.js";

export function register(program: Command): void {
  withProjectDir(
    program
      .command("lineage")
      .description("show where a node's result or an artifact came from: runs, inputs, data hashes, configs")
      .argument("<node-or-hash>", "a node id (model.churn), a block name, or an artifact hash (prefix)"),
  )
    .option("--json", "print the lineage tree as JSON")
    .action(async (target: string, _dir: string, opts: { dir: string; json?: boolean }) => {
      const store = await openState(resolve(opts.dir));
      try {
        const tree = await lineageOf(store, target);
        if (opts.json) printJson(tree);
        else process.stdout.write(renderLineage(tree));
      } catch (e) {
        userError(e);
      } finally {
        await store.close();
      }
    });
}
