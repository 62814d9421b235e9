// A model's `robustness { … }` block and the gate's `robustness.SUITE.MEASURE` paths, checked at
// validate: a suite the block does not run or a measure no suite records is refused with a
// did-you-mean, and so is `robustness.*` of a model without the block.
import { describe, expect, it } from "vitest";
import { BASE, check, codes } from "./check-helpers.js";

const withRobustness = (block: string, gate: string): string =>
  BASE.replace(
    "  tune { trials = 5  objective = maximize(valid.auc) }",
    `  tune { trials = 5  objective = maximize(valid.auc) }\n  ${block}`,
  ).replace("gate ship { model = churn  test.auc >= 0.8 }", `gate ship { model = churn  ${gate} }`);

describe("robustness", () => {
  it("accepts every default suite and measure, and the declared noise levels", () => {
    const gate = [
      "robustness.noise_5pct.auc_drop <= 0.02",
      "robustness.noise_1sd.accuracy_drop <= 0.05",
      "robustness.missing.error_rate == 0",
      "robustness.out_of_range.auc >= 0.7",
      "robustness.unseen.error_rate <= 0.1",
      "robustness.swapped.rows >= 1",
      "robustness.empty.error_rate == 0",
    ].join("  ");
    expect(check(withRobustness("robustness { }", gate)).diagnostics).toEqual([]);
    const custom = withRobustness(
      "robustness { noise = [2.5%, 10%]  noise_sd = [2]  unseen = false }",
      "robustness.noise_2_5pct.auc_drop <= 0.02  robustness.noise_10pct.auc >= 0.7  robustness.noise_2sd.auc >= 0.6",
    );
    expect(check(custom).diagnostics).toEqual([]);
  });

  it("refuses a suite the block does not run, with did-you-mean", () => {
    const r = check(withRobustness("robustness { noise = [10%] }", "robustness.noise_5pct.auc_drop <= 0.02"));
    expect(codes(r.diagnostics)).toEqual(["MLC1250"]);
    expect(r.diagnostics[0]!.message).toContain("no robustness suite `noise_5pct`");
    expect(r.diagnostics[0]!.hint).toContain("robustness.noise_10pct");
    const off = check(withRobustness("robustness { unseen = false }", "robustness.unseen.error_rate == 0"));
    expect(codes(off.diagnostics)).toEqual(["MLC1250"]);
    const typo = check(withRobustness("robustness { }", "robustness.mising.error_rate == 0"));
    expect(typo.diagnostics[0]!.hint).toContain("robustness.missing");
  });

  it("refuses a measure no suite records for the task, with did-you-mean", () => {
    const r = check(withRobustness("robustness { }", "robustness.missing.error_rat == 0"));
    expect(codes(r.diagnostics)).toEqual(["MLC1250"]);
    expect(r.diagnostics[0]!.hint).toContain("robustness.missing.error_rate");
    const reg = check(
      withRobustness("robustness { }", "robustness.missing.rmse_rise <= 1")
        .replace("classify(churned)", "regress(monthly)")
        .replace("maximize(valid.auc)", "minimize(valid.rmse)")
        .replace("test.auc >= 0.8", "test.rmse <= 1"),
    );
    expect(reg.diagnostics.filter((d) => d.code.startsWith("MLC125"))).toEqual([]);
    const wrong = check(withRobustness("robustness { }", "robustness.missing.rmse_rise <= 1"));
    expect(codes(wrong.diagnostics)).toEqual(["MLC1250"]);
    const bare = check(withRobustness("robustness { }", "robustness.missing <= 1"));
    expect(codes(bare.diagnostics)).toEqual(["MLC1250"]);
  });

  it("refuses robustness metrics of a model without a robustness block", () => {
    const r = check(withRobustness("", "robustness.missing.error_rate == 0"));
    expect(codes(r.diagnostics)).toEqual(["MLC1251"]);
    expect(r.diagnostics[0]!.hint).toContain("robustness { }");
  });

  it("refuses a robustness block on a task the suites do not measure, and a zero noise level", () => {
    const cluster = check(
      withRobustness("robustness { }", "test.auc >= 0.8").replace("classify(churned)", "cluster(k = 3)"),
    );
    expect(cluster.diagnostics.map((d) => d.message).join("\n")).toContain(
      "robustness suites measure a classifier or a regressor",
    );
    const zero = check(withRobustness("robustness { noise = [0%] }", "test.auc >= 0.8"));
    expect(codes(zero.diagnostics)).toEqual(["MLC1130"]);
  });
});
