// The no-op plan shortcut: after a plan with nothing to do, remember every input it depended on
// (spec files, data files, objects, state serial, mlc's own code, environment) by path, size and
// mtime; a later `mlc plan` whose inputs all still match answers without loading the compiler.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Plan } from "./plan.js";
import type { PlanJson } from "./plan-render.js";
import { fs } from "./builtin-fs.js";

const { readdirSync, readFileSync, renameSync, statSync, writeFileSync } = fs;

const FILE = "plan-cache.json";
/** Environment that changes what a plan computes. */
const ENV = ["MLC_STATE_URL", "MLC_STATE_SCHEMA", "MLC_ARTIFACTS_URL", "MLC_EXECUTOR_MODULES"];
const GLOB = /[*?[\]{}]/;
/** mlc's code files, built or not. */
const CODE = /\.(js|ts|mjs|json)$/;

interface Stamp {
  path: string;
  size: number;
  mtimeMs: number;
}

interface CacheFile {
  /** 3: `key` holds the code stamps themselves (1 held their sha256), `state` replaces the serial. */
  version: 3;
  key: string;
  stamps: Stamp[];
  /** The state's files when the plan was recorded (stateStamps). */
  state: Stamp[];
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

/**
 * mlc's own code (compiler, runtime, executors): any rebuild or upgrade invalidates the cache. The
 * stamps themselves, not a digest of them: loading node:crypto would cost the shortcut more than comparing them.
 */
function codeKey(): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const h = { parts: [] as string[], update: (s: string) => void h.parts.push(s) };
  // Paths by concatenation (readdir's names are plain): path.join cost this walk more than its stats.
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = dir + "/" + e.name;
      if (e.isDirectory()) walk(p);
      else if (CODE.test(e.name)) {
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
  return h.parts.join("");
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

/**
 * The SQLite state's files as stamps (size -1: absent). Every commit appends to the write-ahead
 * log and every checkpoint writes the database, so unchanged stamps mean an unchanged state;
 * `-shm` is left out because readers touch it. An empty log holds no commit, so it stamps as an
 * absent one: the last connection to close (the exit of the `mlc plan` or `mlc apply` that
 * recorded the plan) deletes the empty log it leaves.
 */
function stateStamps(projectDir: string): Stamp[] {
  return ["state.db", "state.db-wal"].map((f) => {
    const path = join(projectDir, ".mlc", f);
    const s = stampOf(path);
    return s && (s.size > 0 || f === "state.db") ? s : { path, size: -1, mtimeMs: 0 };
  });
}

const sameStamps = (a: Stamp[], b: Stamp[]): boolean =>
  a.length === b.length &&
  a.every((s, i) => s.path === b[i]!.path && s.size === b[i]!.size && s.mtimeMs === b[i]!.mtimeMs);

const usable = (): boolean =>
  !(process.env.MLC_STATE_URL ?? "").startsWith("postgres") && process.env.MLC_PLAN_CACHE !== "off";

/**
 * Remembers a no-op plan. Only when every input is a file it can stamp: sources reading one plain
 * file (no glob, no database, no declared version), on the SQLite state.
 */
export async function rememberNoopPlan(projectDir: string, plan: Plan, json: PlanJson): Promise<void> {
  if (!usable() || plan.targets || plan.changes.some((c) => c.action !== "noop")) return;
  // evidence read from outside the stamped inputs (an experiment's log and feedback) changes unseen
  if (plan.evidence && Object.keys(plan.evidence).length) return;
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
  // The state must still be the one planned: its serial, read before and between two identical
  // stamps of its files (the first read may leave an empty write-ahead log behind).
  if ((await sqliteSerial(projectDir)) !== plan.stateSerial) return;
  const state = stateStamps(projectDir);
  if ((await sqliteSerial(projectDir)) !== plan.stateSerial || !sameStamps(state, stateStamps(projectDir)))
    return;
  const file: CacheFile = { version: 3, key: codeKey(), stamps, state, plan: json };
  // imported here, not at the top: the no-op plan's check (cachedNoopPlan) does not write JSON
  const { jsonText } = await import("../ir/json-text.js");
  const path = join(projectDir, ".mlc", FILE);
  try {
    writeFileSync(path + ".tmp", jsonText(file));
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
  if (file.version !== 3 || !Array.isArray(file.state)) return undefined;
  const specs = specStamps(projectDir);
  const specPaths = new Set(specs.map((s) => s.path));
  const cachedSpecs = file.stamps.filter((s) => s.path.endsWith(".mlspec") && dirname(s.path) === projectDir);
  if (cachedSpecs.length !== specs.length || cachedSpecs.some((s) => !specPaths.has(s.path)))
    return undefined;
  for (const s of file.stamps) {
    const now = stampOf(s.path);
    if (!now || now.size !== s.size || now.mtimeMs !== s.mtimeMs) return undefined;
  }
  if (!sameStamps(file.state, stateStamps(projectDir))) return undefined;
  if (codeKey() !== file.key) return undefined;
  return file.plan;
}
