// Loads the executors: every kind's of the kinds index (src/kinds/index.ts) and the modules named
// in MLC_EXECUTOR_MODULES (path-delimited), which is how plugins and tests add or replace kinds.
import { delimiter, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { kindExecutors } from "../kinds/index.js";
import { registerExecutor } from "./executor-registry.js";

let loaded: Promise<void> | undefined;

async function load(): Promise<void> {
  for (const e of await kindExecutors()) registerExecutor(e);
  const extra = (process.env.MLC_EXECUTOR_MODULES ?? "").split(delimiter).filter(Boolean);
  for (const m of extra) {
    const spec = isAbsolute(m) || m.startsWith(".") ? pathToFileURL(resolve(m)).href : m;
    try {
      await import(spec);
    } catch (e) {
      throw new Error(`MLC_EXECUTOR_MODULES: cannot load '${m}': ${(e as Error).message}`);
    }
  }
}

/** Imports the executor modules once per process. */
export function loadExecutors(): Promise<void> {
  loaded ??= load();
  return loaded;
}
