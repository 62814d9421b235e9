// Reads an estimator's Params against its ParamSpec list: defaults, type and range checks, and a
// clear error naming the parameter for anything unknown or out of range (shared by mlc's own learners).
import type { ParamSpec, Params, ParamValue } from "../estimator.js";

export class ParamReader {
  constructor(
    private readonly algorithm: string,
    private readonly specs: readonly ParamSpec[],
    private readonly params: Params,
  ) {
    for (const name of Object.keys(params)) {
      if (!specs.some((s) => s.name === name)) {
        throw new Error(
          `${algorithm}: unknown parameter '${name}' (known: ${specs.map((s) => s.name).join(", ")})`,
        );
      }
    }
  }

  private raw(name: string): { spec: ParamSpec; value: ParamValue } {
    const spec = this.specs.find((s) => s.name === name);
    if (!spec) throw new Error(`${this.algorithm}: parameter '${name}' has no spec (a bug in the estimator)`);
    return { spec, value: this.params[name] ?? spec.default };
  }

  number(name: string): number {
    const { spec, value } = this.raw(name);
    const v = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new Error(
        `${this.algorithm}: parameter '${name}' must be a number, got ${JSON.stringify(value)}`,
      );
    if (spec.type === "int" && !Number.isInteger(v))
      throw new Error(`${this.algorithm}: parameter '${name}' must be an integer, got ${v}`);
    if (spec.min !== undefined && v < spec.min)
      throw new Error(`${this.algorithm}: parameter '${name}' must be >= ${spec.min}, got ${v}`);
    if (spec.max !== undefined && v > spec.max)
      throw new Error(`${this.algorithm}: parameter '${name}' must be <= ${spec.max}, got ${v}`);
    return v;
  }

  string(name: string): string {
    const { spec, value } = this.raw(name);
    const v = String(value);
    if (spec.values && !spec.values.includes(v))
      throw new Error(
        `${this.algorithm}: parameter '${name}' must be one of ${spec.values.join(", ")}, got '${v}'`,
      );
    return v;
  }

  bool(name: string): boolean {
    const { value } = this.raw(name);
    if (typeof value === "boolean") return value;
    if (value === "true" || value === 1) return true;
    if (value === "false" || value === 0) return false;
    throw new Error(
      `${this.algorithm}: parameter '${name}' must be true or false, got ${JSON.stringify(value)}`,
    );
  }

  /** A list of positive integers given as "64,32", a single number, or "" for none. */
  intList(name: string): number[] {
    const { value } = this.raw(name);
    const parts =
      typeof value === "number"
        ? [String(value)]
        : String(value)
            .split(/[,\s]+/)
            .filter((p) => p !== "");
    return parts.map((p) => {
      const n = Number(p);
      if (!Number.isInteger(n) || n < 1)
        throw new Error(
          `${this.algorithm}: parameter '${name}' must list positive integers like "64,32", got ${JSON.stringify(value)}`,
        );
      return n;
    });
  }
}
