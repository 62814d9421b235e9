// The deployment pointer: `.mlc/deployments/<name>/current.json` says which bundle a deployment serves
// (and any canary/shadow rollout); every change is appended to `history.ndjson` beside it. Servers watch it.
import { randomBytes } from "node:crypto";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { validateExperimentRoute, type ExperimentRoute } from "./experiment-route.js";
import { validateOnlineRef, type OnlineRef } from "./online-store.js";
import { validateLogConfig } from "./log/open.js";
import type { LogConfig } from "./log/types.js";
import {
  validateColdStart,
  validateRecommendCache,
  validateRerank,
  type ColdStartPath,
  type RecommendCacheConfig,
  type RerankConfig,
} from "./recommend-config.js";
import { MlcError, type MlcErrorOptions } from "../ir/errors.js";
import { isObj } from "../ir/graph-ir.js";

export interface BundleRef {
  version: number;
  /** The bundle directory; relative paths are relative to the project directory. */
  bundle: string;
  /** The online feature table this version looks inputs up in (src/serve/online-store.ts); moves with the version. */
  online?: OnlineRef;
}

export type Rollout =
  | {
      kind: "canary";
      /** fraction of entities routed to the candidate, in (0, 1) */ share: number;
      candidate: BundleRef;
      /** record field whose value is hashed to pick the arm */ key: string;
    }
  | { kind: "shadow"; candidate: BundleRef };

/** What a writer decides; `updated` and `reason` are stamped by writeDeployment. */
export interface DeploymentTarget extends BundleRef {
  rollout?: Rollout;
  /**
   * Where the server logs predictions and stores feedback (absent: NDJSON files, kept forever). A
   * deployment-wide setting: a target without the key keeps the current pointer's (promote, rollback…);
   * the deploy executor always sets the key, undefined for the default.
   */
  log?: LogConfig | undefined;
  /**
   * /v1/recommend's cold-start chain for users the retrieval file does not know (absent: none, such a
   * user gets a 404). Deployment-wide like `log`: a target without the key keeps the current pointer's.
   */
  cold_start?: ColdStartPath[] | undefined;
  /**
   * Where /v1/recommend caches its answers (absent: no cache). Deployment-wide like `log`: a target
   * without the key keeps the current pointer's.
   */
  cache?: RecommendCacheConfig | undefined;
  /**
   * /v1/recommend's re-ranking stage: the ranker's version and bundle and how many candidates it
   * orders (absent: none). Deployment-wide like `log`: a target without the key keeps the current pointer's.
   */
  rerank?: RerankConfig | undefined;
  /** An online experiment: every arm serves side by side; the pointer's own version is the control arm's. */
  experiment?: ExperimentRoute;
}

export interface DeploymentPointer extends DeploymentTarget {
  /** ISO-8601 time of the change. */
  updated: string;
  reason: string;
}

export interface HistoryEntry extends DeploymentPointer {
  /** The stable version before this change, if any. */
  previous?: number;
}

