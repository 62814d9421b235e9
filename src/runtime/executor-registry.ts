// Executors by node kind. Each capability registers its executor here; the runtime
// looks kinds up and never switches on them.
import type { Executor } from "../ir/executor.js";

const executors = new Map<string, Executor>();

export function registerExecutor(executor: Executor): void {
  if (executors.has(executor.kind)) throw new Error(`executor for kind '${executor.kind}' registered twice`);
  executors.set(executor.kind, executor);
}

export function executorFor(kind: string): Executor | undefined {
  return executors.get(kind);
}

export function registeredKinds(): string[] {
  return [...executors.keys()].sort();
}

/**
 * Replaces the executor of a kind (or registers it): for plugins and tests loaded through
 * MLC_EXECUTOR_MODULES that stand in for a built-in executor.
 */
export function overrideExecutor(executor: Executor): void {
  executors.set(executor.kind, executor);
}
