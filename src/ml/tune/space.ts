// Search spaces: uniform, loguniform, int (optionally log) and choice distributions, and
// conditional parameters that are active only when an earlier parameter has given values.
import type { ParamValue, Params } from "../estimator.js";
import type { Rng } from "../random.js";
import { MlcError, type MlcErrorOptions } from "../../ir/errors.js";

export type Distribution =
  | { kind: "uniform"; low: number; high: number }
  | { kind: "loguniform"; low: number; high: number }
  | { kind: "int"; low: number; high: number; log?: boolean }
  | { kind: "choice"; values: readonly ParamValue[] };

/** The parameter is active only when `param` (defined earlier in the space) has one of `values`. */
export interface Condition {
  param: string;
  values: readonly ParamValue[];
}

export interface ParamDef {
  name: string;
  dist: Distribution;
  when?: Condition;
}

/** Ordered: a condition may only name a parameter defined before it. */
export type SearchSpace = readonly ParamDef[];

/** A search space or study configuration that cannot work; the message names the parameter. */
export class TuneError extends MlcError {
  constructor(message = "", opts?: MlcErrorOptions) {
    super("MLC2202", message, opts);
  }
}

/** Every problem with the space, as messages (empty when valid). */
export function spaceProblems(space: SearchSpace): string[] {
  const out: string[] = [];
  const seen = new Map<string, ParamDef>();
  for (const p of space) {
    if (seen.has(p.name)) out.push(`parameter '${p.name}' is defined twice`);
    const d = p.dist;
    switch (d.kind) {
      case "uniform":
        if (!(Number.isFinite(d.low) && Number.isFinite(d.high) && d.low < d.high))
          out.push(`${p.name}: uniform(${d.low}, ${d.high}) needs finite low < high`);
        break;
      case "loguniform":
        if (!(d.low > 0 && Number.isFinite(d.high) && d.low < d.high))
          out.push(`${p.name}: loguniform(${d.low}, ${d.high}) needs 0 < low < high`);
        break;
      case "int":
        if (!(Number.isInteger(d.low) && Number.isInteger(d.high) && d.low <= d.high))
          out.push(`${p.name}: int(${d.low}, ${d.high}) needs integers low <= high`);
        else if (d.log && d.low < 1) out.push(`${p.name}: int(${d.low}, ${d.high}, log) needs low >= 1`);
        break;
      case "choice":
        if (d.values.length === 0) out.push(`${p.name}: choice() needs at least one value`);
        break;
    }
    if (p.when) {
      const parent = seen.get(p.when.param);
      if (!parent)
        out.push(`${p.name}: condition names '${p.when.param}', which must be a parameter defined before it`);
      else if (parent.dist.kind === "choice") {
        const pv = parent.dist.values;
        for (const v of p.when.values)
          if (!pv.includes(v))
            out.push(`${p.name}: condition value ${JSON.stringify(v)} is not a choice of '${parent.name}'`);
      }
    }
    seen.set(p.name, p);
  }
  return out;
}

export function assertSpace(space: SearchSpace): void {
  const problems = spaceProblems(space);
  if (space.length === 0) problems.push("the search space has no parameters");
  if (problems.length) throw new TuneError(`invalid search space: ${problems.join("; ")}`);
}

/** Whether `def` is active given the parameters chosen so far. */
export function isActive(def: ParamDef, chosen: Params): boolean {
  if (!def.when) return true;
  const v = chosen[def.when.param];
  return v !== undefined && def.when.values.includes(v);
}

/**
 * The continuous internal coordinate TPE models a numeric parameter in: log for loguniform and
 * log-int, and ±0.5 around integer bounds so each integer owns an equal-width interval.
 */
export function internalBounds(d: Exclude<Distribution, { kind: "choice" }>): { lo: number; hi: number } {
  switch (d.kind) {
    case "uniform":
      return { lo: d.low, hi: d.high };
    case "loguniform":
      return { lo: Math.log(d.low), hi: Math.log(d.high) };
    case "int":
      return d.log
        ? { lo: Math.log(d.low - 0.5), hi: Math.log(d.high + 0.5) }
        : { lo: d.low - 0.5, hi: d.high + 0.5 };
  }
}

export function toInternal(d: Exclude<Distribution, { kind: "choice" }>, v: number): number {
  return d.kind === "loguniform" || (d.kind === "int" && d.log) ? Math.log(v) : v;
}

/** Maps an internal coordinate back to a valid value (integers rounded and clamped to [low, high]). */
export function fromInternal(d: Exclude<Distribution, { kind: "choice" }>, x: number): number {
  const v = d.kind === "loguniform" || (d.kind === "int" && d.log) ? Math.exp(x) : x;
  if (d.kind === "int") return Math.min(d.high, Math.max(d.low, Math.round(v)));
  return Math.min(d.high, Math.max(d.low, v));
}

/** A draw from the prior: uniform in the internal coordinate, uniform over choices. */
export function samplePrior(d: Distribution, rng: Rng): ParamValue {
  if (d.kind === "choice") return d.values[rng.int(d.values.length)]!;
  const { lo, hi } = internalBounds(d);
  return fromInternal(d, lo + (hi - lo) * rng.next());
}
