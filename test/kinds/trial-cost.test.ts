import { describe, expect, it } from "vitest";
import { expectedTrialCost } from "../../src/kinds/model/trial-cost.js";

describe("a tuning trial's expected fit cost (the order a parallel random search starts trials in)", () => {
  it("grows with trees and depth, and stops deepening where min_child_weight stops the trees", () => {
    const rows = 3000;
    const cost = (p: Record<string, number>) => expectedTrialCost({ trees: 200, subsample: 1, ...p }, rows);
    expect(cost({ max_depth: 8 })).toBeGreaterThan(cost({ max_depth: 4 }));
    expect(expectedTrialCost({ trees: 400, max_depth: 4 }, rows)).toBe(2 * cost({ max_depth: 4 }));
    // deep but with heavy leaves: rows × 0.25 / 40 ≈ 19 leaves, so ~4 levels, not 10
    expect(cost({ max_depth: 10, min_child_weight: 40 })).toBeLessThan(
      cost({ max_depth: 6, min_child_weight: 1 }),
    );
    expect(cost({ max_depth: 10, min_child_weight: 40, subsample: 0.5 })).toBeLessThan(
      cost({ max_depth: 10, min_child_weight: 40 }),
    );
    // unbounded depth: log2 of max_leaves
    expect(cost({ max_depth: 0, max_leaves: 64 })).toBe(cost({ max_depth: 6 }));
  });

  it("counts a parameter a trial does not set the same for every trial (index order kept)", () => {
    expect(expectedTrialCost({ learning_rate: 0.1 }, 100)).toBe(
      expectedTrialCost({ learning_rate: 0.3 }, 100),
    );
    expect(Number.isFinite(expectedTrialCost({ trees: "many" }, 100))).toBe(true);
  });
});
