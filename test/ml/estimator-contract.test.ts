// The estimator contract, as scikit-learn's check_estimator: one suite over every registered
// algorithm and each task it supports, on small seeded synthetic data made here. A new algorithm
// gets these checks by being registered in src/ml/algorithms.ts.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { builtinsOf } from "../../src/compiler/builtins/index.js";
import { ENSEMBLE_ALGORITHMS } from "../../src/compiler/builtins/ensembles.js";
import { ALGORITHMS, loadEstimator } from "../../src/ml/algorithms.js";
import type { Dataset, Estimator, Params, Task, TaskKind, TrainedModel } from "../../src/ml/estimator.js";
import type { Matrix } from "../../src/ml/matrix.js";
import { algorithmParams } from "../../src/ir/params/index.js";
import { Rng } from "../../src/ml/random.js";
import { modelToOnnxBytes } from "../../src/ml/standalone-onnx.js";
import { expectOnnxParity } from "./learner-datasets.js";

const ROWS = 120;
const NAMES = ["user", "item", "x2", "x3"];

/**
 * Small values for the parameters that set how long a fit takes, by parameter name, so that any
 * algorithm using these names fits in milliseconds. Only names the algorithm has are passed.
 */
const QUICK: Params = {
  trees: 5,
  epochs: 3,
  max_iter: 30,
  factors: 4,
  hidden: "8",
  sample_size: 32,
  batch_size: 32,
  // two_tower's side features: every feature other than the user and item belongs to one tower
  user_features: "x2",
  item_features: "x3",
};

const TASKS: Record<TaskKind, Task> = {
  binary: { kind: "binary", classes: ["no", "yes"] },
  multiclass: { kind: "multiclass", classes: ["a", "b", "c"] },
  regression: { kind: "regression" },
  ranking: { kind: "ranking" },
  anomaly: { kind: "anomaly" },
};

/**
 * Seeded synthetic rows: `user` and `item` are small integer indices (what matrix factorisation
 * reads), `x2` and `x3` standard normal; the target follows x2 and x3. `nanShare` of the x2/x3
 * values are NaN (missing).
 */
function synthetic(kind: TaskKind, seed: number, nanShare = 0): Dataset {
  const rng = new Rng(seed);
  const cols = NAMES.map(() => new Float32Array(ROWS));
  const y = new Float64Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    cols[0]![i] = rng.int(8);
    cols[1]![i] = rng.int(10);
    const a = rng.normal();
    const b = rng.normal();
    cols[2]![i] = rng.next() < nanShare ? NaN : a;
    cols[3]![i] = rng.next() < nanShare ? NaN : b;
    const s = a + 0.5 * b + 0.3 * rng.normal();
    y[i] =
      kind === "binary"
        ? Number(s > 0)
        : kind === "multiclass"
          ? s < -0.5
            ? 0
            : s < 0.5
              ? 1
              : 2
          : kind === "ranking"
            ? Math.max(0, Math.min(3, Math.round(s + 1.5)))
            : s;
  }
  const X: Matrix = { nRows: ROWS, columns: cols, names: [...NAMES] };
  if (kind === "anomaly") return { X };
  return kind === "ranking"
    ? { X, y, group: Int32Array.from({ length: ROWS }, (_, i) => Math.floor(i / 10)) }
    : { X, y };
}

