// The application inside a container image: only what serving needs, not the whole node_modules of
// an mlc checkout (tfjs, vega, onnxruntime builds for every OS). Writes, into `app/` of the build
// context: mlc's modules in the static closure of the commands the image runs (`serve`, and
// `monitor` for the monitors' CronJobs), a package.json without dependencies, and under
// node_modules/ every package those modules import, with the packages each depends on. Imports made
// only by the training and report modules (src/ml: tfjs, vega) are left out, since a serving
// process never trains. Native builds are this machine's; onnxruntime-node keeps its linux-x64
// build alone, so the context is refused on another platform (see `servingAppPlatformProblem`).
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { staticClosure } from "./runtime-trace.js";

/** The commands the image runs: the server and the monitors' CronJobs. */
export const IMAGE_COMMANDS = ["serve", "monitor"] as const;

/** The platform of the image (node:*-slim on amd64) and of the native builds it carries. */
export const IMAGE_PLATFORM = { os: "linux", arch: "x64" } as const;

export interface ServingApp {
  /** Files written under app/. */
  files: number;
  /** Their bytes. */
  bytes: number;
  /** Bytes per part: `mlc` (its modules) and each package, by name. */
  parts: Record<string, number>;
}

/** Why this machine cannot build the serving app (its native builds would not run in the image). */
export function servingAppPlatformProblem(): string | undefined {
  if (process.platform === IMAGE_PLATFORM.os && process.arch === IMAGE_PLATFORM.arch) return undefined;
  return (
    `the image's native modules (better-sqlite3) are copied from this machine, which is ` +
    `${process.platform}-${process.arch}, not ${IMAGE_PLATFORM.os}-${IMAGE_PLATFORM.arch}: export the container on linux x64`
  );
}

/**
 * Whether a file of a package is left out: builds for another platform, type declarations, source
 * maps, and a native package's sources and intermediate build files (`native`: it has a binding.gyp).
 */
function leftOut(relPath: string, native: boolean): boolean {
  const p = relPath.split(sep).join("/");
  if (/\.(d\.[mc]?ts|map)$/.test(p)) return true;
  if (native && /^(deps|src)\/|^build\/[^/]+\/(obj|obj\.target|\.deps)\//.test(p)) return true;
  const build = /(?:^|\/)napi-v\d+\/([^/]+)\/([^/]+)\//.exec(p);
  return !!build && (build[1] !== IMAGE_PLATFORM.os || build[2] !== IMAGE_PLATFORM.arch);
}

/** `node_modules/<name>` as Node resolves it from `from`: the nearest such folder above. */
function resolvePackage(from: string, name: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The packages `roots` need at run time: each with its dependencies and optional dependencies, installed ones. */
function packageClosure(appRoot: string, roots: string[]): string[] {
  const seen = new Set<string>();
  const stack: [string, string][] = roots.map((n) => [appRoot, n]);
  while (stack.length) {
    const [from, name] = stack.pop()!;
    const dir = resolvePackage(from, name);
    if (!dir) {
      if (from === appRoot) throw new Error(`mlc imports '${name}', which is not installed under ${appRoot}`);
      continue; // an optional dependency not installed on this platform
    }
    if (seen.has(dir)) continue;
    seen.add(dir);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }))
      stack.push([dir, dep]);
  }
  return [...seen].sort();
}

/** The files under `dir`, sorted; symbolic links are not followed (a package linking to itself loops). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const s = lstatSync(p);
    if (s.isDirectory()) out.push(...filesUnder(p));
    else if (s.isFile()) out.push(p);
  }
  return out;
}

/** `…/node_modules/a/node_modules/b` → `node_modules/a/node_modules/b`, the same tree under app/. */
function fromNodeModules(appRoot: string, dir: string): string {
  const rel = relative(appRoot, dir).split(sep);
  const i = rel.indexOf("node_modules");
  if (i < 0) throw new Error(`${dir} is not inside a node_modules folder`);
  return rel.slice(i).join("/");
}

/** A package's name from its folder (`@scope/name` or `name`). */
function packageName(entry: string): string {
  const parts = entry.split("/");
  const i = parts.lastIndexOf("node_modules");
  return parts[i + 1]!.startsWith("@") ? `${parts[i + 1]}/${parts[i + 2]}` : parts[i + 1]!;
}

/** Writes the serving application of the mlc built in `appRoot` into `outDir` (the context's app/). */
export function writeServingApp(appRoot: string, outDir: string): ServingApp {
  const app = resolve(appRoot);
  const dist = join(app, "dist", "src");
  const entries = [
    join(dist, "cli", "main.js"),
    ...IMAGE_COMMANDS.map((c) => join(dist, "cli", "commands", `${c}.js`)),
  ];
  for (const e of entries)
    if (!existsSync(e)) throw new Error(`${app} has no ${relative(app, e)}: run 'npm run build' first`);
  const closure = staticClosure(entries);
  const training = join(dist, "ml") + sep;
  const importers = new Map(Object.entries(closure.importers));
  // packages loaded through createRequire (parquet-wasm's Node build)
  for (const m of closure.modules)
    for (const r of readFileSync(m, "utf8").matchAll(/\brequire\(\s*["']([a-z0-9@][^"'\s]*)["']\s*\)/g)) {
      const parts = r[1]!.split("/");
      const name = r[1]!.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
      importers.set(name, [...(importers.get(name) ?? []), m]);
    }
  const roots = [...importers]
    .filter(([, from]) => from.some((f) => !f.startsWith(training)))
    .map(([name]) => name)
    .sort();
  const parts: Record<string, number> = {};
  let files = 0;
  const put = (target: string, data: Buffer, part: string): void => {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data);
    parts[part] = (parts[part] ?? 0) + data.length;
    files++;
  };
  const out = resolve(outDir);
  for (const m of closure.modules) put(join(out, relative(app, m)), readFileSync(m), "mlc");
  // files the modules read beside themselves (the OIP gRPC service definition)
  const proto = join(dist, "serve", "proto");
  if (existsSync(proto))
    for (const f of filesUnder(proto)) put(join(out, relative(app, f)), readFileSync(f), "mlc");
  const own = JSON.parse(readFileSync(join(app, "package.json"), "utf8")) as Record<string, unknown>;
  put(
    join(out, "package.json"),
    Buffer.from(
      JSON.stringify(
        { name: own.name, version: own.version, private: true, type: own.type, bin: own.bin },
        null,
        2,
      ) + "\n",
    ),
    "mlc",
  );
  for (const dir of packageClosure(app, roots)) {
    const entry = fromNodeModules(app, dir);
    const name = packageName(entry);
    const native = existsSync(join(dir, "binding.gyp"));
    for (const f of filesUnder(dir)) {
      const rel = relative(dir, f);
      // a nested node_modules is a package of its own, copied when something depends on it
      if (rel.split(sep).includes("node_modules") || leftOut(rel, native)) continue;
      put(join(out, entry, rel), readFileSync(f), name);
    }
  }
  const bytes = Object.values(parts).reduce((s, n) => s + n, 0);
  return {
    files,
    bytes,
    parts: Object.fromEntries(Object.entries(parts).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** Total bytes of the files under `dir`. */
export function folderBytes(dir: string): number {
  return filesUnder(dir).reduce((s, f) => s + lstatSync(f).size, 0);
}
