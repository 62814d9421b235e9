// The split shares rule is one function for both halves: the checker and the executor agree.
import { describe, expect, it } from "vitest";
import { resolveShares, sharesOfConfig, splitResultOf } from "../../src/kinds/split/config.js";
import { check, codes } from "../compiler/check-helpers.js";

const spec = (shares: string) => `
source s {
  file = "s.csv"
  schema { x = int  y = bool }
}
split p {
  from = s
  ${shares}
}`;

describe("split shares", () => {
  it("defaults to 70/15/15, a missing share is 0%, and the given ones add up to 100%", () => {
    expect(resolveShares({})).toEqual({ shares: { train: 0.7, valid: 0.15, test: 0.15 } });
    expect(resolveShares({ train: 80, test: 20 })).toEqual({ shares: { train: 0.8, valid: 0, test: 0.2 } });
    expect(resolveShares({ train: 70, test: 20 })).toEqual({ total: 90 });
  });

  it("the checker and the executor apply the same rule", () => {
    for (const [text, config, ok] of [
      ["train = 80%  test = 20%", { train: { $percent: 80 }, test: { $percent: 20 } }, true],
      ["train = 70%  test = 20%", { train: { $percent: 70 }, test: { $percent: 20 } }, false],
      ["", {}, true],
    ] as const) {
      expect(codes(check(spec(text)).diagnostics), text).toEqual(ok ? [] : ["MLC1111"]);
      if (ok) expect(() => sharesOfConfig(config)).not.toThrow();
      else expect(() => sharesOfConfig(config)).toThrow("split shares add up to 90%, not 100%");
    }
  });

  it("the executor takes percentages only, as the language does", () => {
    expect(() => sharesOfConfig({ train: 0.7, valid: 0.15, test: 0.15 })).toThrow(
      "split: `train` must be a percentage such as 70%",
    );
  });

  it("gives the model each part's table", () => {
    expect(splitResultOf({ artifacts: { train: "a", valid: "b", test: "c" } })).toEqual({
      train: "a",
      valid: "b",
      test: "c",
    });
  });
});