const tmp = mkdtempSync(join(tmpdir(), "mlc-estimator-contract-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const donorFiles = new Map<TaskKind, Promise<string>>();

/** An ONNX file for the task: the export of the first registered algorithm that fits it itself. */
function donorFile(kind: TaskKind): Promise<string> {
  let file = donorFiles.get(kind);
  if (!file) {
    file = (async () => {
      const donor = estimators
        .map(([, e]) => e)
        .find((e) => e && !e.params.some((p) => p.setBy) && e.tasks.includes(kind));
      if (!donor) throw new Error(`no registered algorithm fits ${kind} to export`);
      const model = await donor.fit(synthetic(kind, 1), undefined, quick(donor), TASKS[kind], { seed: 1 });
      const path = join(tmp, `${donor.algorithm}-${kind}.onnx`);
      writeFileSync(path, modelToOnnxBytes(model));
      return path;
    })();
    donorFiles.set(kind, file);
  }
  return file;
}

/**
 * Parameters an algorithm cannot fit without: one filled from elsewhere in the spec (`setBy`, as
 * `onnx("file")` fills `path`) gets another registered algorithm's export for the same task.
 */
async function requiredParams(estimator: Estimator, kind: TaskKind): Promise<Params> {
  const out: Params = {};
  for (const p of estimator.params) if (p.setBy) out[p.name] = await donorFile(kind);
  return out;
}

const quick = (e: Estimator): Params =>
  Object.fromEntries(Object.entries(QUICK).filter(([k]) => e.params.some((p) => p.name === k)));

const predictOf = async (m: TrainedModel, X: Matrix): Promise<Float64Array> =>
  m.predictAsync ? m.predictAsync(X) : m.predict(X);

const EXPECTED_WIDTH: Record<TaskKind, number> = {
  binary: 1,
  multiclass: 3,
  regression: 1,
  ranking: 1,
  anomaly: 1,
};

const estimators = await Promise.all(ALGORITHMS.map(async (a) => [a, await loadEstimator(a)] as const));

describe("estimator contract", () => {
  it("every algorithm the language names has an estimator with tasks and the shared parameter specs", () => {
    // ensembles (stack, vote) combine other models' estimators: src/ml/ensemble/, test/ml/ensemble.test.ts
    expect([...ALGORITHMS].sort()).toEqual(
      builtinsOf("algorithm")
        .map((b) => b.name)
        .filter((n) => !ENSEMBLE_ALGORITHMS.includes(n)),
    );
    for (const [name, e] of estimators) {
      expect(e, name).toBeDefined();
      expect(e!.algorithm).toBe(name);
      expect(e!.tasks.length, name).toBeGreaterThan(0);
      // One source of truth: the specs the compiler checks `params { … }` against.
      expect(e!.params, name).toBe(algorithmParams(name)?.params);
    }
  });

  for (const [name, estimator] of estimators) {
    if (!estimator) continue;
    for (const kind of estimator.tasks) {
      describe(`${name} (${kind})`, () => {
        const task = TASKS[kind];
        const fit = async (data: Dataset, seed = 7): Promise<TrainedModel> =>
          estimator.fit(
            data,
            undefined,
            { ...quick(estimator), ...(await requiredParams(estimator, kind)) },
            task,
            {
              seed,
              threads: 1,
            },
          );

        it("gives the same bytes for the same seed and data", async () => {
          const a = await fit(synthetic(kind, 3));
          const b = await fit(synthetic(kind, 3));
          expect(Buffer.from(a.serialize()).equals(Buffer.from(b.serialize()))).toBe(true);
        });

        it("round-trips through serialize/deserialize to identical predictions and bytes", async () => {
          const data = synthetic(kind, 4);
          const model = await fit(data);
          const back = estimator.deserialize(model.serialize());
          expect(back.outputWidth).toBe(model.outputWidth);
          expect(back.featureNames).toEqual(model.featureNames);
          expect(await predictOf(back, data.X)).toEqual(await predictOf(model, data.X));
          expect(Buffer.from(back.serialize()).equals(Buffer.from(model.serialize()))).toBe(true);
        });

        it("has the task's output width, and the ONNX export matches predict (with missing values)", async () => {
          const model = await fit(synthetic(kind, 5));
          expect(model.outputWidth).toBe(EXPECTED_WIDTH[kind]);
          const probe = synthetic(kind, 6, 0.2).X;
          const out = await predictOf(model, probe);
          expect(out.length).toBe(ROWS * model.outputWidth);
          await expectOnnxParity(model, probe, 1e-4);
        });

        it("fits and predicts with NaN (missing) features, giving finite outputs", async () => {
          const model = await fit(synthetic(kind, 8, 0.2));
          const out = await predictOf(model, synthetic(kind, 9, 0.5).X);
          expect(out.every(Number.isFinite)).toBe(true);
        });

        if (kind !== "anomaly" && !estimator.params.some((p) => p.setBy))
          it("rejects a missing (NaN) target with an error naming the row", async () => {
            const data = synthetic(kind, 12);
            data.y![4] = NaN;
            await expect(fit(data)).rejects.toThrow(/row 5\b/);
          });

        if (kind !== "anomaly" && !estimator.params.some((p) => p.setBy))
          it("rejects training targets of another length than the rows, naming both counts", async () => {
            const data = synthetic(kind, 13);
            await expect(fit({ ...data, y: data.y!.subarray(0, ROWS - 1) })).rejects.toThrow(
              new RegExp(`${ROWS - 1}\\b.*\\b${ROWS}\\b|${ROWS}\\b.*\\b${ROWS - 1}\\b`),
            );
          });

        if (!estimator.params.some((p) => p.setBy))
          it("rejects row weights of another length than the rows, naming both counts", async () => {
            const data = synthetic(kind, 14);
            await expect(fit({ ...data, weight: new Float64Array(ROWS - 1).fill(1) })).rejects.toThrow(
              new RegExp(`${ROWS - 1}\\b.*\\b${ROWS}\\b|${ROWS}\\b.*\\b${ROWS - 1}\\b`),
            );
          });

        it("rejects a matrix of the wrong width or a short column with an error naming the algorithm", async () => {
          const model = await fit(synthetic(kind, 10));
          const X = synthetic(kind, 11).X;
          const narrow: Matrix = {
            nRows: X.nRows,
            columns: X.columns.slice(0, 3),
            names: X.names.slice(0, 3),
          };
          await expect(predictOf(model, narrow)).rejects.toThrow(
            new RegExp(`^${name}: model expects 4 features \\(user, item, x2, x3\\), got 3$`),
          );
          const short: Matrix = { ...X, columns: X.columns.map((c, j) => (j === 2 ? c.subarray(1) : c)) };
          await expect(predictOf(model, short)).rejects.toThrow(
            new RegExp(`^${name}: feature 'x2' has ${ROWS - 1} values for ${ROWS} rows$`),
          );
        });
      });
    }
  }
});
