// `mlc compile --target argo`: the stale part of the plan as an Argo Workflows Workflow (JSON, which
// kubectl and argo accept as YAML), one `mlc exec NODE` step per stale node.
import type { Command } from "commander";
import { writeFileSync } from "node:fs";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { failCompile, userError } from "./plan.js";

interface CompileCliOptions {
  target: string;
  image: string;
  projectDir: string;
  secret: string;
  name: string;
  retries: string;
  out?: string;
}

export function register(program: Command): void {
  withProjectDir(
    program
      .command("compile")
      .description(
        "write the stale part of the plan as a workflow for a cluster (one `mlc exec NODE` step per node)",
      ),
    "the project directory (default: the current directory; also -C/--dir)",
  )
    .requiredOption("--target <engine>", "the workflow engine: argo")
    .requiredOption("--image <image>", "the image holding mlc and the project (spec and data)")
    .option("--project-dir <path>", "the project's folder inside the image", "/project")
    .option(
      "--secret <name>",
      "the Secret holding MLC_STATE_URL, the store settings and AWS credentials",
      "mlc-shared",
    )
    .option("--name <name>", "the workflow's name prefix", "mlc-apply")
    .option("--retries <n>", "retries of a failed step", "2")
    .option("--out <file>", "write the workflow here instead of stdout")
    .action(async (dir: string, opts: CompileCliOptions) => {
      if (opts.target !== "argo")
        throw new CliExit(1, `mlc compile: unknown --target '${opts.target}' (known: argo)`);
      const retries = Number(opts.retries);
      if (!Number.isInteger(retries) || retries < 0)
        throw new CliExit(1, `mlc compile: --retries must be a whole number ≥ 0, not '${opts.retries}'`);
      const { planProject } = await import("../../runtime/project.js");
      const { argoWorkflow } = await import("../../runtime/export/argo.js");
      let text: string;
      try {
        const outcome = await planProject(dir);
        if (!outcome.ok) failCompile(outcome);
        const wf = argoWorkflow(outcome.plan, {
          image: opts.image,
          dir: opts.projectDir,
          secret: opts.secret,
          name: opts.name,
          retries,
        });
        text = JSON.stringify(wf, null, 2) + "\n";
      } catch (e) {
        userError(e);
      }
      if (opts.out) writeFileSync(opts.out, text);
      else process.stdout.write(text);
    });
}
