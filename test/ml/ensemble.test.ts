// Ensembles in src/ml/ensemble/: stacking's out-of-fold fits, vote and stack predictions, the one
// composed ONNX graph (onnxruntime agrees with the JS scorer within the learners' parity tolerance)
// for classify and regress, stack and vote, and the serialised bytes.
import { describe, expect, it } from "vitest";
import type { Dataset, Estimator, Task, TrainedModel } from "../../src/ml/estimator.js";
import { loadEstimator } from "../../src/ml/algorithms.js";
import { takeRows } from "../../src/ml/matrix.js";
import {
  deserializeEnsemble,
  EnsembleModel,
  memberMatrix,
  type Combination,
} from "../../src/ml/ensemble/ensemble-model.js";
import {
  fitMeta,
  outOfFoldPredictions,
  stackFolds,
  type StackMember,
} from "../../src/ml/ensemble/stack-fit.js";
import { decodeModel } from "../../src/onnx/builder.js";
import { modelToOnnxBytes } from "../../src/ml/standalone-onnx.js";
import { expectOnnxParity, labelled, splitRows } from "./learner-datasets.js";

interface Case {
  task: Task;
  train: Dataset;
  test: Dataset;
  members: { name: string; algorithm: string; params: Record<string, number>; columns: number[] }[];
  meta: string;
}

const iris = labelled("sklearn_iris.csv", "species");
const [irisTrain, irisTest] = splitRows(iris, 4);
const boston = labelled("BostonHousing.csv", "medv");
const [bostonTrain, bostonTest] = splitRows(boston, 5);
// a binary task from iris: virginica or not
const binary = (d: Dataset): Dataset => ({ X: d.X, y: Float64Array.from(d.y!, (v) => (v === 2 ? 1 : 0)) });

const CASES: Record<string, Case> = {
  binary: {
    task: { kind: "binary", classes: ["other", "virginica"] },
    train: binary(irisTrain),
    test: binary(irisTest),
    members: [
      { name: "lin", algorithm: "logistic", params: {}, columns: [0, 2] },
      { name: "trees", algorithm: "random_forest", params: { trees: 10 }, columns: [0, 1, 2, 3] },
    ],
    meta: "logistic",
  },
  multiclass: {
    task: { kind: "multiclass", classes: iris.classes },
    train: irisTrain,
    test: irisTest,
    members: [
      { name: "lin", algorithm: "logistic", params: {}, columns: [3, 1] },
      { name: "boost", algorithm: "gbdt", params: { trees: 10 }, columns: [0, 1, 2, 3] },
    ],
    meta: "logistic",
  },
  regress: {
    task: { kind: "regression" },
    train: bostonTrain,
    test: bostonTest,
    members: [
      { name: "lin", algorithm: "linear", params: {}, columns: [0, 4, 5, 12] },
      { name: "boost", algorithm: "gbdt", params: { trees: 15 }, columns: boston.X.names.map((_, i) => i) },
    ],
    meta: "linear",
  },
};

async function estimator(name: string): Promise<Estimator> {
  const e = await loadEstimator(name);
  if (!e) throw new Error(name);
  return e;
}

async function membersOf(c: Case): Promise<{ stack: StackMember[]; fits: TrainedModel[] }> {
  const stack: StackMember[] = [];
  const fits: TrainedModel[] = [];
  for (const m of c.members) {
    const e = await estimator(m.algorithm);
    const full = await e.fit(
      { X: memberMatrix(c.train.X, m.columns), y: c.train.y! },
      undefined,
      m.params,
      c.task,
      { seed: 3 },
    );
    fits.push(full);
    stack.push({
      name: m.name,
      estimator: e,
      params: m.params,
      seed: 3,
      columns: m.columns,
      outputWidth: full.outputWidth,
    });
  }
  return { stack, fits };
}

async function ensembleOf(c: Case, kind: "stack" | "vote"): Promise<EnsembleModel> {
  const { stack, fits } = await membersOf(c);
  const members = c.members.map((m, i) => ({ name: m.name, model: fits[i]!, columns: m.columns }));
  let combination: Combination;
  if (kind === "vote") combination = { kind: "vote", weights: [1, 3] };
  else {
    const oof = await outOfFoldPredictions(stack, c.train, undefined, c.task, 4, 11);
    combination = {
      kind: "stack",
      meta: await fitMeta(await estimator(c.meta), stack, oof, c.train.y!, c.task, 11),
    };
  }
  return new EnsembleModel(c.task, [...c.train.X.names], members, combination);
}

