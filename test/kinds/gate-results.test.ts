// A gate's results as the registry stores them and `mlc report` reads them back.
import { describe, expect, it } from "vitest";
import { decodeGateResults, encodeGateResults, type AssertionResult } from "../../src/kinds/gate/results.js";

describe("gate results", () => {
  it("round-trip, an undefined rate (NaN, stored as null) reading back as NaN", () => {
    const results: AssertionResult[] = [
      { text: "test.auc >= 0.8", passed: true, values: { "test.auc": 0.91 } },
      {
        text: "parity(test, by = plan) <= 0.1",
        passed: false,
        values: { "parity.test.plan": 0.2 },
        note: "largest gap",
        fairness: [
          {
            split: "test",
            by: "plan",
            report: {
              threshold: 0.5,
              groups: [
                {
                  group: "a",
                  n: 10,
                  positives: 0,
                  selectionRate: 0.1,
                  tpr: NaN,
                  fpr: 0.1,
                  metrics: { auc: NaN },
                },
              ],
              demographicParityDifference: 0.2,
              equalOpportunityDifference: NaN,
              equalizedOddsDifference: 0.1,
              disparateImpactRatio: 0.5,
            },
          },
        ],
      },
    ];
    const stored = encodeGateResults(results);
    expect(JSON.stringify(stored)).toContain('"tpr":null');
    expect(decodeGateResults(stored)).toEqual(results);
  });

  it("reads nothing from what is not a list of results", () => {
    expect(decodeGateResults(undefined)).toEqual([]);
    expect(decodeGateResults([{ text: 1 }, "x"])).toEqual([]);
  });
});