export class DeploymentError extends MlcError {
  constructor(message: string, opts?: MlcErrorOptions) {
    super("MLC2302", message, opts);
  }
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function deploymentDir(projectDir: string, name: string): string {
  if (!NAME_RE.test(name))
    throw new DeploymentError(`invalid deployment name '${name}' (letters, digits, _ . - only)`);
  return join(resolve(projectDir), ".mlc", "deployments", name);
}

export const pointerPath = (projectDir: string, name: string): string =>
  join(deploymentDir(projectDir, name), "current.json");
export const historyPath = (projectDir: string, name: string): string =>
  join(deploymentDir(projectDir, name), "history.ndjson");
/** Written when the deploy block was removed (src/serve/deployment-absence.ts); removed by the next pointer. */
export const destroyedPath = (projectDir: string, name: string): string =>
  join(deploymentDir(projectDir, name), "destroyed.json");

/** Resolves a bundle path of a pointer against the project directory. */
export const resolveBundlePath = (projectDir: string, bundle: string): string =>
  isAbsolute(bundle) ? bundle : resolve(projectDir, bundle);

const isRef = (v: unknown): v is BundleRef =>
  isObj(v) &&
  typeof v.version === "number" &&
  Number.isInteger(v.version) &&
  v.version >= 1 &&
  typeof v.bundle === "string" &&
  v.bundle !== "";

/** Problems with a pointer value ("field: problem"); empty when valid. */
export function validatePointer(p: unknown): string[] {
  const errs: string[] = [];
  if (!isObj(p)) return ["expected a JSON object"];
  if (!isRef(p)) errs.push("version/bundle: expected a positive integer version and a bundle path");
  if (p.online !== undefined) errs.push(...validateOnlineRef(p.online));
  if (p.log !== undefined) errs.push(...validateLogConfig(p.log));
  if (p.cold_start !== undefined) errs.push(...validateColdStart(p.cold_start));
  if (p.cache !== undefined) errs.push(...validateRecommendCache(p.cache));
  if (p.rerank !== undefined) errs.push(...validateRerank(p.rerank));
  if (p.updated !== undefined && typeof p.updated !== "string")
    errs.push("updated: expected an ISO time string");
  if (p.reason !== undefined && typeof p.reason !== "string") errs.push("reason: expected a string");
  const r = p.rollout;
  if (r !== undefined) {
    if (!isObj(r) || (r.kind !== "canary" && r.kind !== "shadow"))
      errs.push(`rollout.kind: expected "canary" or "shadow"`);
    else {
      if (!isRef(r.candidate)) errs.push("rollout.candidate: expected { version, bundle }");
      else if (r.candidate.online !== undefined)
        errs.push(...validateOnlineRef(r.candidate.online).map((e) => `rollout.candidate.${e}`));
      if (r.kind === "canary") {
        if (typeof r.share !== "number" || !(r.share > 0 && r.share < 1))
          errs.push("rollout.share: expected a fraction in (0, 1)");
        if (typeof r.key !== "string" || r.key === "")
          errs.push("rollout.key: expected the name of the entity key field");
      }
    }
  }
  if (p.experiment !== undefined) {
    errs.push(...validateExperimentRoute(p.experiment, isRef));
    const e = p.experiment as Partial<ExperimentRoute>;
    const control = Array.isArray(e.arms) ? e.arms.find((a) => isObj(a) && a.name === e.control) : undefined;
    if (control && isRef(control.target) && control.target.version !== p.version)
      errs.push(
        `experiment: the control arm serves version ${control.target.version}, the pointer ${String(p.version)}`,
      );
    if (r !== undefined)
      errs.push("experiment: a deployment runs either a rollout or an experiment, not both");
  }
  return errs;
}

/**
 * A JSON file of the deployment directory, checked by `validate`: undefined when it does not exist;
 * a DeploymentError naming the file when it cannot be read, is not JSON or fails the checks.
 */
export function readCheckedJson<T>(
  file: string,
  validate: (v: unknown) => string[],
  what: string,
): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new DeploymentError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new DeploymentError(`${file} is not valid JSON (${(e as Error).message})`);
  }
  const errs = validate(parsed);
  if (errs.length) throw new DeploymentError(`${file} is not a valid ${what}:\n  ${errs.join("\n  ")}`);
  return parsed as T;
}

/** The current pointer, or undefined when the deployment has never been deployed. Throws on a corrupt file. */
export function readDeployment(projectDir: string, name: string): DeploymentPointer | undefined {
  return readCheckedJson<DeploymentPointer>(
    pointerPath(projectDir, name),
    validatePointer,
    "deployment pointer",
  );
}

/** Stores bundle paths inside the project relative to it, so a project directory can be moved. */
function portable(projectDir: string, ref: BundleRef): BundleRef {
  const abs = resolveBundlePath(projectDir, ref.bundle);
  const rel = relative(resolve(projectDir), abs);
  return {
    version: ref.version,
    bundle: rel.startsWith("..") || isAbsolute(rel) ? abs : rel,
    ...(ref.online ? { online: ref.online } : {}),
  };
}

/**
 * Points the deployment at `target` (atomically: temp file + rename) and appends the change to
 * history.ndjson. Returns the pointer as written.
 */
