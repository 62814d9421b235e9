// Reads an estimator's Params against its ParamSpec list (src/ml/params): defaults, the specs' type
// and range checks, and a clear error naming the parameter for anything unknown or out of range.
import type { ParamSpec, Params, ParamValue } from "../estimator.js";
import { paramValueProblem, parseIntList } from "../../ir/params/spec.js";

export class ParamReader {
  constructor(
    private readonly algorithm: string,
    private readonly specs: readonly ParamSpec[],
    private readonly params: Params,
  ) {
    for (const [name, value] of Object.entries(params)) {
      const spec = specs.find((s) => s.name === name);
      if (!spec) {
        throw new Error(
          `${algorithm}: unknown parameter '${name}' (known: ${specs.map((s) => s.name).join(", ")})`,
        );
      }
      const problem = paramValueProblem(spec, value);
      if (problem) throw new Error(`${algorithm}: parameter '${name}' ${problem}`);
    }
  }

  private raw(name: string): { spec: ParamSpec; value: ParamValue } {
    const spec = this.specs.find((s) => s.name === name);
    if (!spec) throw new Error(`${this.algorithm}: parameter '${name}' has no spec (a bug in the estimator)`);
    return { spec, value: this.params[name] ?? spec.default };
  }

  number(name: string): number {
    const { value } = this.raw(name);
    if (typeof value !== "number") throw new Error(`${this.algorithm}: parameter '${name}' is not a number`);
    return value;
  }

  string(name: string): string {
    const { value } = this.raw(name);
    if (typeof value !== "string") throw new Error(`${this.algorithm}: parameter '${name}' is not a string`);
    return value;
  }

  bool(name: string): boolean {
    const { value } = this.raw(name);
    if (typeof value !== "boolean")
      throw new Error(`${this.algorithm}: parameter '${name}' is not a boolean`);
    return value;
  }

  /** A list of positive integers given as "64,32", a single number, or "" for none. */
  intList(name: string): number[] {
    const { value } = this.raw(name);
    const list = parseIntList(value);
    if (!list) throw new Error(`${this.algorithm}: parameter '${name}' is not a list of positive integers`);
    return list;
  }
}
