// Saved plans (`mlc plan --out FILE`): the Plan with the state serial and data fingerprints it
// was made against, checksummed. `mlc apply FILE` refuses a plan whose state or data moved.
import { jsonText } from "../ir/json-text.js";
import { createHash } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { canonicalJson } from "../ir/expr-json.js";
import type { DataFingerprint } from "../ir/executor.js";
import type { Json } from "../ir/graph-ir.js";
import type { Plan } from "./plan.js";
import { MlcError, type MlcErrorOptions } from "../ir/errors.js";

const MAGIC = "mlc-plan";

export class PlanFileError extends MlcError {
  constructor(message: string, opts?: MlcErrorOptions) {
    super("MLC2003", message, opts);
  }
}

interface PlanFile {
  format: typeof MAGIC;
  format_version: 1;
  created: string;
  project_dir: string;
  checksum: string;
  plan: Plan;
}

const checksum = (p: Plan) =>
  createHash("sha256")
    .update(canonicalJson(p as unknown as Json))
    .digest("hex");

export async function savePlan(path: string, plan: Plan, projectDir: string): Promise<void> {
  const file: PlanFile = {
    format: MAGIC,
    format_version: 1,
    created: new Date().toISOString(),
    project_dir: projectDir,
    checksum: checksum(plan),
    plan,
  };
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, jsonText(file));
  await rename(tmp, path);
}

/** True when the file starts like a saved plan (so `mlc apply X` can tell a plan from a directory). */
export async function isPlanFile(path: string): Promise<boolean> {
  try {
    const head = (await readFile(path)).subarray(0, 64).toString("utf8");
    return head.includes(`"format":"${MAGIC}"`);
  } catch {
    return false;
  }
}

export async function loadPlan(path: string): Promise<{ plan: Plan; projectDir: string; created: string }> {
  let file: PlanFile;
  try {
    file = JSON.parse(await readFile(path, "utf8")) as PlanFile;
  } catch (e) {
    throw new PlanFileError(`${path} is not a saved plan (${(e as Error).message})`);
  }
  if (file?.format !== MAGIC)
    throw new PlanFileError(`${path} is not a saved plan (made by \`mlc plan --out\`)`);
  if (file.format_version !== 1)
    throw new PlanFileError(
      `${path} has plan format version ${file.format_version}; this mlc reads version 1`,
    );
  if (checksum(file.plan) !== file.checksum)
    throw new PlanFileError(`${path} is damaged: its checksum does not match its content`);
  return { plan: file.plan, projectDir: file.project_dir, created: file.created };
}

/** Why a saved plan can no longer be applied as is; empty when it still can. Pure. */
export function stalePlanProblems(
  plan: Plan,
  serialNow: number,
  dataNow: Readonly<Record<string, DataFingerprint>>,
): string[] {
  const out: string[] = [];
  if (serialNow !== plan.stateSerial) {
    out.push(
      `the state changed since the plan was made (serial ${plan.stateSerial} → ${serialNow}): another apply ran`,
    );
  }
  for (const [id, then] of Object.entries(plan.data)) {
    const now = dataNow[id];
    if (!now) out.push(`${id}: its data could not be fingerprinted now`);
    else if (now.hash !== then.hash)
      out.push(`${id}: data ${then.description} changed since the plan was made`);
  }
  return out;
}
