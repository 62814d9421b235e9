// The experiment section of a deployment pointer and its routing: every arm's version side by side,
// a request's arm chosen by a salted stable hash of the key field against the cumulative allocation.
import type { BundleRef } from "./deployment.js";
import { keyBucket } from "./routing.js";

export interface ExperimentArmRoute {
  /** The variant name (`control`, `offer`). */
  name: string;
  /** Fraction of units, in (0, 1]; the arms' shares add up to 1. */
  share: number;
  target: BundleRef;
}

export interface ExperimentRoute {
  /** The experiment block's name; logged and returned with every prediction. */
  name: string;
  /** The request field whose value is the randomisation unit. */
  key: string;
  /** Mixed into the hash so two experiments on the same key do not correlate (default: the name). */
  salt: string;
  /** The control arm: the pointer's own version, and where traffic returns when the experiment ends. */
  control: string;
  arms: ExperimentArmRoute[];
  /** The arm of requests without the key; absent: such requests get a 400 naming the field. */
  default_arm?: string;
  /** ISO-8601 time the experiment started serving. */
  started: string;
}

/** A record's arm, or a problem naming the missing key field. */
export type ArmChoice = { arm: string } | { missing: string };

/** The unit a record belongs to (its key value as text), or undefined when it has none usable. */
export function unitOf(route: Pick<ExperimentRoute, "key">, record: unknown): string | undefined {
  if (typeof record !== "object" || record === null || !Object.hasOwn(record, route.key)) return undefined;
  const v = (record as Record<string, unknown>)[route.key];
  if (v === null || v === undefined || typeof v === "object") return undefined;
  return String(v);
}

/** The arm of one unit: the bucket of `salt \0 unit` walked through the cumulative shares. */
export function armOfUnit(route: Pick<ExperimentRoute, "salt" | "arms">, unit: string): string {
  const b = keyBucket(`${route.salt}\u0000${unit}`);
  let acc = 0;
  for (const a of route.arms) {
    acc += a.share;
    if (b < acc) return a.name;
  }
  return route.arms[route.arms.length - 1]!.name; // rounding of the shares' sum
}

export function chooseExperimentArm(route: ExperimentRoute, record: unknown): ArmChoice {
  const unit = unitOf(route, record);
  if (unit === undefined) return route.default_arm ? { arm: route.default_arm } : { missing: route.key };
  return { arm: armOfUnit(route, unit) };
}

/** Problems with an experiment section ("experiment.field: problem"); `refProblems` checks a bundle ref. */
export function validateExperimentRoute(e: unknown, isRef: (v: unknown) => boolean): string[] {
  const errs: string[] = [];
  if (typeof e !== "object" || e === null || Array.isArray(e)) return ["experiment: expected an object"];
  const x = e as Record<string, unknown>;
  for (const f of ["name", "key", "salt", "control", "started"] as const)
    if (typeof x[f] !== "string" || x[f] === "") errs.push(`experiment.${f}: expected a non-empty string`);
  if (!Array.isArray(x.arms) || x.arms.length < 2) {
    errs.push("experiment.arms: expected at least two arms");
    return errs;
  }
  const names = new Set<string>();
  let sum = 0;
  x.arms.forEach((a: unknown, i) => {
    const arm = (typeof a === "object" && a !== null ? a : {}) as Record<string, unknown>;
    if (typeof arm.name !== "string" || arm.name === "")
      errs.push(`experiment.arms[${i}].name: expected a name`);
    else if (names.has(arm.name)) errs.push(`experiment.arms[${i}].name: '${arm.name}' appears twice`);
    else names.add(arm.name);
    if (typeof arm.share !== "number" || !(arm.share > 0 && arm.share <= 1))
      errs.push(`experiment.arms[${i}].share: expected a fraction in (0, 1]`);
    else sum += arm.share;
    if (!isRef(arm.target)) errs.push(`experiment.arms[${i}].target: expected { version, bundle }`);
  });
  if (errs.length === 0 && Math.abs(sum - 1) > 1e-9)
    errs.push(`experiment.arms: shares add up to ${sum}, not 1`);
  if (typeof x.control === "string" && !names.has(x.control))
    errs.push(`experiment.control: '${x.control}' is not an arm`);
  if (x.default_arm !== undefined && (typeof x.default_arm !== "string" || !names.has(x.default_arm)))
    errs.push(`experiment.default_arm: expected the name of an arm`);
  return errs;
}
