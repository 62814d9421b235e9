// The checker's view of a rank task's metrics: the names the runtime reports, the popularity
// baseline (`baseline.test.ndcg`) and the catalogue metrics only where `rank(…, item = …)` names items.
import { describe, expect, it } from "vitest";
import { check, codes } from "./check-helpers.js";

const spec = (task: string, gate: string): string => `
source ratings { file = "r.csv"  schema { user = int  item = int  rating = float } }
features pair { from = ratings  u = user  i = item }
split parts { from = pair  method = random  train = 80%  valid = 10%  test = 10% }
model factors {
  task      = ${task}
  data      = parts
  features  = pair.*
  algorithm = matrix_factorization
  params { user_column = "u"  item_column = "i" }
}
gate ok {
  model = factors
  ${gate}
}`;

describe("rank metrics in gates", () => {
  it("accepts every reported name and the baseline with an item column", () => {
    const task = "rank(rating, group = user, k = 5, item = item, relevant = 4)";
    for (const m of ["ndcg", "map", "mrr", "precision_at_k", "recall_at_k", "hit_rate", "coverage"])
      expect(check(spec(task, `test.${m}.lower > 0.1`)).diagnostics, m).toEqual([]);
    expect(check(spec(task, "test.popularity_bias < 2")).diagnostics).toEqual([]);
    expect(check(spec(task, "test.ndcg >= baseline.test.ndcg + 0.02")).diagnostics).toEqual([]);
  });
  it("refuses the catalogue metrics and the baseline without an item column", () => {
    const task = "rank(rating, group = user, k = 5)";
    const cov = check(spec(task, "test.coverage > 0.1"));
    expect(codes(cov.diagnostics)).toEqual(["MLC1117"]);
    expect(cov.diagnostics[0]!.hint).toContain("item = ITEM");
    const base = check(spec(task, "test.ndcg >= baseline.test.ndcg"));
    expect(codes(base.diagnostics)).toEqual(["MLC1117"]);
  });
  it("refuses the old @k spelling and a baseline without a part", () => {
    const task = "rank(rating, group = user, k = 5, item = item)";
    expect(check(spec(task, "baseline.ndcg > 0")).diagnostics.length).toBeGreaterThan(0);
    expect(check(spec(task, "test.hit_rate > baseline.test.nope")).diagnostics.length).toBeGreaterThan(0);
  });
  it("refuses an item column that does not exist", () => {
    expect(
      check(spec("rank(rating, group = user, item = nope)", "test.ndcg > 0")).diagnostics.length,
    ).toBeGreaterThan(0);
  });
});
