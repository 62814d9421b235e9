// Partial dependence of a trained model on one feature: the average prediction over rows when
// that feature is set to each grid value (and, on request, the per-row ICE curves).
import type { TrainedModel } from "../estimator.js";
import { takeRows, type Matrix } from "../matrix.js";
import { quantileSorted } from "../stats/quantile.js";
import { mixSeed, Rng } from "../random.js";

interface PartialDependenceOptions {
  /** Grid points (default 20); a feature with at most this many distinct values uses them all. */
  gridSize?: number;
  /** Range of a continuous grid as quantiles of the feature (default [0.05, 0.95]). */
  percentiles?: [number, number];
  /** Rows averaged over; a seeded sample when the data is larger (default 1000). */
  maxRows?: number;
  seed?: number;
  /** Also return individual conditional expectation curves (rows × grid). */
  ice?: boolean;
}

export interface PartialDependence {
  feature: string;
  index: number;
  grid: number[];
  /** Per grid point, the mean prediction of each output column (outputWidth values). */
  average: number[][];
  /** ICE: per sampled row, per grid point, the first output column. */
  ice?: number[][];
}

export function featureGrid(col: Float32Array, gridSize: number, percentiles: [number, number]): number[] {
  const vals = Float64Array.from(col.filter((v) => !Number.isNaN(v))).sort();
  if (vals.length === 0) return [];
  const distinct: number[] = [];
  for (let i = 0; i < vals.length && distinct.length <= gridSize; i++)
    if (i === 0 || vals[i] !== vals[i - 1]) distinct.push(vals[i]!);
  if (distinct.length <= gridSize) return distinct;
  const lo = quantileSorted(vals, percentiles[0]);
  const hi = quantileSorted(vals, percentiles[1]);
  if (lo === hi) return [lo];
  return Array.from({ length: gridSize }, (_, i) => lo + ((hi - lo) * i) / (gridSize - 1));
}

export function partialDependence(
  model: Pick<TrainedModel, "predict" | "outputWidth">,
  X: Matrix,
  feature: number | string,
  opts: PartialDependenceOptions = {},
): PartialDependence {
  const index = typeof feature === "number" ? feature : X.names.indexOf(feature);
  if (index < 0 || index >= X.columns.length)
    throw new Error(
      `partial dependence: no feature ${JSON.stringify(feature)}; features are ${X.names.join(", ")}`,
    );
  const maxRows = opts.maxRows ?? 1000;
  let rows = X;
  if (X.nRows > maxRows) {
    const idx = new Rng(mixSeed(opts.seed ?? 0, 0x9d))
      .shuffle(Uint32Array.from({ length: X.nRows }, (_, i) => i))
      .subarray(0, maxRows);
    rows = takeRows(X, idx.sort());
  }
  const grid = featureGrid(X.columns[index]!, opts.gridSize ?? 20, opts.percentiles ?? [0.05, 0.95]);
  const w = model.outputWidth;
  const n = rows.nRows;
  const average: number[][] = [];
  const ice: number[][] | undefined = opts.ice ? Array.from({ length: n }, () => []) : undefined;
  const columns = rows.columns.slice();
  const fixed = new Float32Array(n);
  for (const v of grid) {
    fixed.fill(v);
    columns[index] = fixed;
    const pred = model.predict({ nRows: n, names: rows.names, columns });
    const mean = new Array<number>(w).fill(0);
    for (let i = 0; i < n; i++) for (let c = 0; c < w; c++) mean[c]! += pred[i * w + c]! / n;
    average.push(mean);
    if (ice) for (let i = 0; i < n; i++) ice[i]!.push(pred[i * w]!);
  }
  return { feature: X.names[index]!, index, grid, average, ...(ice ? { ice } : {}) };
}
