// Learning algorithms by name: the value of a model's `algorithm`, one per estimator registered in
// src/ml. Their parameters go in the model's `params` block and are validated by the estimator.
import { t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import type { FunctionBuiltin } from "./types.js";

const algo = (name: string, doc: string): FunctionBuiltin => ({
  family: "algorithm",
  name,
  returns: "any",
  doc,
  params: [],
});

const algorithms: FunctionBuiltin[] = [
  algo("gbdt", "Histogram gradient-boosted trees (classification, regression, ranking)."),
  algo("random_forest", "Random forest of histogram trees."),
  algo("linear", "Linear regression with L1/L2 regularisation."),
  algo("logistic", "Logistic regression with L1/L2 regularisation."),
  algo("isolation_forest", "Isolation forest anomaly scores."),
  algo("mlp", "Multi-layer perceptron on TensorFlow.js."),
  algo("autoencoder", "Autoencoder; reconstruction error as anomaly score."),
  algo("matrix_factorization", "Matrix factorisation embeddings for recommendations."),
  algo(
    "bpr",
    "Matrix factorisation for implicit feedback: pairwise BPR objective with sampled negatives (rank tasks).",
  ),
  algo(
    "two_tower",
    "Two-tower recommender for implicit feedback: ID and side-feature embeddings per user and item tower, so new users and items get vectors from their features (rank tasks).",
  ),
  {
    family: "algorithm",
    name: "onnx",
    returns: "any",
    doc: "An imported ONNX model, evaluated, gated and deployed like any other.",
    params: [
      { name: "file", type: t.string(), required: true, doc: "the .onnx file, relative to the project" },
    ],
  },
];
for (const b of algorithms) registerBuiltin(b);
