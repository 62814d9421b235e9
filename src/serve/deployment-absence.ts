// Why a deployment has no pointer: never deployed, or destroyed by removing its deploy block (then
// `destroyed.json` beside its history says when and what it served). Commands explain it with this.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deploymentDir, destroyedPath, pointerPath, readDeployment, readHistory } from "./deployment.js";

export interface DestroyedRecord {
  /** ISO-8601 time the deployment stopped serving. */
  at: string;
  /** The version it served last, and its bundle. */
  version: number;
  bundle: string;
  reason: string;
}

/** Stops a deployment: records what it served and when, then removes its pointer (history stays). */
export function stopDeployment(
  projectDir: string,
  name: string,
  reason: string,
  now = new Date(),
): DestroyedRecord | undefined {
  let last: { version: number; bundle: string } | undefined;
  try {
    last = readDeployment(projectDir, name);
  } catch {
    last = undefined;
  }
  last ??= readHistory(projectDir, name).at(-1);
  const pointer = pointerPath(projectDir, name);
  if (!last) {
    rmSync(pointer, { force: true });
    return undefined;
  }
  const rec: DestroyedRecord = { at: now.toISOString(), version: last.version, bundle: last.bundle, reason };
  const dir = deploymentDir(projectDir, name);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.destroyed.json.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  writeFileSync(tmp, JSON.stringify(rec, null, 2) + "\n");
  renameSync(tmp, destroyedPath(projectDir, name));
  rmSync(pointer, { force: true });
  return rec;
}

export function readDestroyed(projectDir: string, name: string): DestroyedRecord | undefined {
  const file = destroyedPath(projectDir, name);
  if (!existsSync(file)) return undefined;
  try {
    const r = JSON.parse(readFileSync(file, "utf8")) as Partial<DestroyedRecord>;
    return typeof r.at === "string" && typeof r.version === "number" && typeof r.bundle === "string"
      ? { at: r.at, version: r.version, bundle: r.bundle, reason: String(r.reason ?? "") }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Says why `name` has no pointer, and how to bring it back. */
export function explainNoPointer(projectDir: string, name: string): string {
  const d = readDestroyed(projectDir, name);
  const history = readHistory(projectDir, name);
  if (d)
    return (
      `deployment '${name}' was destroyed on ${d.at} (${d.reason}); it last served version ${d.version} (${d.bundle}). ` +
      `Its history is kept: to restore it, add its deploy block back and run mlc apply, then mlc rollback ${name} ` +
      `if you want an earlier version than the one it deploys`
    );
  if (history.length)
    return (
      `deployment '${name}' has no pointer (${pointerPath(projectDir, name)} is gone); it last served version ${history.at(-1)!.version}. ` +
      `To restore it, run mlc apply with its deploy block in the spec`
    );
  return `deployment '${name}' has never been deployed in ${projectDir}`;
}
