import { describe, expect, it } from "vitest";
import {
  allBuiltins,
  builtinsOf,
  familiesOf,
  lookupBuiltin,
  lookupMetric,
  metricsOfTask,
  registerBuiltin,
} from "../../src/compiler/builtins/index.js";
import "../../src/compiler/schema/index.js";
import { t } from "../../src/compiler/schema/type-builders.js";
import { check, codes } from "./check-helpers.js";

const names = (fam: Parameters<typeof builtinsOf>[0]) => builtinsOf(fam).map((b) => b.name);

describe("built-in registry", () => {
  it("has the feature transforms of the language", () => {
    for (const n of [
      "ordinal",
      "if",
      "log",
      "log1p",
      "sqrt",
      "abs",
      "clip",
      "coalesce",
      "lower",
      "length",
      "contains",
      "hash_bucket",
      "hour",
      "dayofweek",
      "month",
      "days_between",
      "bucketize",
      "onehot",
      "standardize",
      "minmax",
      "impute",
    ]) {
      expect(lookupBuiltin(n, ["transform"]), n).toBeDefined();
    }
    expect(names("window")).toEqual(["count", "max", "mean", "min", "sum"]);
    expect(names("distribution")).toEqual(["choice", "int", "loguniform", "uniform"]);
    expect(names("split")).toEqual([
      "column",
      "group",
      "kfold",
      "leave_last",
      "random",
      "stratified",
      "temporal",
    ]);
    expect(names("task")).toEqual(["classify", "detect_anomalies", "rank", "regress"]);
  });

  it("marks fitted transforms and what the serving path can compute", () => {
    expect(
      ["onehot", "standardize", "minmax", "impute"].every((n) => lookupBuiltin(n, ["transform"])!.fitted),
    ).toBe(true);
    expect(lookupBuiltin("log", ["transform"])!.fitted).toBeUndefined();
    expect(lookupBuiltin("bucketize", ["transform"])!.serving).toBe("onnx");
    expect(lookupBuiltin("sum", ["window"])!.serving).toBe("lookup");
  });

  it("keeps names unique per family, not across families", () => {
    expect(familiesOf("random")).toEqual(["split", "tuner"]);
    expect(familiesOf("mean")).toEqual(["window", "expectation"]);
    expect(() =>
      registerBuiltin({ family: "transform", name: "log", doc: "x", params: [], returns: "number" }),
    ).toThrow(/registered twice/);
    const seen = new Set<string>();
    for (const b of allBuiltins()) {
      const key = `${b.family}/${b.name}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
  });

  it("knows which tasks produce which metrics", () => {
    expect(metricsOfTask("classify").map((m) => m.name)).toEqual([
      "accuracy",
      "auc",
      "brier",
      "cost",
      "ece",
      "f1",
      "f1_macro",
      "f1_micro",
      "logloss",
      "pr_auc",
      "precision",
      "precision_macro",
      "profit",
      "recall",
      "recall_macro",
    ]);
    expect(metricsOfTask("regress").map((m) => m.name)).toEqual(["mae", "mape", "r2", "rmse"]);
    expect(lookupMetric("logloss")!.direction).toBe("minimize");
    expect(lookupMetric("ndcg")!.tasks).toEqual(["rank"]);
  });

  it("checks arguments beyond types: ordered edges and ranges", () => {
    const src = `source s { file = "s.csv"  schema { x = float  y = float } }\n`;
    expect(codes(check(`${src}features f { from = s  b = bucketize(x, [1, 5, 3]) }`).diagnostics)).toEqual([
      "MLC1130",
    ]);
    expect(codes(check(`${src}features f { from = s  c = clip(x, low = 5, high = 1) }`).diagnostics)).toEqual(
      ["MLC1130"],
    );
    expect(codes(check(`${src}features f { from = s  i = impute(x, method = const) }`).diagnostics)).toEqual([
      "MLC1130",
    ]);
    expect(
      check(`${src}features f { from = s  i = impute(x, method = const, value = 0)  j = coalesce(x, y, 0) }`)
        .diagnostics,
    ).toEqual([]);
  });

  it("types a call's result from its signature", () => {
    const src = `source s { file = "s.csv"  schema { x = float  name = string  ts = timestamp } }\n`;
    expect(
      check(
        `${src}features f { from = s  a = length(lower(name)) + hour(ts)  b = if(contains(name, "a"), x, 0) * 2 }`,
      ).diagnostics,
    ).toEqual([]);
    expect(codes(check(`${src}features f { from = s  a = lower(name) * 2 }`).diagnostics)).toEqual([
      "MLC1104",
    ]);
    expect(codes(check(`${src}features f { from = s  a = onehot(name) + 1 }`).diagnostics)).toEqual([
      "MLC1104",
    ]);
  });
});

describe("onehot's unseen policy is checked at validate", () => {
  const src = `source s { file = "s.csv"  schema { x = float  name = category } }\n`;
  it("accepts other, error and ignore", () => {
    for (const p of ["other", "error", "ignore"])
      for (const fn of ["onehot", "ordinal"])
        expect(check(`${src}features f { from = s  a = ${fn}(name, unseen = ${p}) }`).diagnostics).toEqual(
          [],
        );
  });
  it("refuses another value, and `error` over an expression", () => {
    const bad = check(`${src}features f { from = s  a = onehot(name, unseen = drop) }`).diagnostics;
    expect(bad).toHaveLength(1);
    expect(bad[0]!.message).toMatch(/other|error|ignore/);
    const expr = check(`${src}features f { from = s  a = onehot(lower(name), unseen = error) }`).diagnostics;
    expect(expr.map((d) => d.message)).toEqual([expect.stringMatching(/needs a column as its argument/)]);
    const feature = check(
      `${src}features f { from = s  n = lower(name)  a = onehot(n, unseen = error) }`,
    ).diagnostics;
    expect(feature.map((d) => d.message)).toEqual([expect.stringMatching(/needs a column as its argument/)]);
  });
});

describe("a new built-in is one registration", () => {
  registerBuiltin({
    family: "transform",
    name: "signum",
    doc: "A test transform: -1, 0 or 1.",
    params: [{ name: "x", type: t.expr("number"), required: true, doc: "the input" }],
    returns: "number",
    serving: "onnx",
  });

  it("is listed by builtinsOf even after the list was read (the sorted lists are kept), and each list is the caller's", () => {
    const before = builtinsOf("transform");
    before.length = 0;
    expect(names("transform")).toContain("signum");
    registerBuiltin({
      family: "transform",
      name: "aaa_signum",
      doc: "A test transform registered after the list was read.",
      params: [{ name: "x", type: t.expr("number"), required: true, doc: "the input" }],
      returns: "number",
      serving: "onnx",
    });
    expect(names("transform")[0]).toBe("aaa_signum");
  });

  it("is callable in features and checked like the others", () => {
    const src = `source s { file = "s.csv"  schema { x = float  n = string } }\n`;
    expect(check(`${src}features f { from = s  a = signum(x) }`).diagnostics).toEqual([]);
    expect(codes(check(`${src}features f { from = s  a = signum(n)  b = signum() }`).diagnostics)).toEqual([
      "MLC1114",
      "MLC1113",
    ]);
  });
});
