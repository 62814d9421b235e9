// `mlc exec NODE`: runs exactly one node of the graph against the project's (shared) state and
// artifacts, as one step of a distributed run would: nothing when it is up to date, a refusal when an input is stale.
// It takes only its node's lock, so execs of different nodes run at once; an apply excludes them all.
import type { Command } from "commander";
import { ProjectError } from "../../runtime/project.js";
import type { Plan } from "../../runtime/plan.js";
import { parseDurationMs } from "../../runtime/lock.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { failCompile, userError } from "./plan.js";

/** Refuses a plan that would run anything but `node`: its inputs must have been run already. */
function onlyThisNode(node: string, p: Plan): void {
  const stale = p.changes.filter((c) => c.id !== node && c.action !== "noop");
  if (stale.length)
    throw new ProjectError(
      `exec ${node}: its inputs are not up to date: ${stale.map((c) => `${c.id} (${c.action})`).join(", ")}`,
      { hint: `run them first, in dependency order (mlc exec ${stale[0]!.id}), or run \`mlc apply\`` },
    );
}

export function register(program: Command): void {
  withProjectDir(
    program
      .command("exec")
      .description(
        "run exactly one node (by id, e.g. model.churn) if it is stale; its inputs must be up to date",
      )
      .argument("<node>", "the node's id, as `mlc graph` and `mlc plan` name it"),
  )
    .option(
      "--lock-timeout <duration>",
      "wait this long for an apply, or another exec of the same node, to finish (e.g. 10m)",
      "0s",
    )
    .option(
      "--trial-workers",
      "queue the node's tuning trials in the shared PostgreSQL state for `mlc worker` processes",
    )
    .action(
      async (
        node: string,
        _dir: string,
        opts: { dir: string; lockTimeout: string; trialWorkers?: boolean },
      ) => {
        const { applyProject } = await import("../../runtime/project.js");
        let plan: Plan | undefined;
        let outcome;
        try {
          outcome = await applyProject(opts.dir, {
            targets: [node],
            lockNode: node,
            lockTimeoutMs: parseDurationMs(opts.lockTimeout),
            trialWorkers: opts.trialWorkers === true,
            command: `mlc exec ${node}`.slice(0, 200),
            log: (m) => process.stderr.write(m + "\n"),
            onPlan: (p) => {
              onlyThisNode(node, p);
              plan = p;
            },
          });
        } catch (e) {
          userError(e);
        }
        if (!outcome.ok) failCompile(outcome);
        const mine = outcome.result.outcomes.find((o) => o.id === node);
        if (!outcome.result.ok)
          throw new CliExit(1, `exec ${node}: FAILED: ${mine?.error ?? "see the messages above"}`);
        const action = plan?.changes.find((c) => c.id === node)?.action ?? "noop";
        process.stdout.write(
          action === "noop" ? `exec ${node}: up to date\n` : `exec ${node}: done (${action})\n`,
        );
      },
    );
}
