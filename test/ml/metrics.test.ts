import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { lookupMetric, metricsOfTask } from "../../src/compiler/builtins/index.js";
import {
  accuracyAt,
  averagePrecision,
  aucRoc,
  bestF1,
  confusionMatrix,
  metricAppliesTo,
  metricFor,
  metricsForTask,
  prCurve,
  rocCurve,
} from "../../src/ml/metrics/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const splits = path.resolve(repoRoot, "test/fixtures/datasets/splits");
const f64 = (a: number[]): Float64Array => Float64Array.from(a);
const val = (name: string, y: number[], p: number[], width = 1, group?: number[]): number =>
  metricFor(name)!.compute({
    y: f64(y),
    pred: f64(p),
    width,
    ...(group ? { group: Int32Array.from(group) } : {}),
  });

/** A baseline file: every test row's label and the XGBoost prediction for it. */
function baseline(file: string): { y: Float64Array; pred: Float64Array; width: number } {
  const rows = readFileSync(path.join(splits, file), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split(",").map(Number));
  return {
    y: Float64Array.from(rows, (r) => r[0] ?? NaN),
    pred: Float64Array.from(rows, (r) => r[1] ?? NaN),
    width: 1,
  };
}

describe("binary metrics on hand examples", () => {
  it("AUC counts tied positive/negative pairs as one half", () => {
    expect(aucRoc(f64([0, 0, 1, 1]), f64([0.1, 0.4, 0.35, 0.8]))).toBeCloseTo(0.75, 12);
    // pos {0.5, 0.9}, neg {0.5, 0.2}: pairs 0.5 + 1 + 1 + 1 = 3.5 of 4
    expect(aucRoc(f64([0, 1, 0, 1]), f64([0.5, 0.5, 0.2, 0.9]))).toBeCloseTo(0.875, 12);
    expect(aucRoc(f64([1, 1]), f64([0.2, 0.3]))).toBeNaN();
  });

  it("average precision is the step integral of the PR curve", () => {
    // scikit-learn's documented example: 0.8333…
    expect(averagePrecision(f64([0, 0, 1, 1]), f64([0.1, 0.4, 0.35, 0.8]))).toBeCloseTo(5 / 6, 12);
    expect(val("pr_auc", [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(5 / 6, 12);
  });

  it("precision, recall and F1 at 0.5 and F1 at the best threshold", () => {
    const y = [1, 1, 0, 0, 1];
    const p = [0.9, 0.4, 0.6, 0.2, 0.7];
    expect(val("precision", y, p)).toBeCloseTo(2 / 3, 12);
    expect(val("recall", y, p)).toBeCloseTo(2 / 3, 12);
    expect(val("f1", y, p)).toBeCloseTo(2 / 3, 12);
    expect(val("accuracy", y, p)).toBeCloseTo(3 / 5, 12);
    const best = bestF1(f64(y), f64(p));
    expect(best.f1).toBeCloseTo(6 / 7, 12);
    expect(best.threshold).toBe(0.4);
    expect(val("f1_best", y, p)).toBeCloseTo(6 / 7, 12);
  });

  it("logloss, Brier and ECE", () => {
    expect(val("logloss", [1, 0], [0.8, 0.4])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
    expect(val("brier", [1, 0], [0.8, 0.4])).toBeCloseTo((0.04 + 0.16) / 2, 12);
    // bins (0.1,0.2] holds 0.15, 0.15 (one positive); (0.8,0.9] holds 0.85, 0.85 (both positive)
    // ECE = 0.5·|0.5 − 0.15| + 0.5·|1 − 0.85| = 0.25
    expect(val("ece", [0, 1, 1, 1], [0.15, 0.15, 0.85, 0.85])).toBeCloseTo(0.25, 12);
  });

  it("the confusion matrix has true classes in rows", () => {
    const cm = confusionMatrix(f64([1, 1, 0, 0, 1]), f64([0.9, 0.4, 0.6, 0.2, 0.7]));
    expect(Array.from(cm.counts)).toEqual([1, 1, 1, 2]);
  });

  it("ROC and PR curves run from their start points through every distinct threshold", () => {
    const roc = rocCurve(f64([0, 1, 0, 1]), f64([0.5, 0.5, 0.2, 0.9]));
    expect(Array.from(roc.x)).toEqual([0, 0, 0.5, 1]);
    expect(Array.from(roc.y)).toEqual([0, 0.5, 1, 1]);
    const pr = prCurve(f64([0, 1, 0, 1]), f64([0.5, 0.5, 0.2, 0.9]));
    expect(Array.from(pr.x)).toEqual([0, 0.5, 1, 1]);
    expect(Array.from(pr.y)).toEqual([1, 1, 2 / 3, 0.5]);
  });
});

describe("the XGBoost baselines in test/fixtures/datasets/splits", () => {
  it("churn test predictions give AUC 0.928732, accuracy 0.956, logloss 0.150549 (scripts/metrics.py)", () => {
    const input = baseline("mlc_churn_test.xgb-pred.csv");
    const { y, pred: p } = input;
    expect(y.length).toBe(1000);
    expect(metricFor("auc")!.compute(input)).toBeCloseTo(0.928732, 6);
    expect(metricFor("accuracy")!.compute(input)).toBeCloseTo(0.956, 12);
    expect(accuracyAt(y, p)).toBeCloseTo(0.956, 12);
    expect(metricFor("logloss")!.compute(input)).toBeCloseTo(0.150549, 6);
  });

  it("ames test predictions give RMSE 24,832.56, MAE 14,978.84, R² 0.904372", () => {
    const input = baseline("ames_test.xgb-pred.csv");
    expect(input.y.length).toBe(586);
    expect(metricFor("rmse")!.compute(input)).toBeCloseTo(24832.563969, 3);
    expect(metricFor("mae")!.compute(input)).toBeCloseTo(14978.836682, 3);
    expect(metricFor("r2")!.compute(input)).toBeCloseTo(0.904372, 6);
  });
});

describe("regression metrics", () => {
  it("match scikit-learn's documented examples", () => {
    const y = [3, -0.5, 2, 7];
    const p = [2.5, 0, 2, 8];
    expect(val("mae", y, p)).toBeCloseTo(0.5, 12);
    expect(val("rmse", y, p)).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(val("r2", y, p)).toBeCloseTo(0.9486081370449679, 12);
    // (0.5/3 + 0.5/0.5 + 0 + 1/7) / 4
    expect(val("mape", y, p)).toBeCloseTo((0.5 / 3 + 1 + 1 / 7) / 4, 12);
    expect(val("mape", [0, 2], [1, 1])).toBeCloseTo(0.5, 12);
  });
});

describe("multiclass averages", () => {
  // scikit-learn's f1_score example: y_true [0,1,2,0,1,2], y_pred [0,2,1,0,0,1]
  const y = [0, 1, 2, 0, 1, 2];
  const hard = [0, 2, 1, 0, 0, 1];
  const p = hard.flatMap((c) => [0, 1, 2].map((k) => (k === c ? 0.8 : 0.1)));
  it("macro and micro precision, recall, F1", () => {
    expect(val("f1_macro", y, p, 3)).toBeCloseTo(0.26666666666666666, 12);
    expect(val("f1_micro", y, p, 3)).toBeCloseTo(1 / 3, 12);
    expect(val("precision_macro", y, p, 3)).toBeCloseTo(0.2222222222222222, 12);
    expect(val("recall_macro", y, p, 3)).toBeCloseTo(1 / 3, 12);
    expect(val("accuracy", y, p, 3)).toBeCloseTo(1 / 3, 12);
  });
  it("multiclass logloss reads the true class's probability", () => {
    expect(val("logloss", [0, 2], [0.7, 0.2, 0.1, 0.1, 0.1, 0.8], 3)).toBeCloseTo(
      -(Math.log(0.7) + Math.log(0.8)) / 2,
      12,
    );
  });
  it("one-vs-rest macro AUC averages per-class AUCs", () => {
    const pp = [0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8, 0.3, 0.4, 0.3];
    // class 0: rows 0 (0.8) and 3 (0.3) positive vs 0.1, 0.1: AUC 1; class 1: row 1 0.8 vs [0.1,0.1,0.3]... 1; class 2: row 2 0.8 vs others: 1
    expect(val("auc", [0, 1, 2, 0], pp, 3)).toBeCloseTo(1, 12);
  });
});

describe("ranking metrics over query groups", () => {
  const rank = (name: string, k: number, y: number[], p: number[], group?: number[]): number =>
    metricFor(name)!.compute({
      y: f64(y),
      pred: f64(p),
      width: 1,
      ranking: { k },
      ...(group ? { group: Int32Array.from(group) } : {}),
    });
  it("NDCG@k uses gain 2^rel − 1 and a log2 discount", () => {
    const dcg = 0 + 1 / Math.log2(3) + 3 / 2;
    const idcg = 3 + 1 / Math.log2(3);
    expect(rank("ndcg", 3, [0, 1, 2], [0.9, 0.5, 0.1])).toBeCloseTo(dcg / idcg, 12);
    expect(rank("ndcg", 1, [0, 1, 2], [0.9, 0.5, 0.1])).toBeCloseTo(0, 12);
  });
  it("MAP@k, precision@k and recall@k average over groups with a relevant item", () => {
    const y = [1, 0, 1, 0, 1, /* group 2 */ 0, 1, /* group 3: no relevant item, skipped */ 0, 0];
    const s = [5, 4, 3, 2, 1, 2, 1, 2, 1];
    const g = [1, 1, 1, 1, 1, 2, 2, 3, 3];
    expect(rank("map", 5, y, s, g)).toBeCloseTo(((1 + 2 / 3 + 3 / 5) / 3 + 1 / 2) / 2, 12);
    expect(rank("precision_at_k", 2, y, s, g)).toBeCloseTo((1 / 2 + 1 / 2) / 2, 12);
    expect(rank("recall_at_k", 2, y, s, g)).toBeCloseTo((1 / 3 + 1) / 2, 12);
  });
});

describe("the metric registry", () => {
  it("declares directions and tasks", () => {
    expect(metricFor("auc")!.direction).toBe("maximize");
    expect(metricFor("rmse")!.direction).toBe("minimize");
    expect(metricFor("ndcg")!.tasks).toEqual(["ranking"]);
    expect(metricFor("ndcg@10")).toBeUndefined();
    expect(metricFor("nope")).toBeUndefined();
    expect(metricAppliesTo("auc", "regression")).toBe(false);
    expect(metricAppliesTo("rmse", "regression")).toBe(true);
  });
  it("every task's default metrics apply to that task", () => {
    for (const t of ["binary", "multiclass", "regression", "ranking", "anomaly"] as const) {
      const ms = metricsForTask(t);
      expect(ms.length).toBeGreaterThan(0);
      for (const m of ms) expect(m.tasks).toContain(t);
    }
  });
  it("rejects predictions of the wrong shape", () => {
    expect(() => metricFor("auc")!.compute({ y: f64([0, 1]), pred: f64([0.1]), width: 1 })).toThrow(
      /expected 2 rows/,
    );
    expect(() => metricFor("f1")!.compute({ y: f64([0]), pred: f64([0.1, 0.9]), width: 2 })).toThrow(
      /binary/,
    );
  });
});

describe("reported metrics", () => {
  it("are the metrics a spec can name for the task (gates, objectives, the reference)", () => {
    const taskName = {
      binary: "classify",
      multiclass: "classify",
      regression: "regress",
      anomaly: "detect_anomalies",
      ranking: "rank",
    } as const;
    for (const [task, name] of Object.entries(taskName)) {
      for (const m of metricsForTask(task as keyof typeof taskName, { items: true })) {
        const builtin = lookupMetric(m.name);
        expect(builtin, `${task} reports ${m.name}`).toBeDefined();
        expect(builtin!.tasks).toContain(name);
        expect(builtin!.direction).toBe(m.direction);
      }
    }
  });
  it("every metric a spec can name for a task is reported for it (no gate reads a missing key)", () => {
    const kinds = {
      classify: ["binary", "multiclass"],
      regress: ["regression"],
      detect_anomalies: ["anomaly"],
      rank: ["ranking"],
    } as const;
    for (const [name, tasks] of Object.entries(kinds)) {
      // with item ids (a rank task's `item = …`) and outcome costs (a classifier's decision values)
      const reported = new Set(
        tasks.flatMap((t) => metricsForTask(t, { items: true, costs: true }).map((m) => m.name)),
      );
      for (const b of metricsOfTask(name as keyof typeof kinds))
        expect(reported.has(b.name), `${name}: ${b.name} is reported`).toBe(true);
    }
  });
});

describe("NaN scores", () => {
  // A NaN score is never >= a threshold (as the threshold metrics decide): the sweeps used to
  // spin forever on it (Math.max with NaN never moved past it), hanging an apply's evaluation.
  it("are never counted by the descending sweeps (PR-AUC, best F1, curves) instead of hanging them", () => {
    const y = Float64Array.of(1, 0, 1);
    const score = Float64Array.of(0.9, 0.5, NaN);
    expect(averagePrecision(y, score)).toBe(0.5);
    expect(bestF1(y, score)).toEqual({ f1: 2 / 3, threshold: 0.9 });
    expect(Array.from(prCurve(y, score).x)).toEqual([0, 0.5, 0.5]);
  });
});
