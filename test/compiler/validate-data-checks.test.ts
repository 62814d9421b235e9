// What validate says about a source's data file, a `positive` class the data does not allow, and a
// task that does not fit its label's declared type: the message and hint of each conformance case.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileProject } from "../../src/compiler/compile.js";
import { repoRoot } from "./corpus.js";

const diagnostics = (name: string) =>
  compileProject(join(repoRoot, "specs/cases", name)).diagnostics.map((d) => ({
    code: d.code,
    message: d.message,
    hint: d.hint,
  }));

describe("validate checks what the data and its declarations already say", () => {
  it("a missing data file, with the closest file of its folder", () => {
    expect(diagnostics("missing-data-file")).toEqual([
      {
        code: "MLC1146",
        message: "the data file `data/trian.csv` does not exist",
        hint: "did you mean `data/train.csv`?",
      },
      {
        code: "MLC1146",
        message: "the data file `data/scores.csv` does not exist",
        hint: "the folder `data` has `test.csv`, `train.csv`",
      },
    ]);
  });

  it("a positive class that differs from the allowed values in case", () => {
    expect(diagnostics("positive-not-allowed.mlspec")).toEqual([
      {
        code: "MLC1147",
        message: '`positive = "yes"` is not a value of `churn`: source `customers` allows "Yes", "No"',
        hint: 'did you mean `positive = "Yes"`? (values are case-sensitive)',
      },
    ]);
  });

  it("regress of a category and classify of a float suggest the other task", () => {
    const ds = diagnostics("task-label-type.mlspec");
    expect(ds.map((d) => d.code)).toEqual(["MLC1148", "MLC1148"]);
    expect(ds[0]!.hint).toBe("use `classify(segment)` to predict its classes");
    expect(ds[1]!.hint).toMatch(/^use `regress\(price\)`/);
  });

  it("a label computed by a feature is not judged by its source column's type", () => {
    const clean = compileProject(join(repoRoot, "specs/cases/clean-regression.mlspec"));
    expect(clean.diagnostics.filter((d) => d.code === "MLC1148")).toEqual([]);
  });
});
