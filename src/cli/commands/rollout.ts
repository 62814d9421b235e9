// `mlc rollout start|promote|abort|status DEPLOYMENT`: begins, ends or shows a canary/shadow rollout by
// rewriting the deployment pointer (history recorded beside it); running servers follow the pointer.
import type { Command } from "commander";
import { resolve } from "node:path";
import { BundleError } from "../../serve/bundle.js";
import {
  DeploymentError,
  readDeployment,
  readHistory,
  type DeploymentPointer,
} from "../../serve/deployment.js";
import { abortRollout, promoteRollout, startRollout } from "../../serve/rollout-control.js";
import { explainNoPointer } from "../../serve/deployment-absence.js";
import { ModelRegistry } from "../../registry/model-registry.js";
import { syncAliasesToPointer } from "../../serve/serving-sync.js";
import { openState } from "../../runtime/state/open.js";
import { withSharedDeployment } from "../../runtime/shared-deployments.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { printJson } from "../json-output.js";

interface Common {
  dir: string;
  reason?: string;
}

function current(projectDir: string, name: string): DeploymentPointer {
  let p: DeploymentPointer | undefined;
  try {
    p = readDeployment(projectDir, name);
  } catch (e) {
    throw new CliExit(1, `mlc rollout: ${(e as Error).message}`);
  }
  if (!p) throw new CliExit(1, `mlc rollout: ${explainNoPointer(projectDir, name)}`);
  return p;
}

function parseShare(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const v = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(v > 0 && v < 1))
    throw new CliExit(
      2,
      `mlc rollout: --canary must be a share between 0 and 100% exclusive (e.g. 10%), got '${text}'`,
    );
  return v;
}

/** Moves the registry's aliases to what the pointer serves now (champion, challenger) and prints the moves. */
async function followAliases(
  projectDir: string,
  name: string,
  reason: string,
  before: DeploymentPointer,
): Promise<void> {
  const state = await openState(projectDir);
  try {
    for (const c of await syncAliasesToPointer(projectDir, new ModelRegistry(state), name, reason, before))
      process.stdout.write(`  ${c}\n`);
  } finally {
    await state.close();
  }
}

/** Runs a pointer operation; its user-facing failures become a CliExit with the message. */
function guard<T>(op: () => T): T {
  try {
    return op();
  } catch (e) {
    if (e instanceof DeploymentError || e instanceof BundleError)
      throw new CliExit(1, `mlc rollout: ${e.message}`);
    throw e;
  }
}

/** Runs `op` with the deployment reconciled with the shared state before and after (src/runtime/shared-deployments.ts). */
async function shared<T>(projectDir: string, name: string, op: () => Promise<T> | T): Promise<T> {
  try {
    return await withSharedDeployment(projectDir, name, op, (m) =>
      process.stderr.write(`mlc rollout: ${m}\n`),
    );
  } catch (e) {
    if (e instanceof DeploymentError || e instanceof BundleError)
      throw new CliExit(1, `mlc rollout: ${e.message}`);
    throw e;
  }
}

export function register(program: Command): void {
  const rollout = program
    .command("rollout")
    .description("start, promote, abort or show a canary/shadow rollout of a deployment");

  withProjectDir(
    rollout
      .command("start")
      .description("route a share of traffic (canary) or a copy of it (shadow) to a candidate bundle")
      .argument("<deployment>"),
  )
    .requiredOption("--bundle <dir>", "the candidate's bundle directory")
    .option("--canary <share>", "share of entities routed to the candidate, e.g. 10%")
    .option("--key <field>", "record field identifying the entity (canary routing hashes it)")
    .option("--shadow", "score every request with the candidate too, log it, never return it")
    .option("--reason <text>", "why (recorded in history)")
    .action(
      async (
        name: string,
        _dir: string,
        f: Common & { bundle: string; canary?: string; key?: string; shadow?: boolean },
      ) => {
        const projectDir = resolve(f.dir);
        if (!!f.canary === !!f.shadow)
          throw new CliExit(2, "mlc rollout start: give exactly one of --canary SHARE or --shadow");
        if (f.canary && !f.key)
          throw new CliExit(
            2,
            "mlc rollout start: a canary needs --key FIELD (the entity key hashed to pick the arm)",
          );
        const spec = f.canary
          ? { kind: "canary" as const, share: parseShare(f.canary), key: f.key! }
          : { kind: "shadow" as const };
        await shared(projectDir, name, async () => {
          const before = current(projectDir, name);
          const ptr = guard(() => startRollout(projectDir, name, resolve(f.bundle), spec, f.reason));
          const r = ptr.rollout!;
          process.stdout.write(
            `${name}: ${r.kind === "canary" ? `canary ${Math.round(r.share * 1000) / 10}% by ${r.key}` : "shadow"} of version ${r.candidate.version} beside version ${ptr.version}\n`,
          );
          await followAliases(projectDir, name, ptr.reason, before);
        });
      },
    );

  withProjectDir(
    rollout
      .command("promote")
      .description("make the rollout's candidate the serving version")
      .argument("<deployment>"),
  )
    .option("--reason <text>", "why (recorded in history)")
    .action(async (name: string, _dir: string, f: Common) => {
      const projectDir = resolve(f.dir);
      await shared(projectDir, name, async () => {
        const cur = current(projectDir, name);
        const ptr = guard(() => promoteRollout(projectDir, name, f.reason));
        process.stdout.write(`${name}: version ${ptr.version} promoted (was ${cur.version})\n`);
        await followAliases(projectDir, name, ptr.reason, cur);
      });
    });

  withProjectDir(
    rollout
      .command("abort")
      .description("end the rollout; the current version keeps serving everything")
      .argument("<deployment>"),
  )
    .option("--reason <text>", "why (recorded in history)")
    .action(async (name: string, _dir: string, f: Common) => {
      const projectDir = resolve(f.dir);
      await shared(projectDir, name, async () => {
        const cur = current(projectDir, name);
        const ptr = guard(() => abortRollout(projectDir, name, f.reason));
        process.stdout.write(
          `${name}: ${cur.rollout!.kind} of version ${cur.rollout!.candidate.version} aborted; version ${cur.version} serves all traffic\n`,
        );
        await followAliases(projectDir, name, ptr.reason, cur);
      });
    });

  withProjectDir(
    rollout
      .command("status")
      .description("show the serving version, any rollout, and recent history")
      .argument("<deployment>"),
  )
    .option("--json", "print the pointer as JSON")
    .action(async (name: string, _dir: string, f: Common & { json?: boolean }) => {
      const projectDir = resolve(f.dir);
      await shared(projectDir, name, () => undefined);
      const cur = current(projectDir, name);
      if (f.json) {
        printJson(cur);
        return;
      }
      const r = cur.rollout;
      const lines = [`${name}: version ${cur.version} (${cur.bundle})`];
      if (r)
        lines.push(
          `  ${r.kind}${r.kind === "canary" ? ` ${Math.round(r.share * 1000) / 10}% by ${r.key}` : ""}: version ${r.candidate.version} (${r.candidate.bundle})`,
        );
      lines.push("  history:");
      for (const h of readHistory(projectDir, name).slice(-10))
        lines.push(
          `    ${h.updated}  v${h.version}${h.rollout ? ` + ${h.rollout.kind} v${h.rollout.candidate.version}` : ""}  ${h.reason}`,
        );
      process.stdout.write(lines.join("\n") + "\n");
    });
}
