// The parameter specs (src/ml/params): one source for the learners, the compiler and the
// reference; the value check's types, ranges (inclusive and exclusive) and int lists.
import { describe, expect, it } from "vitest";
import { ENSEMBLE_ALGORITHMS } from "../../src/compiler/builtins/ensembles.js";
import { builtinsOf } from "../../src/compiler/builtins/index.js";
import {
  algorithmsWithParams,
  describeParamType,
  paramValueProblem,
  parseIntList,
  type ParamSpec,
} from "../../src/ir/params/index.js";

const int: ParamSpec = { name: "trees", type: "int", default: 100, min: 1, max: 1000, doc: "" };
const rate: ParamSpec = {
  name: "learning_rate",
  type: "float",
  default: 0.1,
  min: 0,
  minExclusive: true,
  max: 1,
  doc: "",
};

describe("parameter specs", () => {
  it("exist for every algorithm the language names (the estimators read them: estimator-contract.test.ts)", () => {
    // ensembles (stack, vote) take no params: their members have theirs (MLC1236)
    const language = builtinsOf("algorithm")
      .map((b) => b.name)
      .filter((n) => !ENSEMBLE_ALGORITHMS.includes(n));
    expect(algorithmsWithParams().map((a) => a.algorithm)).toEqual([...language].sort());
  });

  it("have unique names, defaults that pass their own check, and aliases that name no parameter", () => {
    for (const a of algorithmsWithParams()) {
      const names = a.params.map((p) => p.name);
      expect(new Set(names).size, a.algorithm).toBe(names.length);
      for (const p of a.params) {
        expect(paramValueProblem(p, p.default), `${a.algorithm}.${p.name}`).toBeUndefined();
        for (const alias of p.aliases ?? [])
          expect(names, `${a.algorithm}.${alias.name}`).not.toContain(alias.name);
      }
    }
  });

  it("checks integers: whole, safe and in range", () => {
    expect(paramValueProblem(int, 1)).toBeUndefined();
    expect(paramValueProblem(int, 1000)).toBeUndefined();
    expect(paramValueProblem(int, 0)).toBe("must be an integer in [1, 1000], got 0");
    expect(paramValueProblem(int, 2.5)).toMatch(/^must be an integer/);
    expect(paramValueProblem(int, 2 ** 60)).toMatch(/^must be an integer/);
    expect(paramValueProblem(int, "5")).toBe('must be an integer in [1, 1000], got "5"');
  });

  it("checks numbers against exclusive and inclusive bounds", () => {
    expect(paramValueProblem(rate, 0)).toBe("must be a number in (0, 1], got 0");
    expect(paramValueProblem(rate, 1e-9)).toBeUndefined();
    expect(paramValueProblem(rate, 1)).toBeUndefined();
    expect(paramValueProblem(rate, Number.NaN)).toMatch(/^must be a number/);
    expect(paramValueProblem(rate, Infinity)).toMatch(/^must be a number/);
  });

  it("checks booleans, enums and integer lists", () => {
    const bool: ParamSpec = { name: "b", type: "bool", default: true, doc: "" };
    const en: ParamSpec = { name: "e", type: "string", default: "a", values: ["a", "b"], doc: "" };
    const list: ParamSpec = { name: "hidden", type: "int_list", default: "8", doc: "" };
    expect(paramValueProblem(bool, 1)).toBe("must be true or false, got 1");
    expect(paramValueProblem(en, "c")).toBe('must be one of a, b, got "c"');
    expect(describeParamType(en)).toBe("one of a, b");
    expect(paramValueProblem(list, "64, 32")).toBeUndefined();
    expect(paramValueProblem(list, 16)).toBeUndefined();
    expect(paramValueProblem(list, "64,0")).toMatch(/positive integers/);
    expect(parseIntList("64 32")).toEqual([64, 32]);
    expect(parseIntList("")).toEqual([]);
    expect(parseIntList("1.5")).toBeUndefined();
    expect(parseIntList(true)).toBeUndefined();
  });
});
