// Permutation importance for any trained model: how much a metric worsens when one feature's
// values are shuffled across rows (breaking its link to the target), repeated with seeded shuffles.
import type { TrainedModel } from "../estimator.js";
import type { Matrix } from "../matrix.js";
import type { Metric } from "../metrics/types.js";
import { mixSeed, Rng } from "../random.js";

interface FeatureImportance {
  feature: string;
  index: number;
  /** Mean drop in the metric (oriented so larger = more important, whatever the metric's direction). */
  mean: number;
  std: number;
  /** The drop of each repeat. */
  values: number[];
}

interface PermutationOptions {
  /** Shuffles per feature (default 5). */
  repeats?: number;
  seed?: number;
  /** Feature indices to score (default all). */
  features?: readonly number[];
}

interface PermutationResult {
  metric: string;
  /** The metric on the unshuffled rows. */
  baseline: number;
  /** In feature order of `features` (or all columns). */
  importances: FeatureImportance[];
}

export function permutationImportance(
  model: Pick<TrainedModel, "predict" | "outputWidth">,
  data: { X: Matrix; y: Float64Array; group?: Int32Array },
  metric: Metric,
  opts: PermutationOptions = {},
): PermutationResult {
  const { X, y } = data;
  if (y.length !== X.nRows) throw new Error(`permutation importance: ${y.length} labels for ${X.nRows} rows`);
  const repeats = opts.repeats ?? 5;
  if (!(Number.isInteger(repeats) && repeats >= 1))
    throw new Error(`permutation importance: repeats must be a positive integer, got ${repeats}`);
  const score = (m: Matrix): number =>
    metric.compute({
      y,
      pred: model.predict(m),
      width: model.outputWidth,
      ...(data.group ? { group: data.group } : {}),
    });
  const baseline = score(X);
  const sign = metric.direction === "maximize" ? 1 : -1;
  const features = opts.features ?? X.columns.map((_, j) => j);
  const importances = features.map((j) => {
    const col = X.columns[j];
    if (!col)
      throw new Error(`permutation importance: no feature column ${j} (the matrix has ${X.columns.length})`);
    const values: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const shuffled = new Rng(mixSeed(opts.seed ?? 0, j, r)).shuffle(Float32Array.from(col));
      // Only the permuted column is copied; the others are shared by reference.
      const columns = X.columns.slice();
      columns[j] = shuffled;
      values.push(sign * (baseline - score({ nRows: X.nRows, names: X.names, columns })));
    }
    const mean = values.reduce((s, v) => s + v, 0) / repeats;
    const std = repeats > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (repeats - 1)) : 0;
    return { feature: X.names[j]!, index: j, mean, std, values };
  });
  return { metric: metric.name, baseline, importances };
}

/** Importances sorted most important first (ties by feature index). */
export function rankImportances<T extends { mean: number; index: number }>(imps: readonly T[]): T[] {
  return [...imps].sort((a, b) => b.mean - a.mean || a.index - b.index);
}
