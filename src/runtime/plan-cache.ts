// The no-op plan shortcut: after a plan with nothing to do, remember every input it depended on
// (spec files, data files, objects, state serial, mlc's own code, environment) by path, size and
// mtime; a later `mlc plan` whose inputs all still match answers without loading the compiler.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Plan } from "./plan.js";
import type { PlanJson } from "./plan-render.js";

const FILE = "plan-cache.json";
/** Environment that changes what a plan computes. */
const ENV = ["MLC_STATE_URL", "MLC_STATE_SCHEMA", "MLC_ARTIFACTS_URL", "MLC_EXECUTOR_MODULES"];
const GLOB = /[*?[\]{}]/;

interface Stamp {
  path: string;
  size: number;
  mtimeMs: number;
}

interface CacheFile {
  version: 1;
  key: string;
  stamps: Stamp[];
  serial: number;
  plan: PlanJson;
}

const stampOf = (path: string): Stamp | undefined => {
  try {
    const st = statSync(path);
    return { path, size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  }
};

/** mlc's own code (compiler, runtime, executors): any rebuild or upgrade invalidates the cache. */
function codeKey(): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const h = createHash("sha256");
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(js|ts|mjs|json)$/.test(e.name)) {
        const st = statSync(p);
        h.update(`${p}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  walk(root);
  for (const m of (process.env.MLC_EXECUTOR_MODULES ?? "").split(/[:;]/).filter(Boolean)) {
    const s = stampOf(resolve(m));
    h.update(`${m}\0${s?.size}\0${s?.mtimeMs}\n`);
  }
  for (const e of ENV) h.update(`${e}=${process.env[e] ?? ""}\n`);
  return h.digest("hex");
}

function specStamps(projectDir: string): Stamp[] {
  return readdirSync(projectDir)
    .filter((n) => n.endsWith(".mlspec"))
    .sort()
    .map((n) => stampOf(join(projectDir, n)))
    .filter((s): s is Stamp => s !== undefined);
}

/** The SQLite state's serial, read directly (a no-op plan must not pay for the whole store). */
async function sqliteSerial(projectDir: string): Promise<number | undefined> {
  const { default: Database } = await import("better-sqlite3");
  try {
    const db = new Database(join(projectDir, ".mlc", "state.db"), { readonly: true, fileMustExist: true });
    try {
      db.pragma("busy_timeout = 2000");
      const row = db.prepare("SELECT serial FROM mlc_serial WHERE id = 1").get() as
        { serial: number } | undefined;
      return row ? Number(row.serial) : undefined;
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}

const usable = (): boolean =>
  !(process.env.MLC_STATE_URL ?? "").startsWith("postgres") && process.env.MLC_PLAN_CACHE !== "off";

/**
 * Remembers a no-op plan. Only when every input is a file it can stamp: sources reading one plain
 * file (no glob, no database, no declared version), on the SQLite state.
 */
export function rememberNoopPlan(projectDir: string, plan: Plan, json: PlanJson): void {
  if (!usable() || plan.targets || plan.changes.some((c) => c.action !== "noop")) return;
  const stamps: Stamp[] = [...specStamps(projectDir)];
  for (const id of Object.keys(plan.data)) {
    const node = plan.graph.nodes.find((n) => n.id === id);
    const file = node?.config.file;
    if (
      !node ||
      typeof file !== "string" ||
      GLOB.test(file) ||
      node.config.version !== undefined ||
      node.config.connection !== undefined
    )
      return;
    const s = stampOf(resolve(projectDir, file));
    if (!s || statSync(s.path).isDirectory()) return;
    stamps.push(s);
  }
  // Objects were verified by the plan; a later change to one (size or mtime) must replan.
  const objects = join(projectDir, ".mlc", "objects");
  for (const hash of planObjectHashes(plan)) {
    const s = stampOf(join(objects, hash.slice(0, 2), hash.slice(2)));
    if (!s) return;
    stamps.push(s);
  }
  // So were the files nodes wrote outside the store (bundles, deployment pointers).
  for (const f of plan.files ?? []) {
    const s = stampOf(f);
    if (!s) return;
    stamps.push(s);
  }
  const file: CacheFile = { version: 1, key: codeKey(), stamps, serial: plan.stateSerial, plan: json };
  const path = join(projectDir, ".mlc", FILE);
  try {
    writeFileSync(path + ".tmp", JSON.stringify(file));
    renameSync(path + ".tmp", path);
  } catch {
    // The shortcut is an optimisation: failing to write it only costs the next plan its speed.
  }
}

/** Hashes of every object the planned nodes' recorded results reference. */
function planObjectHashes(plan: Plan): string[] {
  return plan.objects ?? [];
}

/** The remembered no-op plan when nothing it depended on changed, else undefined. */
export async function cachedNoopPlan(projectDir: string): Promise<PlanJson | undefined> {
  if (!usable()) return undefined;
  let file: CacheFile;
  try {
    file = JSON.parse(readFileSync(join(projectDir, ".mlc", FILE), "utf8")) as CacheFile;
  } catch {
    return undefined;
  }
  if (file.version !== 1) return undefined;
  const specs = specStamps(projectDir);
  const specPaths = new Set(specs.map((s) => s.path));
  const cachedSpecs = file.stamps.filter((s) => s.path.endsWith(".mlspec") && dirname(s.path) === projectDir);
  if (cachedSpecs.length !== specs.length || cachedSpecs.some((s) => !specPaths.has(s.path)))
    return undefined;
  for (const s of file.stamps) {
    const now = stampOf(s.path);
    if (!now || now.size !== s.size || now.mtimeMs !== s.mtimeMs) return undefined;
  }
  if ((await sqliteSerial(projectDir)) !== file.serial) return undefined;
  if (codeKey() !== file.key) return undefined;
  return file.plan;
}
