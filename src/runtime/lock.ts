// Taking the apply lock: at once (failing with the holder's pid, host, command and start time)
// or by polling until `--lock-timeout` runs out.
import { hostname } from "node:os";
import type { LockInfo, StateStore } from "../ir/state-store.js";
import { MlcError } from "../ir/errors.js";

export class LockHeldError extends MlcError {
  constructor(
    readonly holder: LockInfo,
    waitedMs: number,
  ) {
    super(
      "MLC2002",
      `the state is locked by another apply: pid ${holder.pid} on ${holder.host}, running \`${holder.command}\` since ${holder.since}` +
        (waitedMs > 0 ? ` (waited ${Math.round(waitedMs / 1000)}s)` : ""),
      {
        hint: "wait for it to finish, retry with --lock-timeout 30s, or if that process is gone run `mlc state unlock`",
        details: { pid: holder.pid, host: holder.host, command: holder.command, since: holder.since },
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

export async function acquireApplyLock(store: StateStore, command: string, timeoutMs = 0): Promise<void> {
  const start = Date.now();
  let delay = 100;
  for (;;) {
    const r = await store.lock.acquire(lockInfo(command));
    if (r.acquired) return;
    const waited = Date.now() - start;
    if (waited >= timeoutMs) throw new LockHeldError(r.holder, waited);
    await new Promise((res) => setTimeout(res, Math.min(delay, timeoutMs - waited)));
    delay = Math.min(delay * 2, 1000);
  }
}
