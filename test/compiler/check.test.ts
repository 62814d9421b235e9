import { describe, expect, it } from "vitest";
import { BASE, check, codes } from "./check-helpers.js";

const deps = (r: ReturnType<typeof check>, name: string) =>
  r.value.byName.get(name)!.dependencies.map((d) => ({ target: d.target, members: d.members, via: d.via }));

describe("checkProject on a valid project", () => {
  it("reports nothing for the base project", () => {
    expect(check(BASE).diagnostics).toEqual([]);
  });

  it("lists a features block's dependency on its source with the columns it uses", () => {
    const r = check(`
source customers { file = "c.csv"  schema { tenure = int  monthly = float  other = int } }
features usage { from = customers  ratio = monthly / (tenure + 1) }`);
    expect(r.diagnostics).toEqual([]);
    expect(deps(r, "usage")).toEqual([{ target: "customers", members: ["monthly", "tenure"], via: "from" }]);
  });

  it("records `usage.*` as a dependency on every feature and a label as a source column", () => {
    const r = check(BASE);
    expect(deps(r, "churn")).toEqual([
      { target: "customers", members: ["churned"], via: "task" },
      { target: "holdout", members: "*", via: "data" },
      { target: "usage", members: "*", via: "features" },
    ]);
    expect(deps(r, "ship")).toEqual([{ target: "churn", members: ["test.auc"], via: "model" }]);
  });

  it("lists named features of a model as members", () => {
    const r = check(BASE.replace("features = usage.*", "features = [usage.spend_ratio, usage.plan_code]"));
    expect(r.diagnostics).toEqual([]);
    expect(deps(r, "churn").find((d) => d.target === "usage")?.members).toEqual(["plan_code", "spend_ratio"]);
  });

  it("applies defaults to attributes that were not written", () => {
    const r = check(BASE);
    const model = r.value.byName.get("churn")!;
    const algo = model.attributes.get("algorithm");
    expect(algo?.type === "ref" && algo.path).toEqual(["gbdt"]);
    expect(model.nested.get("params")?.length).toBe(1);
    expect(r.value.byName.get("ship")!.assertions).toHaveLength(1);
  });

  it("accepts any column of a source without a declared schema", () => {
    const r = check(`
source events { file = "e.csv" }
features f { from = events  x = log1p(amount) }`);
    expect(r.diagnostics).toEqual([]);
    expect(deps(r, "f")).toEqual([{ target: "events", members: ["amount"], via: "from" }]);
  });

  it("lets a feature redefine an input column from itself without a cycle", () => {
    const r = check(`
source s { file = "s.csv"  schema { monthly = float } }
features f { from = s  monthly = log1p(monthly) }`);
    expect(r.diagnostics).toEqual([]);
  });
});

