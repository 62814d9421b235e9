// Taking the whole-state lock (apply) or one node's lock (`mlc exec`): at once (failing with the
// holder's pid, host, command and start time) or by polling until `--lock-timeout` runs out.
import { hostname } from "node:os";
import type { LockAttempt, LockInfo, StateStore } from "../ir/state-store.js";
import { MlcError } from "../ir/errors.js";

export class LockHeldError extends MlcError {
  constructor(
    readonly holder: LockInfo,
    waitedMs: number,
    /** The node whose lock was asked for (`mlc exec`); undefined for the whole-state lock. */
    wanted?: string,
  ) {
    const who = `pid ${holder.pid} on ${holder.host}, running \`${holder.command}\` since ${holder.since}`;
    const waited = waitedMs > 0 ? ` (waited ${Math.round(waitedMs / 1000)}s)` : "";
    const sameNode = wanted !== undefined && holder.node === wanted;
    super(
      sameNode ? "MLC2440" : "MLC2002",
      sameNode
        ? `node ${wanted} is locked by another exec of it: ${who}${waited}`
        : holder.node !== undefined
          ? `the state is in use by an exec of ${holder.node}: ${who}${waited}`
          : `the state is locked by another apply: ${who}${waited}`,
      {
        hint:
          `wait for it to finish, retry with --lock-timeout 30s, or if that process is gone run ` +
          (holder.node !== undefined ? `\`mlc state unlock --node ${holder.node}\`` : "`mlc state unlock`"),
        details: {
          pid: holder.pid,
          host: holder.host,
          command: holder.command,
          since: holder.since,
          ...(holder.node !== undefined ? { node: holder.node } : {}),
        },
      },
    );
  }
}

/** Parses `30s`, `2m`, `500ms`, `1h` or a bare number of seconds into milliseconds. */
export function parseDurationMs(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) throw new Error(`'${text}' is not a duration (examples: 30s, 2m, 500ms)`);
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  return n * (unit === "ms" ? 1 : unit === "s" ? 1000 : unit === "m" ? 60_000 : 3_600_000);
}

function lockInfo(command: string): LockInfo {
  return { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
}

/** Takes a lock by polling `attempt` until it succeeds or `timeoutMs` runs out. */
async function pollLock(
  attempt: () => Promise<LockAttempt>,
  timeoutMs: number,
  wanted: string | undefined,
  log: ((message: string) => void) | undefined,
): Promise<void> {
  const start = Date.now();
  let delay = 100;
  for (let tries = 0; ; tries++) {
    const r = await attempt();
    if (r.acquired) return;
    const waited = Date.now() - start;
    if (waited >= timeoutMs) throw new LockHeldError(r.holder, waited, wanted);
    if (tries === 0)
      log?.(
        `mlc: waiting for the lock${wanted ? ` of ${wanted}` : ""}, held by pid ${r.holder.pid} on ${r.holder.host} (\`${r.holder.command}\`)`,
      );
    await new Promise((res) => setTimeout(res, Math.min(delay, timeoutMs - waited)));
    delay = Math.min(delay * 2, 1000);
  }
}

/** The whole-state lock (apply, gc, rebuild): no other apply and no `mlc exec` holds a lock meanwhile. */
export async function acquireApplyLock(
  store: StateStore,
  command: string,
  timeoutMs = 0,
  log?: (message: string) => void,
): Promise<void> {
  await pollLock(() => store.lock.acquire(lockInfo(command)), timeoutMs, undefined, log);
}

/** One node's lock (`mlc exec NODE`): excludes an apply and another exec of that node, not other nodes. */
export async function acquireNodeLock(
  store: StateStore,
  node: string,
  command: string,
  timeoutMs = 0,
  log?: (message: string) => void,
): Promise<void> {
  await pollLock(() => store.lock.acquireNode(node, lockInfo(command)), timeoutMs, node, log);
}
