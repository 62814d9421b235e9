// The shape of an algorithm's parameter specs (name, type, range, default, meaning, aliases) and
// the one check of a value against its spec. Pure data and logic: the compiler imports it too.

export type ParamValue = number | string | boolean;

/** A name other libraries use for the same parameter, and from which library. */
export interface ParamAlias {
  name: string;
  library: "XGBoost" | "LightGBM" | "CatBoost" | "scikit-learn" | "Keras" | "Spark";
  /** When the meaning differs from mlc's (a factor, a unit): how to convert. */
  note?: string;
}

export interface ParamSpec {
  name: string;
  /**
   * `int` and `float` are numbers (`int` a safe integer); `string` with `values` is an enum;
   * `int_list` is a comma-separated list of positive integers (`"64,32"`) or one such integer.
   */
  type: "int" | "float" | "bool" | "string" | "int_list";
  default: ParamValue;
  /** For string params: the allowed values. */
  values?: readonly string[];
  min?: number;
  max?: number;
  /** The bound itself is not allowed (`> 0` rather than `>= 0`). */
  minExclusive?: boolean;
  maxExclusive?: boolean;
  doc: string;
  aliases?: readonly ParamAlias[];
  /** Filled from elsewhere in the spec (as `onnx("file")` fills `path`), never written in `params`. */
  setBy?: string;
}

/** An algorithm's parameters, in the order the reference lists them. */
export interface AlgorithmParams {
  algorithm: string;
  params: readonly ParamSpec[];
  /** `init = champion` continues training from the champion's model (its trees or weights). */
  warmStart?: boolean;
  /** `checkpoint { every = N }` saves the training loop every N iterations, and an apply resumes from it. */
  checkpoints?: boolean;
}

/** "an integer", "a number in (0, 1]", "one of auto, binary", … : what a value of the spec must be. */
export function describeParamType(s: ParamSpec): string {
  switch (s.type) {
    case "int":
      return `an integer${describeRange(s)}`;
    case "float":
      return `a number${describeRange(s)}`;
    case "bool":
      return "true or false";
    case "int_list":
      return 'positive integers like "64,32"';
    case "string":
      return s.values ? `one of ${s.values.join(", ")}` : "a string";
  }
}

/** " in [1, 100000]", " >= 0", " in (0, 1]" or "" for an unbounded number. */
export function describeRange(s: Pick<ParamSpec, "min" | "max" | "minExclusive" | "maxExclusive">): string {
  if (s.min !== undefined && s.max !== undefined)
    return ` in ${s.minExclusive ? "(" : "["}${s.min}, ${s.max}${s.maxExclusive ? ")" : "]"}`;
  if (s.min !== undefined) return ` ${s.minExclusive ? ">" : ">="} ${s.min}`;
  if (s.max !== undefined) return ` ${s.maxExclusive ? "<" : "<="} ${s.max}`;
  return "";
}

/** Whether a number lies in the spec's range (bounds inclusive unless marked exclusive). */
export function inRange(s: ParamSpec, v: number): boolean {
  if (s.min !== undefined && (s.minExclusive ? !(v > s.min) : !(v >= s.min))) return false;
  if (s.max !== undefined && (s.maxExclusive ? !(v < s.max) : !(v <= s.max))) return false;
  return true;
}

/** The problem with `value` for this spec ("must be an integer >= 1, got 0"), or undefined if it fits. */
export function paramValueProblem(s: ParamSpec, value: ParamValue): string | undefined {
  const must = `must be ${describeParamType(s)}, got ${JSON.stringify(value)}`;
  switch (s.type) {
    case "int":
      if (typeof value !== "number" || !Number.isSafeInteger(value) || !inRange(s, value)) return must;
      return undefined;
    case "float":
      if (typeof value !== "number" || !Number.isFinite(value) || !inRange(s, value)) return must;
      return undefined;
    case "bool":
      return typeof value === "boolean" ? undefined : must;
    case "int_list":
      return parseIntList(value) ? undefined : must;
    case "string":
      if (typeof value !== "string") return must;
      return s.values && !s.values.includes(value) ? must : undefined;
  }
}

/** `"64,32"`, `"64 32"` or `64` as [64, 32] / [64]; `""` is the empty list; undefined if malformed. */
export function parseIntList(value: ParamValue): number[] | undefined {
  if (typeof value === "boolean") return undefined;
  const parts =
    typeof value === "number"
      ? [String(value)]
      : value
          .split(/[,\s]+/)
          .map((p) => p.trim())
          .filter((p) => p !== "");
  const out = parts.map(Number);
  return out.every((n) => Number.isSafeInteger(n) && n >= 1) ? out : undefined;
}
