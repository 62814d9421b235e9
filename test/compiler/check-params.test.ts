// The model's `params { … }` checked against the algorithm's parameter specs at `mlc validate`:
// unknown names with suggestions, values' types and ranges, and distributions that do not fit.
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/compiler/diagnostic.js";
import { BASE, check } from "./check-helpers.js";

/** BASE with the model's algorithm and params replaced. */
function withParams(params: string, algorithm = "gbdt"): Diagnostic[] {
  const text = BASE.replace(
    "  params { trees = 100  learning_rate = loguniform(0.01, 0.3) }",
    `  algorithm = ${algorithm}\n  params {\n    ${params}\n  }`,
  );
  expect(text).not.toBe(BASE);
  return check(text).diagnostics.filter((d) => /^MLC114[345]$/.test(d.code));
}

describe("model params against the algorithm's specs", () => {
  it("accepts every parameter of the specs with a fitting value or distribution", () => {
    expect(
      withParams(
        "trees = 100  learning_rate = loguniform(0.01, 0.3)  max_depth = int(3, 8)  grow = lossguide",
      ),
    ).toEqual([]);
    expect(withParams('objective = "binary"  boost_from_average = true  colsample = 0.5')).toEqual([]);
    expect(withParams('hidden = "32,16"  activation = tanh  dropout = 0.1', "mlp")).toEqual([]);
    expect(withParams("hidden = 8  epochs = choice([10, 20])", "mlp")).toEqual([]);
    expect(
      withParams("bootstrap = choice([true, false])  max_features = uniform(0.2, 0.8)", "random_forest"),
    ).toEqual([]);
  });

  it("reports `tress` at its name with a did-you-mean", () => {
    const [d, ...rest] = withParams("tress = 50");
    expect(rest).toEqual([]);
    expect(d?.code).toBe("MLC1143");
    expect(d?.message).toBe("gbdt has no parameter `tress`");
    expect(d?.hint).toMatch(/^did you mean `trees`\? gbdt's parameters: trees, learning_rate/);
    expect(d?.span.start.column).toBe(5);
  });

  it("names the mlc parameter for another library's spelling", () => {
    const ds = withParams("n_estimators = 50  colsample_bytree = 0.8  gamma = 1");
    expect(ds.map((d) => d.message)).toEqual([
      "gbdt has no parameter `n_estimators`: that is the XGBoost name of `trees`",
      "gbdt has no parameter `colsample_bytree`: that is the XGBoost name of `colsample`",
      "gbdt has no parameter `gamma`: that is the XGBoost name of `min_split_gain`",
    ]);
    expect(ds[0]?.hint).toBe("write `trees = …`");
    expect(ds[2]?.hint).toBe("write `min_split_gain = …` (min_split_gain = gamma / 2)");
    expect(withParams("feature_fraction = 0.8")[0]?.message).toMatch(/LightGBM name of `colsample`/);
    expect(withParams("max_samples = 128", "isolation_forest")[0]?.message).toMatch(
      /scikit-learn name of `sample_size`/,
    );
  });

  it("reports wrong types and values out of range, absurd literals included", () => {
    const one = (p: string, algorithm?: string) => {
      const ds = withParams(p, algorithm);
      expect(ds).toHaveLength(1);
      expect(ds[0]?.code).toBe("MLC1144");
      return ds[0]!.message;
    };
    expect(one("trees = 100000000000000000000%")).toBe(
      "gbdt parameter `trees` must be an integer in [1, 100000], got a percentage (100000000000000000000%)",
    );
    expect(one("batch_size = -9007199254740993", "mlp")).toMatch(/`batch_size` must be an integer >= 1/);
    expect(one("trees = 1e300")).toMatch(/must be an integer in \[1, 100000\], got 1e\+300/);
    expect(one("learning_rate = 0")).toBe("gbdt parameter `learning_rate` must be a number in (0, 1], got 0");
    expect(one('grow = "sideways"')).toMatch(/must be one of auto, depthwise, lossguide, got "sideways"/);
    expect(one("boost_from_average = 1")).toMatch(/must be true or false, got 1/);
    expect(one("hidden = 0", "mlp")).toMatch(/must be positive integers like "64,32", got 0/);
    expect(one("max_features = [0.5]", "random_forest")).toMatch(/got a list/);
    expect(withParams("subsample = 80%")[0]?.hint).toBe("write a fraction (10% is 0.1); the default is 1");
  });

  it("accepts the bounds of an inclusive range and rejects those of an exclusive one", () => {
    expect(withParams("learning_rate = 1  max_bins = 2  subsample = 1")).toEqual([]);
    expect(withParams("subsample = 0")).toHaveLength(1);
  });

  it("reports distributions that do not fit the parameter", () => {
    const msgs = (p: string, algorithm?: string) =>
      withParams(p, algorithm).map((d) => `${d.code} ${d.message}`);
    expect(msgs("trees = uniform(10, 100)")).toEqual([
      "MLC1145 `uniform(…)` draws real numbers, and gbdt parameter `trees` is an integer",
    ]);
    expect(msgs("max_depth = int(2, 30)")).toEqual([
      "MLC1145 `high` = 30 lies outside the range of gbdt parameter `max_depth` in [0, 24]",
    ]);
    expect(msgs("colsample = uniform(low = 0, high = 0.5)")).toEqual([
      "MLC1145 `low` = 0 lies outside the range of gbdt parameter `colsample` in (0, 1]",
    ]);
    expect(msgs("grow = choice([1, 2])")).toHaveLength(2);
    expect(msgs("activation = uniform(0, 1)", "mlp")).toEqual([
      "MLC1145 `uniform(…)` draws numbers, and mlp parameter `activation` must be one of relu, tanh, sigmoid",
    ]);
    // loguniform(0, …) is reported once, by the distribution's own check.
    const log = check(
      BASE.replace("learning_rate = loguniform(0.01, 0.3)", "learning_rate = loguniform(0, 0.3)"),
    ).diagnostics;
    expect(log.map((d) => d.code)).toEqual(["MLC1130"]);
  });

  it('rejects `path` of an imported model, which onnx("file") sets', () => {
    const [d] = withParams('path = "x.onnx"', 'onnx("m.onnx")');
    expect(d?.message).toBe('`path` of onnx is set by `onnx("file")`, not in `params`');
  });

  it("leaves an unknown algorithm to the attribute's own check", () => {
    expect(withParams("tress = 50", "gbtd")).toEqual([]);
  });
});
