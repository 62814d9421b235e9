// `mlc gc [DIR] [--dry-run]`: remove artifact objects that no live node and no registry record
// (model versions) references. Takes the apply lock so it never races an apply's new objects.
import { withProjectDir } from "../project-dir.js";
import type { Command } from "commander";
import { resolve } from "node:path";
import { openArtifacts } from "../../runtime/artifacts/store.js";
import { collectGarbage } from "../../runtime/gc.js";
import { acquireApplyLock, parseDurationMs } from "../../runtime/lock.js";
import { openState } from "../../runtime/state/open.js";
import { storageSettings } from "../../runtime/storage-settings.js";
import { userError } from "./plan.js";
import { printJson } from "../json-output.js";

const mb = (b: number) => (b / 1e6).toFixed(1);

export function register(program: Command): void {
  withProjectDir(
    program.command("gc").description("remove artifact objects no recorded node or model version references"),
    "the project directory (default: the current directory; also -C/--dir)",
  )
    .option("--dry-run", "only report what would be removed")
    .option("--lock-timeout <duration>", "wait this long for a running apply (e.g. 30s)")
    .option("--json", "print JSON: dry_run, removed, bytes, temps, kept")
    .action(async (dir: string, opts: { dryRun?: boolean; lockTimeout?: string; json?: boolean }) => {
      const projectDir = resolve(dir);
      const store = await openState(projectDir);
      try {
        await acquireApplyLock(
          store,
          `mlc gc ${dir}`,
          opts.lockTimeout ? parseDurationMs(opts.lockTimeout) : 0,
        );
        const artifacts = openArtifacts(projectDir);
        // A shared store is judged only against a shared (PostgreSQL) state, which holds every checkout's references.
        const sharedState = /^postgres(ql)?:\/\//.test(storageSettings(projectDir).state ?? "");
        const r = await collectGarbage(store, artifacts, { dryRun: opts.dryRun, sharedStore: sharedState });
        if (opts.json) {
          const json = {
            dry_run: Boolean(opts.dryRun),
            removed: r.removed,
            bytes: r.bytes,
            temps: r.temps,
            kept: r.kept,
          };
          printJson(json, 0);
          return;
        }
        const verb = opts.dryRun ? "would remove" : "removed";
        process.stdout.write(
          `gc: ${verb} ${r.removed} object${r.removed === 1 ? "" : "s"} (${mb(r.bytes)} MB) and ${r.temps} temporary file${r.temps === 1 ? "" : "s"}; kept ${r.kept}.\n`,
        );
        if (artifacts.remote && sharedState)
          process.stdout.write(
            `gc: ${verb} ${r.sharedRemoved} object${r.sharedRemoved === 1 ? "" : "s"} from ${artifacts.remote.location}; kept ${r.sharedKept}.\n`,
          );
        else if (artifacts.remote)
          process.stdout.write(
            `gc: left ${artifacts.remote.location} alone: the state is local, and other checkouts may need its objects (collect it from a checkout on the shared PostgreSQL state).\n`,
          );
      } catch (e) {
        userError(e);
      } finally {
        await store.close();
      }
    });
}
