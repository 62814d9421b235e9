// A model's `export { quantize = … }` block and the gate's `export.PRECISION.MEASURE` paths, checked
// at validate: a precision the block does not declare, a measure no export records, an export of a
// tree ensemble and `export.*` of a model without the block are refused.
import { describe, expect, it } from "vitest";
import { BASE, check, codes } from "./check-helpers.js";

const withExport = (block: string, gate: string, algorithm = "algorithm = mlp"): string =>
  BASE.replace(
    "  params { trees = 100  learning_rate = loguniform(0.01, 0.3) }\n  tune { trials = 5  objective = maximize(valid.auc) }",
    `  ${algorithm}\n  ${block}`,
  ).replace("gate ship { model = churn  test.auc >= 0.8 }", `gate ship { model = churn  ${gate} }`);

describe("export measurements", () => {
  it("accepts the declared precisions and every measure of the task", () => {
    const ok = withExport(
      "export { quantize = [float16, int8] }",
      "export.int8.size_ratio <= 0.5  export.int8.max_abs_diff <= 0.01  export.float16.auc_delta >= -0.01  export.int8.accuracy_delta >= -0.02  export.float16.size_bytes <= 100000",
    );
    expect(check(ok).diagnostics).toEqual([]);
    expect(
      check(withExport("export { quantize = int8 }", "export.int8.size_ratio <= 0.5")).diagnostics,
    ).toEqual([]);
  });

  it("refuses a precision the block does not declare, with did-you-mean", () => {
    const r = check(withExport("export { quantize = float16 }", "export.int8.size_ratio <= 0.5"));
    expect(codes(r.diagnostics)).toEqual(["MLC1252"]);
    expect(r.diagnostics[0]!.message).toContain("does not quantise to `int8`");
    const typo = check(withExport("export { quantize = float16 }", "export.float61.size_ratio <= 0.5"));
    expect(typo.diagnostics[0]!.hint).toContain("export.float16");
  });

  it("refuses a measure an export does not record for the task", () => {
    const r = check(withExport("export { quantize = int8 }", "export.int8.size_ration <= 0.5"));
    expect(codes(r.diagnostics)).toEqual(["MLC1252"]);
    expect(r.diagnostics[0]!.hint).toContain("export.int8.size_ratio");
    const wrong = check(withExport("export { quantize = int8 }", "export.int8.rmse_delta <= 0.1"));
    expect(codes(wrong.diagnostics)).toEqual(["MLC1252"]);
  });

  it("refuses export.* of a model without an export block", () => {
    const r = check(withExport("", "export.int8.size_ratio <= 0.5"));
    expect(codes(r.diagnostics)).toEqual(["MLC1252"]);
    expect(r.diagnostics[0]!.hint).toContain("export { quantize = int8 }");
  });

  it("refuses an export block on a tree ensemble, naming why", () => {
    const r = check(withExport("export { quantize = int8 }", "test.auc >= 0.8", "algorithm = gbdt"));
    expect(codes(r.diagnostics)).toEqual(["MLC1130"]);
    expect(r.diagnostics[0]!.message).toContain("tree ensemble");
  });
});
