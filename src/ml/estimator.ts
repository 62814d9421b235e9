// One estimator interface for every algorithm (as scikit-learn's fit/predict contract):
// tuning, evaluation, export and serving never switch on the algorithm's name.
import type { OnnxGraph } from "../onnx/builder.js";
import type { FactorTables } from "./recommend/factor-tables.js";
import type { Matrix } from "./matrix.js";
import type { TwoTowers } from "./nn/two-tower-towers.js";
import type { ParamSpec, ParamValue } from "../ir/params/spec.js";
import type { TrainingCheckpoints } from "./warm-start.js";

export type Task =
  | { kind: "binary"; /** [negative, positive] label values as strings */ classes: [string, string] }
  | { kind: "multiclass"; classes: string[] }
  | { kind: "regression" }
  | { kind: "ranking" }
  | { kind: "anomaly" };

export type TaskKind = Task["kind"];

export interface Dataset {
  X: Matrix;
  /**
   * Targets: binary 0/1, multiclass class index 0..k-1, regression/ranking value.
   * Absent for unsupervised tasks (anomaly, autoencoder).
   */
  y?: Float64Array;
  /** Optional per-row weights. */
  weight?: Float64Array;
  /** Ranking: query group id of each row (rows of a group contiguous). */
  group?: Int32Array;
}

export type { ParamSpec, ParamValue } from "../ir/params/spec.js";
export type Params = Record<string, ParamValue>;

export interface Progress {
  iteration: number;
  total?: number;
  /** Validation metric at this iteration, used for progress bars and pruning. */
  metric?: { name: string; value: number };
}

export interface FitContext {
  seed: number;
  /** Worker threads to use; default all cores. Results must not depend on it. */
  threads?: number;
  /** Called after each iteration (boosting round, epoch). Returning "stop" ends training early (pruning). */
  onProgress?(p: Progress): void | "stop";
  signal?: AbortSignal;
  /**
   * Warm start (`init = champion`): the model to continue from (its trees, its weights), of the
   * same algorithm. Only estimators whose parameter specs declare `warmStart` read it; an
   * incompatible model (other features, classes, layers) is a WarmStartError (src/ml/warm-start.ts).
   */
  init?: TrainedModel;
  /** Checkpoints of the training loop (`checkpoint { every = N }`), for estimators that declare `checkpoints`. */
  checkpoint?: TrainingCheckpoints;
}

export interface TrainedModel {
  algorithm: string;
  task: Task;
  featureNames: string[];
  /** Columns of `predict`'s output: 1 for binary (P(positive)), regression, ranking, anomaly; k for multiclass. */
  outputWidth: number;
  /**
   * Row-major n × outputWidth predictions. Binary: P(positive); multiclass: class probabilities;
   * anomaly: higher = more anomalous. NaN features are missing values: every estimator fits and
   * predicts with them and gives finite outputs (trees send them down a learned or fixed branch,
   * linear and neural models impute the training mean, matrix factorisation treats them as an
   * unseen user or item). A matrix of the wrong width is an error naming the expected features.
   * test/ml/estimator-contract.test.ts checks all of this for every registered algorithm.
   */
  predict(X: Matrix): Float64Array;
  /**
   * Optional asynchronous predict with the same output as `predict`, for models whose natural
   * runner is async (imported ONNX models run by onnxruntime-node). Prefer it where a caller can await.
   */
  predictAsync?(X: Matrix): Promise<Float64Array>;
  /** Versioned bytes; the same training gives the same bytes. */
  serialize(): Uint8Array;
  /**
   * Appends this model to `graph`, reading `input` (float [N, featureNames.length]) and
   * returning the name of a float [N, outputWidth] tensor with the same meaning as `predict`.
   */
  toOnnx(graph: OnnxGraph, input: string): string;
  /** Iterations actually used (after early stopping), if the algorithm iterates. */
  bestIteration?: number;
  /** Per-feature global importance if the algorithm has a native notion of it. */
  importance?(): Float64Array;
  /**
   * Anomaly models: per row of X, each feature's contribution to the score (row-major n × features):
   * isolation path depths, reconstruction errors (src/ml/explain/anomaly-reasons.ts).
   */
  featureContributions?(X: Matrix): Float64Array;
  /**
   * Factorisation models (matrix_factorization, bpr): the user and item tables their predict scores
   * pairs from, which retrieval ranks the whole catalogue with (src/ml/recommend/).
   */
  factorTables?(): FactorTables;
  /**
   * Two-tower models: the towers that compute a user's or item's vector from its ID and side
   * features, for retrieval and for cold start (src/ml/nn/two-tower-towers.ts).
   */
  twoTowers?(): TwoTowers;
}

export interface Estimator {
  algorithm: string;
  tasks: readonly TaskKind[];
  params: readonly ParamSpec[];
  fit(
    train: Dataset,
    valid: Dataset | undefined,
    params: Params,
    task: Task,
    ctx: FitContext,
  ): Promise<TrainedModel>;
  deserialize(bytes: Uint8Array): TrainedModel;
  /**
   * Other algorithms whose models `fit` takes as `ctx.init` (a warm start from a champion of
   * another algorithm): mlp continues an imported ONNX model whose graph is a plain MLP.
   */
  continues?: readonly string[];
}
