// The trained-model object of the tree learners (GBDT, random forest): predict through the
// ensemble and its link, serialize via codec.ts, export via tree-onnx.ts, total-gain importance.
import type { OnnxGraph } from "../../onnx/builder.js";
import type { Task, TrainedModel } from "../estimator.js";
import { checkFeatures, type Matrix } from "../matrix.js";
import { ensembleToOnnx } from "../tree-onnx.js";
import { decodeEnsemble, encodeEnsemble } from "./codec.js";
import { applyLink, predictMargin, totalGain, type TreeEnsemble } from "./ensemble.js";
import { NearbyMargins } from "./flat-ensemble.js";
import type { Params } from "../estimator.js";

/** What a tree model stores besides its trees. */
interface TreeModelMeta {
  task: Task;
  featureNames: string[];
  params: Params;
  bestIteration?: number;
}

export class TreeModel implements TrainedModel {
  readonly task: Task;
  readonly featureNames: string[];
  readonly outputWidth: number;
  readonly bestIteration?: number;

  constructor(
    readonly algorithm: string,
    readonly ensemble: TreeEnsemble,
    readonly meta: TreeModelMeta,
  ) {
    this.task = meta.task;
    this.featureNames = meta.featureNames;
    this.outputWidth = ensemble.nOutputs;
    if (meta.bestIteration !== undefined) this.bestIteration = meta.bestIteration;
  }

  /** Raw margins (log-odds, class scores, or the regression value), row-major n × outputWidth. */
  predictMargin(X: Matrix): Float64Array {
    checkFeatures(this.algorithm, this.featureNames, X);
    return predictMargin(this.ensemble, X);
  }

  predict(X: Matrix): Float64Array {
    return applyLink(this.ensemble.link, this.predictMargin(X), this.outputWidth);
  }

  serialize(): Uint8Array {
    const m = this.meta;
    // Fixed key order: the bytes must not depend on how the meta object was built.
    const params: Params = {};
    // `threads` is left out: it never changes the model, so it must not change the bytes.
    for (const k of Object.keys(m.params).sort()) if (k !== "threads") params[k] = m.params[k]!;
    const extra = {
      task: m.task,
      featureNames: m.featureNames,
      params,
      bestIteration: m.bestIteration ?? null,
    };
    return encodeEnsemble(this.ensemble, this.algorithm, extra);
  }

  static deserialize(algorithm: string, bytes: Uint8Array): TreeModel {
    const { ensemble, extra } = decodeEnsemble(bytes, algorithm);
    const x = extra as { task: Task; featureNames: string[]; params: Params; bestIteration: number | null };
    const meta: TreeModelMeta = { task: x.task, featureNames: x.featureNames, params: x.params };
    if (x.bestIteration !== null) meta.bestIteration = x.bestIteration;
    return new TreeModel(algorithm, ensemble, meta);
  }

  toOnnx(graph: OnnxGraph, input: string): string {
    return ensembleToOnnx(graph, input, this.ensemble);
  }

  importance(): Float64Array {
    return totalGain(this.ensemble);
  }
}

/** The ensemble behind a trained model, when it is a tree model (for TreeSHAP and explanations). */
export function treeEnsembleOf(model: TrainedModel): TreeEnsemble | undefined {
  return model instanceof TreeModel ? model.ensemble : undefined;
}

/**
 * The model's predict for perturbed copies of `reference`'s rows (the robustness suites): a tree
 * model's predictions through NearbyMargins (the same bytes, walking only the trees a copy's changes
 * reach), any other model's own predict.
 */
export function nearbyPredict(
  model: Pick<TrainedModel, "predict">,
  reference: Matrix,
): (X: Matrix) => Float64Array {
  if (!(model instanceof TreeModel)) return (X) => model.predict(X);
  checkFeatures(model.algorithm, model.featureNames, reference);
  const near = new NearbyMargins(model.ensemble, reference);
  return (X) => {
    checkFeatures(model.algorithm, model.featureNames, X);
    return applyLink(model.ensemble.link, near.margins(X), model.outputWidth);
  };
}
