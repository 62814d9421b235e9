// The parameters of the TensorFlow.js learners (mlp, autoencoder, matrix_factorization): types,
// ranges, defaults, meanings and the names scikit-learn, Keras and Spark give them. Pure data.
import type { AlgorithmParams, ParamSpec } from "./spec.js";

export type Activation = "relu" | "tanh" | "sigmoid";
export const ACTIVATIONS: readonly Activation[] = ["relu", "tanh", "sigmoid"];

const batchSize = (rows: string, dflt: number): ParamSpec => ({
  name: "batch_size",
  type: "int",
  default: dflt,
  min: 1,
  doc: `${rows} per Adam step`,
});

const learningRate = (dflt: number): ParamSpec => ({
  name: "learning_rate",
  type: "float",
  default: dflt,
  min: 0,
  minExclusive: true,
  doc: "Adam learning rate",
  aliases: [
    { name: "learning_rate_init", library: "scikit-learn" },
    { name: "lr", library: "Keras" },
    { name: "eta", library: "XGBoost" },
  ],
});

const epochs = (dflt: number, what: string): ParamSpec => ({
  name: "epochs",
  type: "int",
  default: dflt,
  min: 1,
  doc: `passes over the training ${what}`,
  aliases: [
    { name: "max_iter", library: "scikit-learn" },
    { name: "n_epochs", library: "Keras" },
  ],
});

const earlyStop = (doc: string): ParamSpec => ({
  name: "early_stop",
  type: "int",
  default: 0,
  min: 0,
  doc,
  aliases: [
    { name: "n_iter_no_change", library: "scikit-learn" },
    { name: "patience", library: "Keras" },
  ],
});

const activation = (doc: string): ParamSpec => ({
  name: "activation",
  type: "string",
  default: "relu",
  values: ACTIVATIONS,
  doc,
});

const dropout: ParamSpec = {
  name: "dropout",
  type: "float",
  default: 0,
  min: 0,
  max: 0.95,
  doc: "dropout rate after each hidden layer (training only)",
  aliases: [{ name: "rate", library: "Keras" }],
};

export const MLP_PARAMS: AlgorithmParams = {
  algorithm: "mlp",
  warmStart: true,
  checkpoints: true,
  params: [
    {
      name: "hidden",
      type: "int_list",
      default: "64,32",
      doc: 'hidden layer widths, e.g. "64,32" (a single number for one layer)',
      aliases: [{ name: "hidden_layer_sizes", library: "scikit-learn" }],
    },
    activation("hidden-layer activation"),
    epochs(50, "rows"),
    batchSize("rows", 64),
    learningRate(0.001),
    dropout,
    {
      name: "l2",
      type: "float",
      default: 0,
      min: 0,
      doc: "weight decay: l2·Σ‖W‖² added to the loss",
      aliases: [
        { name: "alpha", library: "scikit-learn", note: "scikit-learn's loss adds alpha/(2·rows)·Σ‖W‖²" },
      ],
    },
    earlyStop(
      "stop after this many epochs without validation improvement (0 = off); the best epoch's weights are kept",
    ),
  ],
};

export const AUTOENCODER_PARAMS: AlgorithmParams = {
  algorithm: "autoencoder",
  warmStart: true,
  checkpoints: true,
  params: [
    {
      name: "hidden",
      type: "int_list",
      default: "16,4",
      doc: 'encoder widths down to the bottleneck, e.g. "16,4" builds d→16→4→16→d',
      aliases: [{ name: "hidden_layer_sizes", library: "scikit-learn" }],
    },
    activation("hidden-layer activation (the output layer is linear)"),
    epochs(30, "rows"),
    batchSize("rows", 64),
    learningRate(0.001),
    dropout,
    earlyStop(
      "stop after this many epochs without improvement of the validation reconstruction error (0 = off)",
    ),
  ],
};

export const MATRIX_FACTORIZATION_PARAMS: AlgorithmParams = {
  algorithm: "matrix_factorization",
  warmStart: true,
  checkpoints: true,
  params: [
    {
      name: "factors",
      type: "int",
      default: 16,
      min: 1,
      doc: "embedding dimension of users and items",
      aliases: [
        { name: "n_components", library: "scikit-learn" },
        { name: "rank", library: "Spark" },
      ],
    },
    epochs(20, "interactions"),
    batchSize("interactions", 256),
    learningRate(0.01),
    {
      name: "l2",
      type: "float",
      default: 1e-4,
      min: 0,
      doc: "penalty l2·(‖u‖² + ‖v‖²) on the embeddings used in each batch",
      aliases: [{ name: "regParam", library: "Spark" }],
    },
    {
      name: "user_column",
      type: "string",
      default: "",
      doc: "feature holding the user index (0, 1, 2, …); default the first feature",
      aliases: [{ name: "userCol", library: "Spark" }],
    },
    {
      name: "item_column",
      type: "string",
      default: "",
      doc: "feature holding the item index; default the second feature",
      aliases: [{ name: "itemCol", library: "Spark" }],
    },
    earlyStop("stop after this many epochs without validation improvement (0 = off)"),
  ],
};
