// Which files a built entry module needs at run time, for packages that ship only those files (the
// serverless handler). Two traces: mlc's own ES modules, followed statically through their relative
// `import`/`export … from`/`import("…")` specifiers (tsc writes them literally); and what a child
// process really loads when it runs the entry's warm-up — every CommonJS module of the dependencies
// (`require.cache`, which holds createRequire's lazy loads too) and every native addon
// (`process.dlopen`). A dependency seen only as an ES import is kept whole.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";

export interface RuntimeTrace {
  /** mlc's own modules, absolute paths. */
  modules: string[];
  /** Files of dependencies loaded by the warm-up, absolute paths. */
  dependencyFiles: string[];
  /** Native addons loaded by the warm-up, absolute paths. */
  nativeAddons: string[];
  /** Dependency package folders imported as ES modules and not seen in the CommonJS cache. */
  wholePackages: string[];
}

const PACKAGE = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/.*)?$/i;
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

/**
 * The relative module closure of `entry` (one module or several), the bare package names it imports,
 * and for each of those the modules importing it.
 */
export function staticClosure(entry: string | string[]): {
  modules: string[];
  bare: string[];
  importers: Record<string, string[]>;
} {
  const seen = new Set<string>();
  const importers: Record<string, string[]> = {};
  const stack = (Array.isArray(entry) ? entry : [entry]).map((e) => resolve(e));
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1]!;
      // `from "./${name}"` inside a template literal, or `from " "` in a message, is text, not an import
      if (spec.startsWith("node:") || spec.includes("${") || /\s/.test(spec) || spec === "") continue;
      if (spec.startsWith(".")) {
        const target = resolve(dirname(file), spec);
        if (!existsSync(target)) throw new Error(`${file} imports ${spec}, which does not exist`);
        stack.push(target);
      } else if (PACKAGE.test(spec)) {
        const parts = spec.split("/");
        const name = spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
        (importers[name] ??= []).push(file);
      }
    }
  }
  for (const list of Object.values(importers)) list.sort();
  return { modules: [...seen].sort(), bare: Object.keys(importers).sort(), importers };
}

/** The package folder (`…/node_modules/name` or `…/node_modules/@scope/name`) holding `file`. */
export function packageDirOf(file: string): string | undefined {
  const parts = file.split(sep);
  const i = parts.lastIndexOf("node_modules");
  if (i < 0 || i + 1 >= parts.length) return undefined;
  const n = parts[i + 1]!.startsWith("@") ? 2 : 1;
  return parts.slice(0, i + 1 + n).join(sep);
}

/**
 * Imports `entry` in a child process (as `entry`), runs `warmUpScript` (module code that makes it load
 * what serving needs), and records what was loaded. `cwd` is where bare packages are resolved from.
 */
export function traceRuntime(
  entry: string,
  warmUpScript: string,
  env: Record<string, string>,
  cwd: string,
): RuntimeTrace {
  const { modules, bare } = staticClosure(entry);
  const script = `
import { createRequire } from "node:module";
const native = [];
const dlopen = process.dlopen;
process.dlopen = function (m, file, ...rest) { native.push(file); return dlopen.call(this, m, file, ...rest); };
const entry = await import(${JSON.stringify(pathToFileURL(resolve(entry)).href)});
${warmUpScript}
const cache = Object.keys(createRequire(import.meta.url).cache);
process.stdout.write(JSON.stringify({ cache, native }));
`;
  let out: string;
  try {
    out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd,
      env: { ...process.env, ...env },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(
      `the handler's warm-up failed: ${(err.stderr || err.message).trim().split("\n").slice(-3).join(" ")}`,
    );
  }
  const seen = JSON.parse(out) as { cache: string[]; native: string[] };
  const dependencyFiles = seen.cache.filter((f) => packageDirOf(f) !== undefined).sort();
  const cachedPackages = new Set(dependencyFiles.map((f) => packageDirOf(f)!));
  const wholePackages: string[] = [];
  for (const name of bare) {
    const dir = findPackage(cwd, name);
    if (!dir) throw new Error(`the handler imports '${name}', which is not installed under ${cwd}`);
    // the cache holds real paths; node_modules may be a link (a worktree sharing a checkout's install)
    if (!cachedPackages.has(dir) && !cachedPackages.has(realpathSync(dir))) wholePackages.push(dir);
  }
  return { modules, dependencyFiles, nativeAddons: [...new Set(seen.native)].sort(), wholePackages };
}

/** `node_modules/<name>` in `from` or a folder above it. */
function findPackage(from: string, name: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** `file` relative to `root`, with forward slashes (zip entry names). */
export function entryName(root: string, file: string): string {
  return relative(root, file).split(sep).join("/");
}

/**
 * A dependency's file as a package entry: from its outermost `node_modules` on, so a hoisted install
 * (mlc itself inside another project's node_modules) packs the same tree as a checkout.
 */
export function dependencyEntryName(file: string): string {
  const parts = file.split(sep);
  const i = parts.indexOf("node_modules");
  if (i < 0) throw new Error(`${file} is not inside a node_modules folder`);
  return parts.slice(i).join("/");
}
