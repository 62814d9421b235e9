// `mlc worker [MODEL]`: fits tuning trials that `mlc apply --trial-workers` queued in the shared
// PostgreSQL state, one at a time, on any machine that reaches the state and the artifact store.
// Stops on SIGTERM/SIGINT (a trial in hand goes back to the queue) or after --idle-exit.
import type { Command } from "commander";
import { resolve } from "node:path";
import { parseDurationMs } from "../../runtime/lock.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";

interface WorkerFlags {
  dir: string;
  lease: string;
  poll: string;
  idleExit?: string;
}

function duration(flag: string, text: string): number {
  try {
    return parseDurationMs(text);
  } catch (e) {
    throw new CliExit(2, `mlc worker: ${flag}: ${(e as Error).message}`);
  }
}

export function register(program: Command): void {
  withProjectDir(
    program
      .command("worker")
      .description(
        "fit tuning trials queued by `mlc apply --trial-workers` in the shared PostgreSQL state (run any number, anywhere)",
      )
      .argument("[model]", "only this model's trials (default: every model's)"),
  )
    .option("--lease <duration>", "a claimed trial returns to the queue if not renewed within this", "2m")
    .option("--poll <duration>", "pause between looks at an empty queue", "500ms")
    .option("--idle-exit <duration>", "exit after this long without a trial (default: run until stopped)")
    .action(async (model: string | undefined, _dir: string, flags: WorkerFlags) => {
      const leaseMs = duration("--lease", flags.lease);
      const pollMs = duration("--poll", flags.poll);
      const idleExitMs = flags.idleExit === undefined ? undefined : duration("--idle-exit", flags.idleExit);
      if (leaseMs < 3000) throw new CliExit(2, "mlc worker: --lease must be at least 3s");
      const projectDir = resolve(flags.dir);
      const { openProjectTrialQueue } = await import("../../runtime/trial-queue/pg-queue.js");
      const { runTrialWorker } = await import("../../runtime/trial-queue/worker.js");
      const { openArtifacts } = await import("../../runtime/artifacts/store.js");
      const queue = await openProjectTrialQueue(projectDir);
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once("SIGTERM", onSignal);
      process.once("SIGINT", onSignal);
      try {
        const n = await runTrialWorker({
          queue,
          artifacts: openArtifacts(projectDir),
          ...(model ? { model } : {}),
          leaseMs,
          pollMs,
          ...(idleExitMs !== undefined ? { idleExitMs } : {}),
          signal: stop.signal,
          log: (m) => process.stderr.write(`mlc worker: ${m}\n`),
        });
        process.stdout.write(`mlc worker: ${n} trial${n === 1 ? "" : "s"} answered\n`);
      } finally {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
        await queue.close();
      }
    });
}
