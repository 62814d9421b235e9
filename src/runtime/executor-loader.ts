// Loads the executors: every module in ./executors/ (each registers its kinds on import) and the
// modules named in MLC_EXECUTOR_MODULES (path-delimited), which is how plugins and tests add kinds.
import { readdirSync } from "node:fs";
import { delimiter, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";

let loaded: Promise<void> | undefined;

const isModule = (f: string) =>
  /\.(js|ts|mjs)$/.test(f) && !f.endsWith(".d.ts") && !f.endsWith(".map") && !f.endsWith(".test.ts");

async function load(): Promise<void> {
  const dir = new URL("./executors/", import.meta.url);
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter(isModule).sort();
  } catch {
    files = [];
  }
  for (const f of files) await import(new URL(f, dir).href);
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
