// `mlc state list|show NODE|unlock|rebuild`: inspect the state store, remove a stale apply lock
// after confirmation (`--force` skips the question), rebuild the registry from disk after a lost state.
import type { Command } from "commander";
import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { acquireApplyLock } from "../../runtime/lock.js";
import { rebuildRegistry } from "../../runtime/registry/rebuild.js";
import { openState } from "../../runtime/state/open.js";
import type { NodeRecord, StateStore } from "../../ir/state-store.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { userError } from "./plan.js";
import { printJson } from "../json-output.js";

async function withState<T>(dir: string, fn: (s: StateStore) => Promise<T>): Promise<T> {
  const store = await openState(resolve(dir));
  try {
    return await fn(store);
  } catch (e) {
    userError(e);
  } finally {
    await store.close();
  }
}

const short = (h: string) => h.replace(/^[a-z0-9]+:/, "").slice(0, 12);

function findNode(nodes: NodeRecord[], id: string): NodeRecord | undefined {
  return (
    nodes.find((n) => n.id === id) ??
    (nodes.filter((n) => n.id.slice(n.id.indexOf(".") + 1) === id).length === 1
      ? nodes.find((n) => n.id.slice(n.id.indexOf(".") + 1) === id)
      : undefined)
  );
}

export function register(program: Command): void {
  const state = program.command("state").description("inspect the state store: nodes, runs, the apply lock");
  withProjectDir(state.command("list").description("list the nodes recorded in the state"))
    .option("--all", "include nodes retired from the spec")
    .option("--json", "print JSON")
    .action(async (_dir: string, opts: { dir: string; all?: boolean; json?: boolean }) =>
      withState(opts.dir, async (s) => {
        const nodes = await s.listNodes({ includeRetired: opts.all });
        if (opts.json) {
          printJson({
            serial: await s.serial(),
            backend: s.backend,
            nodes: nodes.map(({ node: _n, ...n }) => n),
          });
          return;
        }
        if (!nodes.length) {
          process.stdout.write(`The state (${s.location}) records no nodes yet.\n`);
          return;
        }
        const w = Math.max(...nodes.map((n) => n.id.length));
        for (const n of nodes) {
          const arts = Object.keys(n.result?.artifacts ?? {}).join(",");
          process.stdout.write(
            `${n.id.padEnd(w)}  ${n.status.padEnd(7)}  ${short(n.fingerprint) || "-".padEnd(12)}  ${n.updated}${arts ? `  ${arts}` : ""}${n.error ? `  error: ${n.error.split("\n")[0]}` : ""}\n`,
          );
        }
        process.stdout.write(
          `${nodes.length} node${nodes.length === 1 ? "" : "s"}; state serial ${await s.serial()} (${s.location})\n`,
        );
      }),
    );
  withProjectDir(
    state
      .command("show")
      .description("show one node: fingerprint, config, result, recent runs")
      .argument("<node>", "a node id (model.churn) or block name"),
  )
    .option("--json", "print JSON")
    .action(async (id: string, _dir: string, opts: { dir: string; json?: boolean }) =>
      withState(opts.dir, async (s) => {
        const n = findNode(await s.listNodes({ includeRetired: true }), id);
        if (!n) throw new CliExit(1, `mlc: no node '${id}' in the state (see \`mlc state list\`)`);
        const runs = await s.runsForNode(n.id, 5);
        if (opts.json) {
          printJson({ node: n, runs });
          return;
        }
        const lines = [
          `${n.id}  (${n.kind})  ${n.status}`,
          `  fingerprint  ${n.fingerprint || "(never succeeded)"}`,
          `  executor     ${n.executorVersion || "-"}`,
          `  updated      ${n.updated}`,
        ];
        if (n.error) lines.push(`  error        ${n.error}`);
        if (n.data)
          lines.push(
            `  data         ${n.data.description}  ${n.data.hash}${n.data.rows !== undefined ? `  ${n.data.rows} rows` : ""}`,
          );
        for (const [role, h] of Object.entries(n.result?.artifacts ?? {}))
          lines.push(`  artifact     ${role} ${h}`);
        for (const [k, v] of Object.entries(n.result?.metrics ?? {}))
          lines.push(`  metric       ${k} = ${v}`);
        lines.push(`  config       ${JSON.stringify(n.node.config)}`);
        for (const r of runs)
          lines.push(
            `  run ${r.id.slice(0, 8)}  ${r.status.padEnd(11)} ${r.started}${r.ended ? ` → ${r.ended}` : ""}${r.error ? `  ${r.error.split("\n")[0]}` : ""}`,
          );
        process.stdout.write(lines.join("\n") + "\n");
      }),
    );
  withProjectDir(
    state
      .command("rebuild")
      .description(
        "after a lost state: register the model versions found in .mlc/bundles and the champion/challenger the deployment pointers serve",
      ),
  ).action(async (_dir: string, opts: { dir: string }) =>
    withState(opts.dir, async (s) => {
      await acquireApplyLock(s, "mlc state rebuild", 0);
      try {
        const r = await rebuildRegistry(resolve(opts.dir), s);
        const lines = [
          `Registered ${r.registered.length} model version${r.registered.length === 1 ? "" : "s"} from bundles${r.registered.length ? `: ${r.registered.join(", ")}` : ""}` +
            (r.alreadyKnown.length ? `; already recorded: ${r.alreadyKnown.join(", ")}` : "") +
            ".",
          ...r.aliases.map((a) => `  ${a}`),
          ...r.skipped.map((x) => `  skipped ${x}`),
        ];
        if (r.registered.length || r.aliases.length)
          lines.push(
            "The next `mlc apply` recomputes the nodes (same data and spec give the same objects) and numbers new versions after these.",
          );
        process.stdout.write(lines.join("\n") + "\n");
      } finally {
        await s.lock.release();
      }
    }),
  );
  withProjectDir(
    state
      .command("unlock")
      .description(
        "remove the apply lock, or a node's exec lock, left by a process that is gone (asks first)",
      ),
  )
    .option("--force", "do not ask")
    .option("--node <node>", "remove the lock of this node (an `mlc exec NODE`) instead of the apply lock")
    .action(async (_dir: string, opts: { dir: string; force?: boolean; node?: string }) =>
      withState(opts.dir, async (s) => {
        const h = opts.node
          ? (await s.lock.nodeHolders()).find((l) => l.node === opts.node)
          : await s.lock.holder();
        if (!h) {
          process.stdout.write(
            opts.node ? `The node ${opts.node} is not locked.\n` : "The state is not locked.\n",
          );
          return;
        }
        const who = `pid ${h.pid} on ${h.host}, running \`${h.command}\` since ${h.since}`;
        if (!opts.force) {
          if (!process.stdin.isTTY)
            throw new CliExit(
              1,
              `mlc: the lock is held by ${who}; to remove it without a terminal, pass --force`,
            );
          const rl = createInterface({ input: process.stdin, output: process.stdout });
          const answer = await rl.question(
            `The lock is held by ${who}.\nRemove it? Only do this if that process is gone. [y/N] `,
          );
          rl.close();
          if (!/^y(es)?$/i.test(answer.trim())) throw new CliExit(1, "mlc: the lock was left in place");
        }
        await s.lock.forceUnlock(opts.node);
        process.stdout.write(`Removed the lock held by ${who}.\n`);
      }),
    );
}
