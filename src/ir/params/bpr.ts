// The parameters of "bpr", matrix factorisation for implicit feedback trained with the pairwise
// Bayesian Personalised Ranking objective: types, ranges, defaults and meanings. Pure data.
import type { AlgorithmParams } from "./spec.js";

export const BPR_PARAMS: AlgorithmParams = {
  algorithm: "bpr",
  warmStart: true,
  checkpoints: true,
  params: [
    {
      name: "factors",
      type: "int",
      default: 16,
      min: 1,
      doc: "embedding dimension of users and items",
    },
    {
      name: "epochs",
      type: "int",
      default: 30,
      min: 1,
      doc: "passes over the positive interactions (rows whose label is above 0)",
    },
    {
      name: "learning_rate",
      type: "float",
      default: 0.05,
      min: 0,
      minExclusive: true,
      doc: "step size of the stochastic gradient ascent on ln σ(s(u,i) − s(u,j))",
    },
    {
      name: "l2",
      type: "float",
      default: 0.001,
      min: 0,
      doc: "penalty l2·(‖u‖² + ‖vᵢ‖² + ‖vⱼ‖² + bᵢ² + bⱼ²) on the parameters of each sampled triple",
    },
    {
      name: "negatives",
      type: "int",
      default: 1,
      min: 1,
      doc: "negative items sampled per positive interaction and epoch, uniformly among the items the user has no positive interaction with",
    },
    {
      name: "user_column",
      type: "string",
      default: "",
      doc: "feature holding the user index (0, 1, 2, …); default the first feature",
    },
    {
      name: "item_column",
      type: "string",
      default: "",
      doc: "feature holding the item index; default the second feature",
    },
  ],
};
