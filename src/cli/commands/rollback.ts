// `mlc rollback DEPLOYMENT`: back to the previous stable version in one command. The deployment
// pointer moves (running servers follow it) and the registry's champion alias moves with it;
// both record the reason, so the audit trail shows what served when.
import type { Command } from "commander";
import { resolve } from "node:path";
import { ModelRegistry } from "../../registry/model-registry.js";
import { openState } from "../../runtime/state/open.js";
import { BundleError, loadBundle } from "../../serve/bundle.js";
import {
  previousVersion,
  readDeployment,
  resolveBundlePath,
  writeDeployment,
} from "../../serve/deployment.js";
import { CliExit } from "../exit.js";

export function register(program: Command): void {
  program
    .command("rollback")
    .description(
      "serve the previous version of a deployment again (recorded in state; running servers follow)",
    )
    .argument("<deployment>")
    .option("--dir <project>", "project directory", ".")
    .option("--reason <text>", "why, for the audit trail")
    .action(async (name: string, flags: { dir: string; reason?: string }) => {
      const projectDir = resolve(flags.dir);
      let current;
      try {
        current = readDeployment(projectDir, name);
      } catch (e) {
        throw new CliExit(1, `mlc rollback: ${(e as Error).message}`);
      }
      if (!current)
        throw new CliExit(1, `mlc rollback: deployment '${name}' has never been deployed in ${projectDir}`);
      const prev = previousVersion(projectDir, name);
      if (!prev)
        throw new CliExit(
          1,
          `mlc rollback: deployment '${name}' has no earlier version than ${current.version}`,
        );
      let model: string;
      try {
        model = loadBundle(resolveBundlePath(projectDir, prev.bundle)).meta.model;
      } catch (e) {
        if (e instanceof BundleError)
          throw new CliExit(1, `mlc rollback: the previous bundle cannot be used: ${e.message}`);
        throw e;
      }
      const reason = flags.reason ?? `rollback of ${name} from version ${current.version} to ${prev.version}`;
      const state = await openState(projectDir);
      try {
        const registry = new ModelRegistry(state);
        if (!(await registry.version(model, prev.version)))
          throw new CliExit(1, `mlc rollback: the registry has no ${model} version ${prev.version}`);
        writeDeployment(projectDir, name, prev, reason); // with the version's online table, if it has one
        await registry.setAlias(model, "champion", prev.version, reason);
        // A challenger that was the version rolled back from (or a running rollout's candidate) is retired too.
        const challenger = (await registry.alias(model, "challenger"))?.version;
        if (
          challenger !== undefined &&
          (challenger === current.version || challenger === current.rollout?.candidate.version)
        ) {
          await registry.setAlias(model, "challenger", null, reason);
        }
      } finally {
        await state.close();
      }
      process.stdout.write(
        `${name}: version ${current.version} → ${prev.version} (${model} champion is version ${prev.version})\n`,
      );
    });
}
