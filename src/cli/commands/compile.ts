// `mlc compile --target argo|kubeflow`: the stale part of the plan as an Argo Workflows Workflow or a
// Kubeflow Pipelines pipeline (JSON, which kubectl, argo and KFP accept as YAML), one `mlc exec NODE`
// step per stale node.
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
  secretKeys: string;
  trialWorkers?: boolean;
  out?: string;
}

const TARGETS = ["argo", "kubeflow"];

export function register(program: Command): void {
  withProjectDir(
    program
      .command("compile")
      .description(
        "write the stale part of the plan as a workflow for a cluster (one `mlc exec NODE` step per node)",
      ),
    "the project directory (default: the current directory; also -C/--dir)",
  )
    .requiredOption("--target <engine>", "the workflow engine: argo or kubeflow (Kubeflow Pipelines v2)")
    .requiredOption("--image <image>", "the image holding mlc and the project (spec and data)")
    .option("--project-dir <path>", "the project's folder inside the image", "/project")
    .option(
      "--secret <name>",
      "the Secret holding MLC_STATE_URL, the store settings and AWS credentials",
      "mlc-shared",
    )
    .option(
      "--secret-keys <keys>",
      "kubeflow: the Secret's keys set as environment variables (comma-separated)",
      "MLC_STATE_URL,MLC_ARTIFACTS_URL,AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY",
    )
    .option("--name <name>", "the workflow's name prefix (kubeflow: the pipeline's name)", "mlc-apply")
    .option("--retries <n>", "retries of a failed step", "2")
    .option(
      "--trial-workers",
      "argo: tuned models fit their trials in `mlc worker` pods beside their step (as many as the model's tune.parallel, sized by its resources)",
    )
    .option("--out <file>", "write the workflow here instead of stdout")
    .action(async (dir: string, opts: CompileCliOptions) => {
      if (!TARGETS.includes(opts.target))
        throw new CliExit(1, `mlc compile: unknown --target '${opts.target}' (known: ${TARGETS.join(", ")})`);
      const secretKeys = opts.secretKeys
        .split(",")
        .map((k) => k.trim())
        .filter(Boolean);
      if (!secretKeys.every((k) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)))
        throw new CliExit(
          1,
          `mlc compile: --secret-keys must be environment variable names, not '${opts.secretKeys}'`,
        );
      if (opts.trialWorkers && opts.target !== "argo")
        throw new CliExit(
          1,
          `mlc compile: --trial-workers is for --target argo (its worker pods run as daemons beside the model's step, which Kubeflow Pipelines cannot express); compile for argo, or run \`mlc worker\` pods yourself next to the pipeline`,
        );
      const retries = Number(opts.retries);
      if (!Number.isInteger(retries) || retries < 0)
        throw new CliExit(1, `mlc compile: --retries must be a whole number ≥ 0, not '${opts.retries}'`);
      const { planProject } = await import("../../runtime/project.js");
      let text: string;
      try {
        const outcome = await planProject(dir);
        if (!outcome.ok) failCompile(outcome);
        const common = {
          image: opts.image,
          dir: opts.projectDir,
          secret: opts.secret,
          name: opts.name,
          retries,
        };
        if (opts.target === "kubeflow") {
          const { kubeflowPipeline, kubeflowText } = await import("../../runtime/export/kubeflow.js");
          text = kubeflowText(kubeflowPipeline(outcome.plan, { ...common, secretKeys }));
        } else {
          const { argoWorkflow } = await import("../../runtime/export/argo.js");
          text =
            JSON.stringify(
              argoWorkflow(outcome.plan, { ...common, trialWorkers: opts.trialWorkers === true }),
              null,
              2,
            ) + "\n";
        }
      } catch (e) {
        userError(e);
      }
      if (opts.out) writeFileSync(opts.out, text);
      else process.stdout.write(text);
    });
}
