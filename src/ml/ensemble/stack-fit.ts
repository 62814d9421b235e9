// Stacking's training: each member refitted out of fold on the training rows (k seeded folds,
// stratified by class for a classifier) so the meta learner learns from predictions on rows the
// member never saw; then the meta learner (logistic or linear) fitted on them.
import type { Dataset, Estimator, Params, Task, TrainedModel } from "../estimator.js";
import { takeRows } from "../matrix.js";
import { mixSeed, Rng } from "../random.js";
import { memberMatrix, metaFeatureNames, metaMatrix } from "./ensemble-model.js";

export interface StackMember {
  name: string;
  estimator: Estimator;
  /** The parameters the member's full fit used (after its own search, if it had one). */
  params: Params;
  seed: number;
  columns: number[];
  outputWidth: number;
}

/** Each training row's fold: classes dealt round-robin over the folds after a seeded shuffle. */
export function stackFolds(
  y: Float64Array | undefined,
  n: number,
  k: number,
  task: Task,
  seed: number,
): Int32Array {
  const rng = new Rng(mixSeed(seed, 0x57ac));
  const fold = new Int32Array(n);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const c = task.kind === "binary" || task.kind === "multiclass" ? (y?.[i] ?? 0) : 0;
    let rows = byClass.get(c);
    if (!rows) byClass.set(c, (rows = []));
    rows.push(i);
  }
  let next = 0;
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const rows = rng.shuffle(byClass.get(c)!);
    for (const r of rows) fold[r] = next++ % k;
  }
  return fold;
}

/** The members' out-of-fold predictions on the training rows, row-major n × width each. */
export async function outOfFoldPredictions(
  members: readonly StackMember[],
  train: Dataset,
  valid: Dataset | undefined,
  task: Task,
  k: number,
  seed: number,
  signal?: AbortSignal,
): Promise<Float64Array[]> {
  const n = train.X.nRows;
  if (n < k) throw new Error(`stack: ${n} training rows cannot make ${k} folds`);
  const fold = stackFolds(train.y, n, k, task, seed);
  const out: Float64Array[] = [];
  for (const m of members) {
    const preds = new Float64Array(n * m.outputWidth);
    const X = memberMatrix(train.X, m.columns);
    const v = valid ? { ...valid, X: memberMatrix(valid.X, m.columns) } : undefined;
    for (let f = 0; f < k; f++) {
      const fit: number[] = [];
      const held: number[] = [];
      for (let i = 0; i < n; i++) (fold[i] === f ? held : fit).push(i);
      const part: Dataset = {
        X: takeRows(X, fit),
        ...(train.y ? { y: Float64Array.from(fit, (i) => train.y![i]!) } : {}),
      };
      const model = await m.estimator.fit(part, v, m.params, task, {
        seed: m.seed,
        ...(signal ? { signal } : {}),
      });
      const p = model.predict(takeRows(X, held));
      held.forEach((row, j) => {
        for (let c = 0; c < m.outputWidth; c++) preds[row * m.outputWidth + c] = p[j * m.outputWidth + c]!;
      });
    }
    out.push(preds);
  }
  return out;
}

/** The meta learner on the members' out-of-fold predictions. */
export function fitMeta(
  meta: Estimator,
  members: readonly StackMember[],
  oof: readonly Float64Array[],
  y: Float64Array,
  task: Task,
  seed: number,
  signal?: AbortSignal,
): Promise<TrainedModel> {
  const width = members[0]!.outputWidth;
  const X = metaMatrix(oof, metaFeatureNames(members, width, task), width);
  return meta.fit({ X, y }, undefined, {}, task, { seed, ...(signal ? { signal } : {}) });
}