describe("stacking folds", () => {
  it("puts every training row in exactly one fold, classes dealt evenly, seeded", () => {
    const y = irisTrain.y!;
    const fold = stackFolds(y, y.length, 5, CASES.multiclass!.task, 7);
    for (let f = 0; f < 5; f++) {
      const rows = [...fold.keys()].filter((i) => fold[i] === f);
      expect(rows.length).toBeGreaterThanOrEqual(Math.floor(y.length / 5));
      for (let c = 0; c < 3; c++) {
        const inClass = y.filter((v) => v === c).length;
        expect(rows.filter((i) => y[i] === c).length).toBeGreaterThanOrEqual(Math.floor(inClass / 5));
      }
    }
    expect(stackFolds(y, y.length, 5, CASES.multiclass!.task, 7)).toEqual(fold);
    expect(stackFolds(y, y.length, 5, CASES.multiclass!.task, 8)).not.toEqual(fold);
  });

  it("predicts each row with a member fitted without that row's fold (out of fold)", async () => {
    const c = CASES.regress!;
    const { stack } = await membersOf(c);
    const oof = await outOfFoldPredictions(stack, c.train, undefined, c.task, 4, 11);
    const fold = stackFolds(c.train.y, c.train.X.nRows, 4, c.task, 11);
    const fit = [...fold.keys()].filter((i) => fold[i] !== 2);
    const held = [...fold.keys()].filter((i) => fold[i] === 2);
    const X = memberMatrix(c.train.X, stack[1]!.columns);
    const alone = await stack[1]!.estimator.fit(
      { X: takeRows(X, fit), y: Float64Array.from(fit, (i) => c.train.y![i]!) },
      undefined,
      stack[1]!.params,
      c.task,
      { seed: 3 },
    );
    const p = alone.predict(takeRows(X, held));
    held.forEach((row, j) => expect(oof[1]![row]).toBe(p[j]));
    // a full fit has seen the row: its in-sample error is smaller than the out-of-fold one
    const { fits } = await membersOf(c);
    const inSample = fits[1]!.predict(X);
    const err = (pred: ArrayLike<number>) =>
      c.train.y!.reduce((a, y, i) => a + (y - pred[i]!) ** 2, 0) / c.train.y!.length;
    expect(err(inSample)).toBeLessThan(err(oof[1]!));
  });
});

describe.each(["binary", "multiclass", "regress"])("%s ensembles", (name) => {
  const c = CASES[name]!;

  it.each(["stack", "vote"] as const)("%s: one ONNX graph agrees with the JS scorer", async (kind) => {
    const model = await ensembleOf(c, kind);
    expect(model.outputWidth).toBe(c.task.kind === "multiclass" ? 3 : 1);
    await expectOnnxParity(model, c.test.X);
    // one graph: every member's nodes and the combination behind the one `features` input
    const graph = decodeModel(modelToOnnxBytes(model)).graph!;
    expect(graph.input!.map((i) => i.name)).toEqual(["features"]);
    const ops = graph.node!.map((n) => n.opType);
    expect(ops).toContain("Gather");
    expect(ops).toContain(kind === "stack" ? "Concat" : "Sum");
    // each member's nodes are named after it
    for (const m of c.members)
      expect(
        graph.node!.some((n) => n.name!.startsWith(`${m.name}/`)),
        m.name,
      ).toBe(true);
  });

  it.each(["stack", "vote"] as const)("%s: serialises to the same bytes and predictions", async (kind) => {
    const model = await ensembleOf(c, kind);
    const again = await ensembleOf(c, kind);
    expect(again.serialize()).toEqual(model.serialize());
    const estimators = new Map<string, Estimator>();
    for (const a of [...c.members.map((m) => m.algorithm), c.meta]) estimators.set(a, await estimator(a));
    const back = deserializeEnsemble(model.serialize(), (a) => estimators.get(a));
    expect(back.predict(c.test.X)).toEqual(model.predict(c.test.X));
  });
});

describe("vote", () => {
  it("is the weighted mean of the members' outputs", async () => {
    const c = CASES.multiclass!;
    const model = await ensembleOf(c, "vote");
    const [a, b] = model.memberPredictions(c.test.X);
    const got = model.predict(c.test.X);
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(0.25 * a![i]! + 0.75 * b![i]!, 12);
    // probabilities still sum to 1 per row
    for (let r = 0; r < c.test.X.nRows; r++)
      expect(got[r * 3]! + got[r * 3 + 1]! + got[r * 3 + 2]!).toBeCloseTo(1, 9);
  });
});
