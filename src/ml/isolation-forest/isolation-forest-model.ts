// A trained isolation forest: anomaly score s = 2^(−E[h(x)]/c(ψ)) (higher = more anomalous), its
// byte format, and its ONNX form (TreeEnsembleRegressor averaging path lengths, then the score formula).
import { floats, ints, type OnnxGraph } from "../../onnx/builder.js";
import type { Task, TrainedModel } from "../estimator.js";
import { checkFeatures } from "../matrix.js";
import { forestNodeSizes, isolationContributions, matrixRow } from "../explain/anomaly-reasons.js";
import type { Matrix } from "../matrix.js";
import { arrayOf, packModel, unpackModel } from "../nn/packed-bytes.js";
import { addPathLengths, averagePathLength, type Forest } from "./isolation-tree.js";

const FILE_KIND = "isolation-forest";

interface IsolationForestHeader {
  featureNames: string[];
  /** ψ: the subsample size each tree was grown on. */
  sampleSize: number;
  contamination: number;
  /** Score above which a training row counts as an outlier at the given contamination. */
  threshold: number;
  params: Record<string, number>;
}

export class IsolationForestModel implements TrainedModel {
  readonly algorithm = "isolation_forest";
  readonly task: Task = { kind: "anomaly" };
  readonly outputWidth = 1;
  readonly featureNames: string[];
  readonly threshold: number;
  readonly bestIteration: number;
  private nodeSizes: Float64Array | undefined;

  constructor(
    readonly header: IsolationForestHeader,
    readonly forest: Forest,
  ) {
    this.featureNames = header.featureNames;
    this.threshold = header.threshold;
    this.bestIteration = forest.treeStart.length - 1;
  }

  get trees(): number {
    return this.forest.treeStart.length - 1;
  }

  /** Mean path length E[h(x)] per row. */
  meanPathLength(X: Matrix): Float64Array {
    checkFeatures(this.algorithm, this.featureNames, X);
    const sum = new Float64Array(X.nRows);
    addPathLengths(this.forest, X, 0, this.trees, sum);
    for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! / this.trees;
    return sum;
  }

  /** Isolation path contributions per row (row-major n × features), see isolationContributions. */
  featureContributions(X: Matrix): Float64Array {
    checkFeatures(this.algorithm, this.featureNames, X);
    this.nodeSizes ??= forestNodeSizes(this.forest, this.header.sampleSize);
    const d = this.featureNames.length;
    const out = new Float64Array(X.nRows * d);
    for (let i = 0; i < X.nRows; i++)
      out.set(isolationContributions(this.forest, this.nodeSizes, d, matrixRow(X, i)), i * d);
    return out;
  }

  predict(X: Matrix): Float64Array {
    return scoresFromMeanPath(this.meanPathLength(X), this.header.sampleSize);
  }

  toOnnx(graph: OnnxGraph, input: string): string {
    const f = this.forest;
    const treeIds: number[] = [];
    const nodeIds: number[] = [];
    const featureIds: number[] = [];
    const modes: string[] = [];
    const values: number[] = [];
    const trueIds: number[] = [];
    const falseIds: number[] = [];
    const targetTree: number[] = [];
    const targetNode: number[] = [];
    const targetWeight: number[] = [];
    for (let t = 0; t < this.trees; t++) {
      const base = f.treeStart[t]!;
      for (let node = 0; node < f.treeStart[t + 1]! - base; node++) {
        const feat = f.feature[base + node]!;
        treeIds.push(t);
        nodeIds.push(node);
        if (feat >= 0) {
          featureIds.push(feat);
          modes.push("BRANCH_LT");
          values.push(f.threshold[base + node]!);
          trueIds.push(f.left[base + node]!);
          falseIds.push(f.right[base + node]!);
        } else {
          featureIds.push(0);
          modes.push("LEAF");
          values.push(0);
          trueIds.push(0);
          falseIds.push(0);
          targetTree.push(t);
          targetNode.push(node);
          targetWeight.push(f.value[base + node]!);
        }
      }
    }
    const meanPath = graph.op(
      "TreeEnsembleRegressor",
      [input],
      {
        n_targets: 1,
        aggregate_function: "AVERAGE",
        post_transform: "NONE",
        nodes_treeids: ints(treeIds),
        nodes_nodeids: ints(nodeIds),
        nodes_featureids: ints(featureIds),
        nodes_modes: modes,
        nodes_values: floats(values),
        nodes_truenodeids: ints(trueIds),
        nodes_falsenodeids: ints(falseIds),
        // NaN compares false, so missing values take the false (right) branch, as in predict.
        nodes_missing_value_tracks_true: ints(treeIds.map(() => 0)),
        target_treeids: ints(targetTree),
        target_nodeids: ints(targetNode),
        target_ids: ints(targetTree.map(() => 0)),
        target_weights: floats(targetWeight),
      },
      { domain: "ai.onnx.ml" },
    );
    const c = graph.constant("float", [], [averagePathLength(this.header.sampleSize)], "iforest_c");
    const two = graph.constant("float", [], [2], "iforest_two");
    const exponent = graph.op("Neg", [graph.op("Div", [meanPath, c])]);
    return graph.op("Pow", [two, exponent]);
  }

  serialize(): Uint8Array {
    const f = this.forest;
    return packModel(FILE_KIND, { ...this.header }, [
      ["treeStart", f.treeStart],
      ["feature", f.feature],
      ["threshold", f.threshold],
      ["left", f.left],
      ["right", f.right],
      ["value", f.value],
    ]);
  }

  static deserialize(bytes: Uint8Array): IsolationForestModel {
    const u = unpackModel(FILE_KIND, bytes);
    return new IsolationForestModel(u.header as unknown as IsolationForestHeader, {
      treeStart: arrayOf(u, "treeStart", Int32Array),
      feature: arrayOf(u, "feature", Int32Array),
      threshold: arrayOf(u, "threshold", Float32Array),
      left: arrayOf(u, "left", Int32Array),
      right: arrayOf(u, "right", Int32Array),
      value: arrayOf(u, "value", Float64Array),
    });
  }
}

export function scoresFromMeanPath(meanPath: Float64Array, sampleSize: number): Float64Array {
  const c = averagePathLength(sampleSize);
  const out = new Float64Array(meanPath.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.pow(2, -meanPath[i]! / c);
  return out;
}