export function writeDeployment(
  projectDir: string,
  name: string,
  target: DeploymentTarget,
  reason: string,
  now: Date = new Date(),
): DeploymentPointer {
  const dir = deploymentDir(projectDir, name);
  let prev: DeploymentPointer | undefined;
  try {
    prev = readDeployment(projectDir, name);
  } catch (e) {
    if (!(e instanceof DeploymentError)) throw e;
    // A damaged pointer is replaced, never lost: it is kept beside the new one.
    renameSync(pointerPath(projectDir, name), join(dir, `.current.json.damaged-${now.getTime()}`));
  }
  const main = portable(projectDir, target);
  const log = "log" in target ? target.log : prev?.log;
  const coldStart = "cold_start" in target ? target.cold_start : prev?.cold_start;
  const cache = "cache" in target ? target.cache : prev?.cache;
  const rerankSet = "rerank" in target ? target.rerank : prev?.rerank;
  const rerank = rerankSet
    ? {
        ...rerankSet,
        bundle: portable(projectDir, { version: rerankSet.version, bundle: rerankSet.bundle }).bundle,
      }
    : undefined;
  const pointer: DeploymentPointer = {
    ...main,
    ...(log ? { log } : {}),
    ...(coldStart ? { cold_start: coldStart } : {}),
    ...(cache ? { cache } : {}),
    ...(rerank ? { rerank } : {}),
    updated: now.toISOString(),
    reason,
  };
  if (target.rollout) {
    const cand = portable(projectDir, target.rollout.candidate);
    pointer.rollout =
      target.rollout.kind === "canary"
        ? { kind: "canary", share: target.rollout.share, candidate: cand, key: target.rollout.key }
        : { kind: "shadow", candidate: cand };
  }
  if (target.experiment)
    pointer.experiment = {
      ...target.experiment,
      arms: target.experiment.arms.map((a) => ({ ...a, target: portable(projectDir, a.target) })),
    };
  const errs = validatePointer(pointer);
  if (errs.length)
    throw new DeploymentError(`invalid deployment pointer for '${name}':\n  ${errs.join("\n  ")}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "current.json");
  const tmp = join(dir, `.current.json.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  writeFileSync(tmp, JSON.stringify(pointer, null, 2) + "\n");
  renameSync(tmp, file);
  // Serving again: the record of an earlier destroy no longer describes it.
  rmSync(destroyedPath(projectDir, name), { force: true });
  const entry: HistoryEntry = prev ? { ...pointer, previous: prev.version } : pointer;
  // One write of one line with O_APPEND: concurrent writers never interleave inside a line.
  appendFileSync(join(dir, "history.ndjson"), JSON.stringify(entry) + "\n");
  return pointer;
}

/** Every recorded change, oldest first (a torn last line from a crash is skipped). */
export function readHistory(projectDir: string, name: string): HistoryEntry[] {
  const file = historyPath(projectDir, name);
  if (!existsSync(file)) return [];
  const out: HistoryEntry[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as unknown;
      if (validatePointer(e).length === 0) out.push(e as HistoryEntry);
    } catch {
      // a partially written final line: ignore it
    }
  }
  return out;
}

/**
 * The stable version a rollback returns to. History is replayed as a stack: moving to a new version
 * pushes it, moving back to the one below the top pops — so repeated rollbacks walk v3 → v2 → v1.
 * Undefined when there is nothing to go back to.
 */
export function previousVersion(projectDir: string, name: string): BundleRef | undefined {
  const stack: BundleRef[] = [];
  for (const e of readHistory(projectDir, name)) {
    const top = stack[stack.length - 1];
    const below = stack[stack.length - 2];
    // a version's latest online table comes back with it
    const ref: BundleRef = {
      version: e.version,
      bundle: e.bundle,
      ...(e.online ? { online: e.online } : {}),
    };
    if (top && top.version === e.version) stack[stack.length - 1] = ref;
    else if (below && below.version === e.version) stack.pop();
    else stack.push(ref);
  }
  return stack[stack.length - 2];
}

/**
 * Replaces this checkout's history and pointer with `entries` (another checkout's, from a shared
 * state): history.ndjson and current.json are each written to a temporary name and renamed. With
 * `setAside`, the history it replaces is kept beside it as `.history.ndjson.diverged-<ms>` (never lost).
 */
export function adoptHistory(
  projectDir: string,
  name: string,
  entries: readonly HistoryEntry[],
  setAside: boolean,
  now: Date = new Date(),
): void {
  const last = entries.at(-1);
  if (!last) return;
  const dir = deploymentDir(projectDir, name);
  mkdirSync(dir, { recursive: true });
  const suffix = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const history = historyPath(projectDir, name);
  if (setAside && existsSync(history))
    renameSync(history, join(dir, `.history.ndjson.diverged-${now.getTime()}`));
  const tmpHistory = join(dir, `.history.ndjson.tmp-${suffix}`);
  writeFileSync(tmpHistory, entries.map((e) => JSON.stringify(e) + "\n").join(""));
  renameSync(tmpHistory, history);
  const { previous: _previous, ...pointer } = last;
  const errs = validatePointer(pointer);
  if (errs.length)
    throw new DeploymentError(`invalid shared deployment pointer for '${name}':\n  ${errs.join("\n  ")}`);
  const tmp = join(dir, `.current.json.tmp-${suffix}`);
  writeFileSync(tmp, JSON.stringify(pointer, null, 2) + "\n");
  renameSync(tmp, pointerPath(projectDir, name));
  rmSync(destroyedPath(projectDir, name), { force: true });
}
