// The baseline evidence a plan carries for an experiment that does not declare its baseline: the
// estimate from the deployment's log and feedback (baseline-estimate.ts), or why there is none, and its JSON.
import type { Json } from "../../ir/graph-ir.js";

/** What the log and feedback say about the primary metric (JSON: a plan carries it). */
export type BaselineEvidence =
  | {
      estimated: true;
      /** The mean per unit (binary: the share of units with the outcome). */
      baseline: number;
      /** The unit-level standard deviation (continuous metrics). */
      baseline_sd?: number;
      units: number;
      /** Units with at least one outcome of the primary metric. */
      outcomes: number;
      from: string;
    }
  | { estimated: false; units: number; outcomes: number; reason: string };

/** The evidence back from a plan's JSON (a saved plan carries it); undefined when it is not one. */
export function evidenceOf(j: Json | undefined): BaselineEvidence | undefined {
  if (typeof j !== "object" || j === null || Array.isArray(j)) return undefined;
  const num = (v: Json | undefined): number | undefined => (typeof v === "number" ? v : undefined);
  const units = num(j.units) ?? 0;
  const outcomes = num(j.outcomes) ?? 0;
  if (j.estimated === true && typeof j.baseline === "number")
    return {
      estimated: true,
      baseline: j.baseline,
      ...(num(j.baseline_sd) !== undefined ? { baseline_sd: num(j.baseline_sd)! } : {}),
      units,
      outcomes,
      from: typeof j.from === "string" ? j.from : "",
    };
  if (j.estimated === false)
    return { estimated: false, units, outcomes, reason: typeof j.reason === "string" ? j.reason : "" };
  return undefined;
}

/** The evidence as the JSON a plan carries (`evidenceOf` reads it back). */
export function evidenceJson(e: BaselineEvidence): { [k: string]: Json } {
  return e.estimated
    ? {
        estimated: true,
        baseline: e.baseline,
        ...(e.baseline_sd !== undefined ? { baseline_sd: e.baseline_sd } : {}),
        units: e.units,
        outcomes: e.outcomes,
        from: e.from,
      }
    : { estimated: false, units: e.units, outcomes: e.outcomes, reason: e.reason };
}
