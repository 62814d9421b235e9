// Parameter resolution for the tree learners: user params checked against the ParamSpec list
// (names, types, ranges, allowed values) and merged with the defaults. Errors name the parameter.
import type { ParamSpec, Params, ParamValue } from "../estimator.js";
import { MlcError, type MlcErrorOptions } from "../../ir/errors.js";

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
    switch (s.type) {
      case "int":
      case "float":
        if (typeof v !== "number" || Number.isNaN(v))
          throw new ParamError(
            `${algorithm}: parameter '${s.name}' must be a number, got ${JSON.stringify(v)}`,
          );
        if (s.type === "int" && !Number.isInteger(v))
          throw new ParamError(`${algorithm}: parameter '${s.name}' must be an integer, got ${v}`);
        if (s.min !== undefined && v < s.min)
          throw new ParamError(`${algorithm}: parameter '${s.name}' must be >= ${s.min}, got ${v}`);
        if (s.max !== undefined && v > s.max)
          throw new ParamError(`${algorithm}: parameter '${s.name}' must be <= ${s.max}, got ${v}`);
        break;
      case "bool":
        if (typeof v !== "boolean")
          throw new ParamError(
            `${algorithm}: parameter '${s.name}' must be true or false, got ${JSON.stringify(v)}`,
          );
        break;
      case "string":
        if (typeof v !== "string")
          throw new ParamError(
            `${algorithm}: parameter '${s.name}' must be a string, got ${JSON.stringify(v)}`,
          );
        if (s.values && !s.values.includes(v))
          throw new ParamError(
            `${algorithm}: parameter '${s.name}' must be one of ${s.values.join(", ")}, got '${v}'`,
          );
        break;
    }
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
