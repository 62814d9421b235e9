// The checks of ensemble models (`stack(…)`, `vote(…)`) at validate: each refusal with its code,
// position and hint, and the graph edges from an ensemble to its members.
import { describe, expect, it } from "vitest";
import { BASE, check, codes } from "../compiler/check-helpers.js";
import { lower } from "../../src/compiler/lower.js";

const MEMBERS = `
model lin {
  task     = classify(churned)
  data     = holdout
  features = [usage.spend_ratio, usage.tenure_bucket]
  algorithm = logistic
}
model trees {
  task     = classify(churned)
  data     = holdout
  features = usage.*
}
`;

const spec = (ensemble: string, more = ""): string => `${BASE}${MEMBERS}${more}
model blend {
  task     = classify(churned)
  data     = holdout
  features = usage.*
  ${ensemble}
}
`;

const errorsOf = (text: string) => check(text).diagnostics.filter((d) => d.severity === "error");

describe("ensemble language", () => {
  it("accepts a stack and a vote of two members of the same task, split and features", () => {
    expect(errorsOf(spec("algorithm = stack([lin, trees], meta = logistic, folds = 3)"))).toEqual([]);
    expect(errorsOf(spec("algorithm = vote([lin, trees], weights = [1, 3])"))).toEqual([]);
    expect(errorsOf(spec("algorithm = vote([lin, trees])"))).toEqual([]);
  });

  it("lowers the members to graph edges: the ensemble retrains when a member changes", () => {
    const r = check(spec("algorithm = stack([lin, trees])"));
    const node = lower(r.value).nodes.find((n) => n.id === "model.blend")!;
    expect(node.inputs.map((i) => i.node)).toEqual(
      expect.arrayContaining(["model.lin", "model.trees", "split.holdout", "features.usage"]),
    );
  });

  it("refuses an unknown member, a member that is not a model and a cycle (generic checks)", () => {
    expect(codes(errorsOf(spec("algorithm = vote([lin, nope])")))).toEqual(["MLC1105"]);
    expect(codes(errorsOf(spec("algorithm = vote([lin, holdout])")))).toEqual(["MLC1106"]);
    expect(codes(errorsOf(spec("algorithm = vote([lin, blend])")))).toContain("MLC1108");
    const cycle = errorsOf(
      spec(
        "algorithm = vote([lin, other])",
        `model other {
  task = classify(churned)
  data = holdout
  features = usage.*
  algorithm = vote([lin, blend])
}`,
      ),
    );
    expect(codes(cycle)).toContain("MLC1108");
  });

  it("refuses a member of another task or label (MLC1230)", () => {
    const d = errorsOf(
      spec(
        "algorithm = vote([lin, reg])",
        `model reg {
  task = regress(monthly)
  data = holdout
  features = [usage.tenure_bucket]
}`,
      ),
    );
    expect(codes(d)).toEqual(["MLC1230"]);
    expect(d[0]!.message).toMatch(
      /member `reg` does regress\(monthly\), and the ensemble `blend` does classify\(churned\)/,
    );
    expect(d[0]!.hint).toMatch(/own task and label/);
    expect(d[0]!.span.start.line).toBeGreaterThan(1);
  });

  it("refuses a member on a split that deals rows differently (MLC1231), accepts an identical one", () => {
    const other = (
      train: string,
    ) => `split other { from = usage  method = stratified(churned)  train = ${train}  valid = 15%  test = 15% }
model side {
  task = classify(churned)
  data = other
  features = usage.*
}`;
    const d = errorsOf(
      spec("algorithm = vote([lin, side])", other("60%").replace("valid = 15%", "valid = 25%")),
    );
    expect(codes(d)).toEqual(["MLC1231"]);
    expect(d[0]!.hint).toMatch(/use `data = holdout` in `side`/);
    expect(errorsOf(spec("algorithm = vote([lin, side])", other("70%")))).toEqual([]);
  });

  it("refuses a member that is itself an ensemble or is calibrated (MLC1232)", () => {
    const nested = errorsOf(
      spec(
        "algorithm = vote([lin, inner])",
        `model inner {
  task = classify(churned)
  data = holdout
  features = usage.*
  algorithm = vote([lin, trees])
}`,
      ),
    );
    expect(codes(nested)).toEqual(["MLC1232"]);
    expect(nested[0]!.message).toMatch(/`inner` is itself an ensemble/);
    const calibrated = errorsOf(
      spec(
        "algorithm = stack([lin, cal])",
        `model cal {
  task = classify(churned)
  data = holdout
  features = usage.*
  calibrate = isotonic
}`,
      ),
    );
    expect(codes(calibrated)).toEqual(["MLC1232"]);
    expect(calibrated[0]!.hint).toMatch(/remove `calibrate` from `cal`/);
  });

  it("refuses weights of the wrong count, negative or all zero", () => {
    const count = errorsOf(spec("algorithm = vote([lin, trees], weights = [1, 2, 3])"));
    expect(codes(count)).toEqual(["MLC1233"]);
    expect(count[0]!.message).toBe("3 weights for 2 members");
    expect(codes(errorsOf(spec("algorithm = vote([lin, trees], weights = [0, 0])")))).toEqual(["MLC1233"]);
    expect(codes(errorsOf(spec("algorithm = vote([lin, trees], weights = [1, -1])")))).toEqual(["MLC1130"]);
  });

  it("refuses an ensemble of a task vote and stack do not suit (MLC1234)", () => {
    const text = `${BASE}
model a { task = detect_anomalies()  data = holdout  features = usage.*  algorithm = isolation_forest }
model b { task = detect_anomalies()  data = holdout  features = usage.*  algorithm = isolation_forest }
model both { task = detect_anomalies()  data = holdout  features = usage.*  algorithm = vote([a, b]) }
`;
    const d = errorsOf(text);
    expect(codes(d)).toEqual(["MLC1234"]);
    expect(d[0]!.message).toMatch(
      /combines classifiers or regressors, and model `both` does detect_anomalies/,
    );
  });

  it("refuses an unknown meta learner and one that does not suit the task (MLC1235)", () => {
    expect(codes(errorsOf(spec("algorithm = stack([lin, trees], meta = forest)")))).toEqual(["MLC1130"]);
    const d = errorsOf(spec("algorithm = stack([lin, trees], meta = linear)"));
    expect(codes(d)).toEqual(["MLC1235"]);
    expect(d[0]!.hint).toBe("use `meta = logistic`");
  });

  it("refuses the members' settings on the ensemble (MLC1236)", () => {
    const d = errorsOf(spec("algorithm = vote([lin, trees])\n  calibrate = platt\n  params { trees = 3 }"));
    expect(codes(d)).toContain("MLC1236");
    expect(d.filter((x) => x.code === "MLC1236").map((x) => x.message)).toEqual([
      "`calibrate` has no meaning for a voting ensemble (`blend`)",
      "`params` has no meaning for a voting ensemble (`blend`)",
    ]);
  });

  it("refuses a warm start and checkpoints on the ensemble (MLC1236): it is refitted from its members", () => {
    const d = errorsOf(spec("algorithm = vote([lin, trees])\n  init = champion\n  checkpoint { every = 5 }"));
    expect(d.filter((x) => x.code === "MLC1236").map((x) => x.message)).toEqual([
      "`init` has no meaning for a voting ensemble (`blend`)",
      "`checkpoint` has no meaning for a voting ensemble (`blend`)",
    ]);
  });

  it("refuses a member reading features the ensemble does not hold (MLC1237) and a member named twice (MLC1238)", () => {
    const narrow = errorsOf(
      spec("algorithm = vote([lin, trees])").replace(
        "features = usage.*\n  algorithm = vote",
        "features = [usage.spend_ratio]\n  algorithm = vote",
      ),
    );
    expect(codes(narrow)).toEqual(["MLC1237", "MLC1237"]);
    expect(narrow[0]!.message).toMatch(/member `lin` reads usage.tenure_bucket/);
    const twice = errorsOf(spec("algorithm = vote([lin, lin])"));
    expect(codes(twice)).toEqual(["MLC1238"]);
    expect(twice[0]!.related?.[0]?.message).toBe("first named here");
  });
});
