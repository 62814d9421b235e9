// `mlc rollback DEPLOYMENT`: back to the previous stable version in one command. The deployment
// pointer moves (running servers follow it) and the registry's champion alias moves with it;
// both record the reason, so the audit trail shows what served when.
import type { Command } from "commander";
import { resolve } from "node:path";
import { rollbackDeployment } from "../../runtime/registry/rollback.js";
import { DeploymentError } from "../../serve/deployment.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { printJson } from "../json-output.js";

export function register(program: Command): void {
  withProjectDir(
    program
      .command("rollback")
      .description(
        "serve the previous version of a deployment again (recorded in state; running servers follow)",
      )
      .argument("<deployment>"),
  )
    .option("--reason <text>", "why, for the audit trail")
    .option("--json", "print JSON: deployment, model, from, to")
    .action(async (name: string, _dir: string, flags: { dir: string; reason?: string; json?: boolean }) => {
      let r;
      try {
        r = await rollbackDeployment(resolve(flags.dir), name, flags.reason);
      } catch (e) {
        if (e instanceof DeploymentError) throw new CliExit(1, `mlc rollback: ${e.message}`);
        throw e;
      }
      if (flags.json) {
        const json = { deployment: name, model: r.model, from: r.from, to: r.to.version };
        return void printJson(json, 0);
      }
      process.stdout.write(
        `${name}: version ${r.from} → ${r.to.version} (${r.model} champion is version ${r.to.version})\n`,
      );
    });
}
