// ONNX export of tree ensembles (GBDT, random forest): one ai.onnx.ml TreeEnsembleRegressor
// giving raw margins [N, k], then the link as standard ops (Sigmoid, Softmax, or normalisation).
import { floats, ints, type OnnxGraph } from "../onnx/builder.js";
import { NORMALIZE_EPS, type TreeEnsemble } from "./tree/ensemble.js";

/**
 * Appends `e` to `graph` reading `input` (float [N, nFeatures]); returns the name of a float
 * [N, nOutputs] tensor equal to the JS prediction. Missing values (NaN) follow each split's
 * learned default direction (nodes_missing_value_tracks_true).
 */
export function ensembleToOnnx(graph: OnnxGraph, input: string, e: TreeEnsemble): string {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const values: number[] = [];
  const modes: string[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const missingTrue: number[] = [];
  const tTree: number[] = [];
  const tNode: number[] = [];
  const tIds: number[] = [];
  const tWeights: number[] = [];
  e.trees.forEach((t, k) => {
    for (let i = 0; i < t.feature.length; i++) {
      const f = t.feature[i]!;
      treeIds.push(k);
      nodeIds.push(i);
      if (f >= 0) {
        featureIds.push(f);
        values.push(t.threshold[i]!);
        modes.push("BRANCH_LEQ");
        trueIds.push(t.left[i]!);
        falseIds.push(t.right[i]!);
        missingTrue.push(t.defaultLeft[i]!);
      } else {
        featureIds.push(0);
        values.push(0);
        modes.push("LEAF");
        trueIds.push(0);
        falseIds.push(0);
        missingTrue.push(0);
        tTree.push(k);
        tNode.push(i);
        tIds.push(t.target);
        tWeights.push(t.value[i]! * e.scale);
      }
    }
  });
  const margin = graph.op(
    "TreeEnsembleRegressor",
    [input],
    {
      n_targets: e.nOutputs,
      nodes_treeids: ints(treeIds),
      nodes_nodeids: ints(nodeIds),
      nodes_featureids: ints(featureIds),
      nodes_values: floats(values),
      nodes_modes: modes,
      nodes_truenodeids: ints(trueIds),
      nodes_falsenodeids: ints(falseIds),
      nodes_missing_value_tracks_true: ints(missingTrue),
      target_treeids: ints(tTree),
      target_nodeids: ints(tNode),
      target_ids: ints(tIds),
      target_weights: floats(tWeights),
      base_values: floats(Array.from(e.base)),
      aggregate_function: "SUM",
      post_transform: "NONE",
    },
    { domain: "ai.onnx.ml" },
  );
  switch (e.link) {
    case "identity":
      return margin;
    case "sigmoid":
      return graph.op("Sigmoid", [margin]);
    case "clip01":
      return graph.op("Clip", [
        margin,
        graph.constant("float", [], [0], "lo"),
        graph.constant("float", [], [1], "hi"),
      ]);
    case "softmax":
      return graph.op("Softmax", [margin], { axis: -1 });
    case "normalize": {
      const pos = graph.op("Add", [
        graph.op("Relu", [margin]),
        graph.constant("float", [], [NORMALIZE_EPS], "eps"),
      ]);
      const sum = graph.op("ReduceSum", [pos, graph.constant("int64", [1], [1], "axes")], { keepdims: 1 });
      return graph.op("Div", [pos, sum]);
    }
  }
}
