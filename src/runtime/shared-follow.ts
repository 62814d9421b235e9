// A running server follows pointer changes made from other checkouts: at once when the shared state
// announces one (PostgreSQL LISTEN/NOTIFY), and every `intervalMs` in any case, it reconciles its
// deployment with the shared state (SharedDeployments.sync), which downloads the bundles a new
// pointer names (each object verified against its hash), writes them atomically and only then moves
// the local pointer; the server's LiveDeployment sees the local pointer change and swaps in one
// assignment. A sync that fails leaves the local pointer, so the version in use keeps serving; the
// failure is reported once per distinct message (and counted by the caller for /metrics).
import { MlcError } from "../ir/errors.js";
import type { StateStore } from "../ir/state-store.js";
import { openArtifacts, type ArtifactStore } from "./artifacts/store.js";
import { DEPLOYMENT_TOPIC, projectSharesDeployments, SharedDeployments } from "./shared-deployments.js";
import { openState } from "./state/open.js";

export interface FollowOptions {
  /** Pause between looks at the shared state (ms). */
  intervalMs: number;
  /** Progress and problems, one line each. */
  log(message: string): void;
  /** A look at the shared state that failed (the current version keeps serving). */
  failed?(err: Error): void;
  /** A look that succeeded. */
  synced?(): void;
}

export interface SharedFollower {
  /** Looks at the shared state now (the timer does this every interval); never throws. */
  check(): Promise<boolean>;
  stop(): Promise<void>;
}

/** Starts following; undefined when the project shares nothing (no PostgreSQL state, no shared store). */
export async function followSharedDeployment(
  projectDir: string,
  name: string,
  o: FollowOptions,
): Promise<SharedFollower | undefined> {
  if (!projectSharesDeployments(projectDir)) return undefined;
  const state: StateStore = await openState(projectDir);
  const artifacts: ArtifactStore = openArtifacts(projectDir);
  const shared = new SharedDeployments(projectDir, state, artifacts, o.log);
  let stopped = false;
  let running: Promise<boolean> | undefined;
  let lastError: string | undefined;
  let timer: NodeJS.Timeout | undefined;

  const once = async (): Promise<boolean> => {
    try {
      await shared.sync(name);
      if (lastError !== undefined)
        o.log(`deployment ${name}: following the shared state again (the last look failed: ${lastError})`);
      lastError = undefined;
      o.synced?.();
      return true;
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const text = e instanceof MlcError ? `${e.code}: ${err.message}` : err.message;
      if (text !== lastError)
        o.log(
          `deployment ${name}: cannot follow the shared state (the version in use keeps serving): ${text}`,
        );
      lastError = text;
      o.failed?.(err);
      return false;
    }
  };
  let again = false;
  const check = (): Promise<boolean> => {
    if (stopped) return Promise.resolve(false);
    // Looks never overlap. A check asked for during one (a change announced after that look read the
    // state) runs once more when it ends.
    if (running) {
      again = true;
      return running;
    }
    running = once().finally(() => {
      running = undefined;
      if (again && !stopped) {
        again = false;
        void check();
      }
    });
    return running;
  };

  // On PostgreSQL the checkout that moves a pointer announces it (NOTIFY): look at once. Polling
  // stays, for a lost connection (listening is retried at each poll) and for SQLite states.
  let listener: { close(): Promise<void> } | undefined;
  let listenError: string | undefined;
  const listen = async (): Promise<void> => {
    if (!state.changes || listener || stopped) return;
    try {
      const l = await state.changes.listen(
        (n) => {
          if (n.topic === DEPLOYMENT_TOPIC && n.key === name) void check();
        },
        (e) => {
          listener = undefined;
          listenError = e.message;
          o.log(`deployment ${name}: ${e.message}; following by polling every ${o.intervalMs / 1000}s`);
        },
      );
      if (stopped) return void (await l.close());
      listener = l;
      if (listenError !== undefined) o.log(`deployment ${name}: listening for changes again`);
      listenError = undefined;
      // a change announced while not listening is seen now
      void check();
    } catch (e) {
      const text = (e as Error).message;
      if (text !== listenError)
        o.log(`deployment ${name}: ${text}; following by polling every ${o.intervalMs / 1000}s`);
      listenError = text;
    }
  };
  await listen();

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => void listen().then(check).finally(schedule), o.intervalMs);
    timer.unref();
  };
  schedule();
  return {
    check,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await listener?.close();
      await running;
      await state.close();
    },
  };
}
