// The parameters of "two_tower", a recommendation model whose user and item towers each add an ID
// embedding (with a reserved "unknown" row) to embeddings and dense projections of side features, so
// a user or item training never saw still gets a vector from its features. Pure data.
import type { AlgorithmParams } from "./spec.js";

export const TWO_TOWER_PARAMS: AlgorithmParams = {
  algorithm: "two_tower",
  checkpoints: true,
  params: [
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
    {
      name: "user_features",
      type: "string",
      default: "",
      doc: 'the user tower\'s side features, comma-separated ("segment,age_band"); every feature other than the user and item columns belongs to exactly one tower',
    },
    {
      name: "item_features",
      type: "string",
      default: "",
      doc: 'the item tower\'s side features, comma-separated ("category,price_band")',
    },
    {
      name: "factors",
      type: "int",
      default: 16,
      min: 1,
      doc: "dimension of the user and item vectors; the score of a pair is their dot product",
    },
    {
      name: "max_categories",
      type: "int",
      default: 50,
      min: 1,
      doc: "a side feature whose training values are all whole numbers in [0, max_categories) (a category's code, a small band) gets an embedding per value, plus one for unknown values; any other is a dense input, standardised, projected by a learned vector",
    },
    {
      name: "epochs",
      type: "int",
      default: 20,
      min: 1,
      doc: "passes over the positive interactions (rows whose label is above 0)",
    },
    {
      name: "batch_size",
      type: "int",
      default: 256,
      min: 1,
      doc: "positive interactions per Adam step",
    },
    {
      name: "learning_rate",
      type: "float",
      default: 0.01,
      min: 0,
      minExclusive: true,
      doc: "Adam learning rate",
    },
    {
      name: "l2",
      type: "float",
      default: 1e-4,
      min: 0,
      doc: "penalty l2·(‖u‖² + ‖vᵢ‖² + ‖vⱼ‖²) on the tower outputs of each sampled triple",
    },
    {
      name: "negatives",
      type: "int",
      default: 4,
      min: 1,
      doc: "negative items sampled per positive interaction and epoch, uniformly among the training items the user has no positive interaction with; the loss is −ln σ(s(u,i) − s(u,j))",
    },
    {
      name: "id_dropout",
      type: "float",
      default: 0.1,
      min: 0,
      max: 1,
      maxExclusive: true,
      doc: 'probability that a training example\'s user or item ID is replaced by the "unknown" row, which teaches the towers to place users and items from their features alone',
    },
    {
      name: "early_stop",
      type: "int",
      default: 0,
      min: 0,
      doc: "stop after this many epochs without improvement of the validation loss (valid positives against negatives sampled once); 0 = off",
    },
  ],
};
