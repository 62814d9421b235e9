// `mlc materialize DEPLOYMENT`: refreshes the online feature table of the version a deployment
// serves from the data on disk now, without retraining or redeploying (src/runtime/materialize.ts).
// The pointer keeps its version and bundle and names the new table; running servers follow it.
import type { Command } from "commander";
import { resolve } from "node:path";
import { acquireApplyLock, LockHeldError, parseDurationMs } from "../../runtime/lock.js";
import { materializeNow, MaterializeError } from "../../runtime/materialize.js";
import { openState } from "../../runtime/state/open.js";
import { describeStore, OnlineStoreError } from "../../serve/online-store.js";
import { DeploymentError } from "../../serve/deployment.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { printJson } from "../json-output.js";

export function register(program: Command): void {
  withProjectDir(
    program
      .command("materialize")
      .description(
        "refresh a deployment's online feature table from the current data (no retraining; running servers follow)",
      )
      .argument("<deployment>"),
  )
    .option("--lock-timeout <duration>", "wait this long for another apply's lock (e.g. 30s)", "0s")
    .option("-q, --quiet", "print only the summary")
    .option(
      "--json",
      "print JSON: deployment, model, version, table, previous_table, rows, key, as_of, unchanged",
    )
    .action(
      async (
        name: string,
        _dir: string,
        flags: { dir: string; lockTimeout: string; quiet?: boolean; json?: boolean },
      ) => {
        const projectDir = resolve(flags.dir);
        let timeoutMs: number;
        try {
          timeoutMs = parseDurationMs(flags.lockTimeout);
        } catch (e) {
          throw new CliExit(2, `mlc materialize: --lock-timeout: ${(e as Error).message}`);
        }
        const state = await openState(projectDir);
        try {
          // Deploys rewrite the same pointer and online store: one writer at a time.
          await acquireApplyLock(state, `mlc materialize ${name}`, timeoutMs);
          try {
            const out = await materializeNow(projectDir, name, state, {
              log: (m) => (flags.quiet || flags.json ? undefined : process.stdout.write(`  ${m}\n`)),
            });
            const m = out.meta;
            if (flags.json) {
              const json = {
                deployment: name,
                model: out.model,
                version: out.version,
                table: out.online.table,
                store: describeStore(out.online.store),
                previous_table: out.previous?.table ?? null,
                rows: m.rows,
                key: m.key,
                as_of: m.as_of,
                unchanged: out.unchanged,
              };
              return void printJson(json);
            }
            const entities = m.key.length
              ? `${m.rows} ${m.key.join(", ")} entit${m.rows === 1 ? "y" : "ies"}`
              : `${m.rows} row (no entity key)`;
            process.stdout.write(
              out.unchanged
                ? `${name}: online table ${out.online.table} is already up to date (${entities} as of ${m.as_of}); version ${out.version} unchanged\n`
                : `${name}: ${out.model} version ${out.version} now looks up ${entities} as of ${m.as_of} in table ${out.online.table} (${describeStore(out.online.store)})` +
                    `${out.previous ? `; was ${out.previous.table}` : ""}\n`,
            );
          } finally {
            await state.lock.release();
          }
        } catch (e) {
          if (
            e instanceof MaterializeError ||
            e instanceof DeploymentError ||
            e instanceof OnlineStoreError ||
            e instanceof LockHeldError
          ) {
            throw new CliExit(1, `mlc materialize: ${e.message}`);
          }
          throw e;
        } finally {
          await state.close();
        }
      },
    );
}
