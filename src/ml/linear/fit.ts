// Trains linear and logistic regression: standardise, minimise loss + L2 (+ L1 by OWL-QN) with
// progress and abort, and return the model. Target checks name the offending row.
import type { Dataset, FitContext, Params, ParamSpec, Task } from "../estimator.js";
import { ParamReader } from "../nn/param-values.js";
import { LinearModel, softmaxRows, type LinearAlgorithm } from "./linear-model.js";
import { makeObjective, sigmoid, type LossKind } from "./objectives.js";
import { minimizeOwlqn } from "./owlqn.js";
import { fitStandardizer, standardizeRows } from "./standardize.js";
import { LINEAR_PARAMS as LINEAR_SPEC, LOGISTIC_PARAMS as LOGISTIC_SPEC } from "../../ir/params/linear.js";
import { checkDatasetShape } from "../dataset-shape.js";

export const LINEAR_PARAMS: readonly ParamSpec[] = LINEAR_SPEC.params;

export const LOGISTIC_PARAMS: readonly ParamSpec[] = LOGISTIC_SPEC.params;

export async function fitLinear(
  algorithm: LinearAlgorithm,
  train: Dataset,
  valid: Dataset | undefined,
  params: Params,
  task: Task,
  ctx: FitContext,
): Promise<LinearModel> {
  checkDatasetShape(algorithm, "training", train);
  if (valid) checkDatasetShape(algorithm, "validation", valid);
  const specs = algorithm === "linear" ? LINEAR_PARAMS : LOGISTIC_PARAMS;
  const p = new ParamReader(algorithm, specs, params);
  const n = train.X.nRows;
  const d = train.X.columns.length;
  if (n === 0) throw new Error(`${algorithm}: the training set has no rows`);
  const loss: LossKind =
    algorithm === "linear" ? "squared" : task.kind === "multiclass" ? "multinomial" : "logistic";
  const k = task.kind === "multiclass" ? task.classes.length : 1;
  const y = checkTargets(algorithm, train, task);

  let yMean = 0;
  let yScale = 1;
  let yFit = y;
  if (loss === "squared") {
    // Standardising the target makes tol and the penalties independent of the target's units.
    let s = 0;
    for (let i = 0; i < n; i++) s += y[i]!;
    yMean = s / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (y[i]! - yMean) ** 2;
    yScale = Math.sqrt(v / n) || 1;
    yFit = new Float64Array(n);
    for (let i = 0; i < n; i++) yFit[i] = (y[i]! - yMean) / yScale;
  }

  const std = fitStandardizer(train.X);
  const Z = standardizeRows(train.X, std);
  const C = algorithm === "logistic" ? p.number("C") : 0;
  const l2 = C > 0 ? 1 / (C * n) : p.number("l2");
  const l1 = p.number("l1");
  const maxIter = p.number("max_iter");
  const tol = p.number("tol");

  const objective = makeObjective(loss, { Z, n, d, y: yFit, weight: train.weight, k }, l2);
  const nParams = k * (d + 1);
  const l1Vec = new Float64Array(nParams);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) l1Vec[c * (d + 1) + j] = l1;

  const w0 = new Float64Array(nParams);
  if (loss === "logistic") {
    // Start the intercept at the base rate's log-odds: fewer iterations, same optimum.
    let pos = 0;
    for (let i = 0; i < n; i++) pos += y[i]!;
    const rate = Math.min(Math.max(pos / n, 1e-6), 1 - 1e-6);
    w0[d] = Math.log(rate / (1 - rate));
  }

  const validCheck =
    valid && valid.y
      ? makeValidationMetric(loss, valid, std, checkTargets(algorithm, valid, task), k, d, yMean, yScale)
      : undefined;
  const result = await minimizeOwlqn(objective, w0, {
    l1: l1Vec,
    maxIter,
    tol,
    signal: ctx.signal,
    onIteration(iteration, w) {
      if (!ctx.onProgress) return;
      return ctx.onProgress({ iteration, total: maxIter, metric: validCheck?.(w) });
    },
  });

  return new LinearModel({
    algorithm,
    task,
    featureNames: [...train.X.names],
    mean: std.mean,
    scale: std.scale,
    wz: result.w,
    yMean,
    yScale,
    iterations: result.iterations,
    params: { l2, l1, max_iter: maxIter, tol },
  });
}

function checkTargets(algorithm: string, data: Dataset, task: Task): Float64Array {
  const y = data.y;
  if (!y) throw new Error(`${algorithm}: a target column is required`);
  if (y.length !== data.X.nRows)
    throw new Error(`${algorithm}: ${y.length} targets for ${data.X.nRows} rows`);
  const k = task.kind === "multiclass" ? task.classes.length : 2;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (task.kind === "regression") {
      if (!Number.isFinite(v))
        throw new Error(`${algorithm}: target is missing or not finite at row ${i + 1}`);
    } else if (!(Number.isInteger(v) && v >= 0 && v < k)) {
      throw new Error(`${algorithm}: target at row ${i + 1} is ${v}; expected a class index in 0..${k - 1}`);
    }
  }
  return y;
}

/** Validation log-loss (classifiers) or RMSE (regression) of standardised-space parameters. */
function makeValidationMetric(
  loss: LossKind,
  valid: Dataset,
  std: ReturnType<typeof fitStandardizer>,
  y: Float64Array,
  k: number,
  d: number,
  yMean: number,
  yScale: number,
): (w: Float64Array) => { name: string; value: number } {
  const Z = standardizeRows(valid.X, std);
  const n = valid.X.nRows;
  const m = new Float64Array(n * k);
  return (w) => {
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        let s = w[c * (d + 1) + d]!;
        for (let j = 0; j < d; j++) s += w[c * (d + 1) + j]! * Z[i * d + j]!;
        m[i * k + c] = s;
      }
    }
    let total = 0;
    if (loss === "squared") {
      for (let i = 0; i < n; i++) total += (yMean + yScale * m[i]! - y[i]!) ** 2;
      return { name: "rmse", value: Math.sqrt(total / Math.max(n, 1)) };
    }
    if (loss === "logistic") {
      for (let i = 0; i < n; i++) {
        const q = Math.min(Math.max(sigmoid(m[i]!), 1e-15), 1 - 1e-15);
        total -= y[i]! ? Math.log(q) : Math.log(1 - q);
      }
    } else {
      softmaxRows(m, k);
      for (let i = 0; i < n; i++) total -= Math.log(Math.max(m[i * k + y[i]!]!, 1e-15));
    }
    return { name: "logloss", value: total / Math.max(n, 1) };
  };
}