describe("checkProject diagnostics", () => {
  it("reports an unknown column with a did-you-mean hint", () => {
    const r = check(BASE.replace("monthly / (tenure + 1)", "montly / (tenure + 1)"));
    expect(codes(r.diagnostics)).toEqual(["MLC1115"]);
    expect(r.diagnostics[0]!.hint).toBe("did you mean `monthly`?");
    expect(r.diagnostics[0]!.span.start).toMatchObject({ line: 8 });
  });

  it("reports label leakage for a feature computed from the label, through another feature", () => {
    const r = check(
      BASE.replace(
        "plan_code     = onehot(plan)",
        "plan_code     = onehot(plan)\n  flag = if(churned, 1, 0)\n  flag2 = flag * 2",
      ),
    );
    const leaks = r.diagnostics.filter((d) => d.code === "MLC1116");
    expect(leaks.map((d) => d.message)).toEqual([
      expect.stringContaining("`usage.flag` is computed from the label `churned`"),
      expect.stringContaining("`usage.flag2` is computed from the label `churned`"),
    ]);
    expect(leaks[0]!.related?.[0]?.span.start.line).toBe(11);
  });

  it("does not call a window aggregation of the label leakage: it reads only earlier rows", () => {
    const spec = `source ev { file = "e.csv"  timestamp = ts  schema { station = string  riders = float  ts = timestamp } }
features lags { from = ev  riders_7d = mean(riders, over = 7d, by = station)  same_day = riders * 2 }
split parts { from = lags  method = temporal(ts)  train = 70%  valid = 15%  test = 15% }
model m { task = regress(riders)  data = parts  features = [lags.riders_7d] }
model leaky { task = regress(riders)  data = parts  features = [lags.same_day] }`;
    const leaks = check(spec).diagnostics.filter((d) => d.code === "MLC1116");
    expect(leaks.map((d) => d.message)).toEqual([
      expect.stringContaining("`lags.same_day` is computed from the label `riders`"),
    ]);
  });

  it("reports leakage for exactly the features computed from a regression label", () => {
    const r = check(
      BASE.replace("task     = classify(churned)", "task     = regress(tenure)")
        .replace("maximize(valid.auc)", "minimize(valid.rmse)")
        .replace("test.auc >= 0.8", "test.rmse <= 3"),
    );
    // spend_ratio and tenure_bucket come from the label tenure; plan_code does not
    expect(r.diagnostics.map((d) => d.message.split(" ")[1])).toEqual([
      "`usage.spend_ratio`",
      "`usage.tenure_bucket`",
    ]);
  });

  it("rejects a metric the task does not produce, at the metric", () => {
    const r = check(BASE.replace("test.auc >= 0.8", "test.rmse <= 0.8"));
    expect(codes(r.diagnostics)).toEqual(["MLC1117"]);
    expect(r.diagnostics[0]!.hint).toContain("classify produces");
  });

  it("checks metric paths: intervals, champion, latency; rejects unknown ones with hints", () => {
    const ok = check(
      BASE.replace(
        "test.auc >= 0.8",
        "test.auc.lower >= 0.8\n  test.auc >= champion.test.auc - 0.005\n  latency.p99 <= 5ms\n  parity(test, by = plan) <= 0.1\n  significant(test.auc > champion.test.auc, p = 0.05)",
      ),
    );
    expect(ok.diagnostics).toEqual([]);
    const bad = check(
      BASE.replace(
        "test.auc >= 0.8",
        "test.acu >= 0.8\n  tset.auc >= 1\n  test.auc.middle > 0\n  latency.p98 < 5ms",
      ),
    );
    expect(codes(bad.diagnostics)).toEqual(["MLC1125", "MLC1105", "MLC1105", "MLC1105"]);
    expect(bad.diagnostics[0]!.hint).toBe("did you mean `test.auc`?");
    expect(bad.diagnostics[1]!.hint).toBe("did you mean `test`?");
  });

  it("reports a window aggregation without a timestamp, and accepts one with `at` or a source timestamp", () => {
    const src = `source ev { file = "e.csv"  schema { user = string  amount = float  ts = timestamp } }\n`;
    expect(
      codes(check(src + "features f { from = ev  s7 = sum(amount, over = 7d, by = user) }").diagnostics),
    ).toEqual(["MLC1118"]);
    expect(
      check(src + "features f { from = ev  s7 = sum(amount, over = 7d, by = user, at = ts) }").diagnostics,
    ).toEqual([]);
    expect(
      check(
        src.replace('"e.csv"', '"e.csv"  timestamp = ts') +
          "features f { from = ev  c = count(over = 30d, by = user) }",
      ).diagnostics,
    ).toEqual([]);
  });

  it("names a dependency cycle between blocks", () => {
    const r = check(`
features a { from = b  x = 1 }
features b { from = a  y = 2 }`);
    const cyc = r.diagnostics.filter((d) => d.code === "MLC1108");
    expect(cyc.map((d) => d.message)).toEqual(["dependency cycle: a → b → a"]);
  });

  it("names a block that reads from itself as a dependency cycle", () => {
    const r = check(`features f { from = f  x = 1 }`);
    const cyc = r.diagnostics.filter((d) => d.code === "MLC1108");
    expect(cyc.map((d) => d.message)).toEqual(["dependency cycle: f → f"]);
    expect(cyc[0]!.span.start).toMatchObject({ line: 1, column: 21 });
  });

  it("names a dependency cycle between features", () => {
    const r = check(`source s { file = "s.csv" }\nfeatures f { from = s  a = b + 1  b = a * 2 }`);
    expect(r.diagnostics.map((d) => d.message)).toEqual(["dependency cycle: f.a → f.b → f.a"]);
  });

  it("rejects split shares that do not add up to 100%", () => {
    const r = check(BASE.replace("test = 15%", "test = 10%"));
    expect(codes(r.diagnostics)).toEqual(["MLC1111"]);
    expect(r.diagnostics[0]!.message).toContain("95%");
  });

  it("rejects a search-space function outside params", () => {
    const r = check(BASE.replace("plan_code     = onehot(plan)", "plan_code     = uniform(0, 1)"));
    expect(codes(r.diagnostics)).toEqual(["MLC1109"]);
    const r2 = check(BASE.replace("tune { trials = 5", "tune { trials = int(1, 5)"));
    expect(codes(r2.diagnostics)).toEqual(["MLC1109"]);
  });

  it("rejects an assertion that is not boolean", () => {
    const r = check(BASE.replace("test.auc >= 0.8", "test.auc + 1"));
    expect(codes(r.diagnostics)).toEqual(["MLC1110"]);
  });

  it("reports missing, unknown and duplicate attributes with hints", () => {
    const r = check(
      BASE.replace("data     = holdout", "dta = holdout")
        .replace("algorithm", "x")
        .replace("trials = 5", "trials = 5  trials = 6"),
    );
    expect(codes(r.diagnostics)).toEqual(["MLC1103", "MLC1102", "MLC1120"]);
    expect(r.diagnostics[1]!.hint).toBe("did you mean `data`?");
  });

  it("reports wrong types and references to blocks of the wrong kind", () => {
    const r = check(
      BASE.replace("data     = holdout", "data     = usage").replace("port = 8080", 'port = "8080"'),
    );
    expect(codes(r.diagnostics)).toEqual(["MLC1106", "MLC1114"]);
    expect(r.diagnostics[0]!.related?.[0]?.span.start.line).toBe(6);
  });

  it("reports unknown functions, arity and misplaced built-ins", () => {
    const r = check(
      BASE.replace(
        "plan_code     = onehot(plan)",
        "plan_code = onehto(plan)\n  a = log(tenure, 2)\n  b = nulls(tenure)\n  c = bucketize(tenure)\n  d = onehot(plan, tpo = 3)",
      ),
    );
    expect(codes(r.diagnostics)).toEqual(["MLC1112", "MLC1113", "MLC1124", "MLC1113", "MLC1123"]);
    expect(r.diagnostics[0]!.hint).toBe("did you mean `onehot`?");
  });

  it("reports an unknown block kind and an unknown feature with hints", () => {
    const r = check(
      BASE.replace("features = usage.*", "features = [usage.spend_ration]") + "\nmodle m { }\n",
    );
    expect(codes(r.diagnostics)).toEqual(["MLC1127", "MLC1101"]);
    expect(r.diagnostics.map((d) => d.hint)).toEqual([
      "did you mean `usage.spend_ratio`?",
      "did you mean `model`?",
    ]);
  });

  it("reports type errors inside expressions", () => {
    const r = check(
      BASE.replace(
        "spend_ratio   = monthly / (tenure + 1)",
        'spend_ratio   = monthly / (plan + 1)\n  t = standardize(plan)\n  u = lower(tenure) == "x"',
      ),
    );
    expect(codes(r.diagnostics)).toEqual(["MLC1104", "MLC1114", "MLC1114"]);
  });

  it("warns about a deployment without a gate but does not fail", () => {
    const r = check(BASE.replace("when = ship  ", ""));
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([["MLC1129", "warning"]]);
  });

  it("rejects a deployed model whose features cannot be computed when serving", () => {
    const r = check(BASE.replace("plan_code     = onehot(plan)", "plan_code     = hash_bucket(plan, 16)"));
    expect(codes(r.diagnostics)).toEqual(["MLC1133"]);
  });

  it("checks the log of a deployment: its sink, retention, a password-free URL, and excluded fields the model reads", () => {
    const deploy = (log: string) =>
      check(BASE.replace("serve = rest { port = 8080 } }", `serve = rest { port = 8080 }\n  log = ${log} }`));
    expect(
      deploy('postgres { url = env("MLC_LOG_URL")  retention = 30d  exclude = ["monthly", "tenure"] }')
        .diagnostics,
    ).toEqual([]);
    expect(deploy('redis { url = env("U")  prefix = "p" }').diagnostics).toEqual([]);
    expect(deploy("files { retention = 7d }").diagnostics).toEqual([]);
    const unknown = deploy('files { exclude = ["montly", "ssn"] }').diagnostics;
    expect(codes(unknown)).toEqual(["MLC1115", "MLC1115"]);
    expect(unknown[0]!.message).toContain("cannot exclude `montly`");
    expect(unknown[0]!.hint).toContain("monthly");
    expect(codes(deploy('postgres { url = "postgres://u:secret@db/x" }').diagnostics)).toEqual(["MLC1130"]);
    expect(codes(deploy("files { retention = 3 }").diagnostics)).toEqual(["MLC1114"]);
    expect(codes(deploy("kafka").diagnostics)).toEqual(["MLC1112"]);
  });

  it("rejects source paths that leave the project unless allowed", () => {
    expect(codes(check(BASE.replace('"data/c.csv"', '"../c.csv"')).diagnostics)).toEqual(["MLC1132"]);
    expect(
      check(`project { allow_outside_paths = true }\n${BASE.replace('"data/c.csv"', '"../c.csv"')}`)
        .diagnostics,
    ).toEqual([]);
  });

  it("checks bare-name calls and enums: `method = tpe`, `algorithm = gdbt`, `calibrate = isotnic`", () => {
    const r = check(
      BASE.replace(
        "tune { trials = 5",
        "calibrate = isotnic\n  algorithm = gdbt\n  tune { method = tpe  trials = 5",
      ),
    );
    expect(codes(r.diagnostics)).toEqual(["MLC1130", "MLC1112"]);
    expect(r.diagnostics.map((d) => d.hint)).toEqual(["did you mean `isotonic`?", "did you mean `gbdt`?"]);
  });

  it("reports every mistake of a file in one run, sorted by position", () => {
    const r = check(
      BASE.replace("montly", "x")
        .replace("monthly /", "montly /")
        .replace("test = 15%", "test = 5%")
        .replace("test.auc >= 0.8", "test.mae <= 1"),
    );
    expect(codes(r.diagnostics)).toEqual(["MLC1115", "MLC1111", "MLC1117"]);
    const lines = r.diagnostics.map((d) => d.span.start.line);
    expect([...lines].sort((a, b) => a - b)).toEqual(lines);
  });

  it("suggests a percentage for a fraction where a share is expected", () => {
    const r = check(BASE.replace("train = 70%", "train = 0.7"));
    expect(r.diagnostics.map((d) => [d.code, d.hint])).toEqual([["MLC1104", "write `70%`"]]);
  });

  it("accepts a monitor, and names the check that replaced an old drift call", () => {
    const r = check(`${BASE}monitor watch { deployment = api  psi(usage.*) < 0.2 }`);
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["MLC1112", "unknown monitor check `psi`"],
    ]);
  });
});
