// Parameter resolution for the tree learners: user params checked against the ParamSpec list
// (names, types, ranges, allowed values: src/ml/params) and merged with the defaults. Errors name the parameter.
import type { ParamSpec, Params, ParamValue } from "../estimator.js";
import { MlcError, type MlcErrorOptions } from "../../ir/errors.js";
import { paramValueProblem } from "../../ir/params/spec.js";

export class ParamError extends MlcError {
  constructor(message = "", opts?: MlcErrorOptions) {
    super("MLC2200", message, opts);
  }
}

export function resolveParams(
  algorithm: string,
  specs: readonly ParamSpec[],
  given: Params,
): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (const k of Object.keys(given)) {
    if (!byName.has(k))
      throw new ParamError(
        `${algorithm}: unknown parameter '${k}' (known: ${specs.map((s) => s.name).join(", ")})`,
      );
  }
  for (const s of specs) {
    const v = given[s.name] ?? s.default;
    const problem = paramValueProblem(s, v);
    if (problem) throw new ParamError(`${algorithm}: parameter '${s.name}' ${problem}`);
    out[s.name] = v;
  }
  return out;
}

/** Parses "w0,w1,…" class weights (empty = none); k classes expected. */
export function parseClassWeights(algorithm: string, s: string, k: number): Float64Array | null {
  if (s.trim() === "") return null;
  const parts = s.split(",").map((p) => Number(p.trim()));
  if (parts.length !== k || parts.some((w) => !Number.isFinite(w) || w < 0)) {
    throw new ParamError(
      `${algorithm}: class_weights must list ${k} non-negative numbers separated by commas, got '${s}'`,
    );
  }
  return Float64Array.from(parts);
}
