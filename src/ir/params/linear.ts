// The parameters of linear and logistic regression: types, ranges, defaults, meanings and the
// names scikit-learn gives them. Pure data, read by the compiler and the learner.
import type { AlgorithmParams, ParamSpec } from "./spec.js";

const solver: readonly ParamSpec[] = [
  {
    name: "max_iter",
    type: "int",
    default: 500,
    min: 1,
    doc: "maximum solver (L-BFGS / OWL-QN) iterations",
    aliases: [{ name: "n_iter", library: "scikit-learn" }],
  },
  {
    name: "tol",
    type: "float",
    default: 1e-7,
    min: 0,
    doc: "stop when the largest (pseudo-)gradient component falls below this",
  },
];

export const LINEAR_PARAMS: AlgorithmParams = {
  algorithm: "linear",
  params: [
    {
      name: "l2",
      type: "float",
      default: 0,
      min: 0,
      doc: "L2 (ridge) penalty on the standardised coefficients; objective is mean squared error / 2 on the standardised target + l2/2·‖w‖²",
      aliases: [
        {
          name: "alpha",
          library: "scikit-learn",
          note: "Ridge's alpha penalises the sum of squared errors on the raw scale: l2 ≈ alpha / rows",
        },
        { name: "reg_lambda", library: "XGBoost" },
      ],
    },
    {
      name: "l1",
      type: "float",
      default: 0,
      min: 0,
      doc: "L1 (lasso) penalty l1·‖w‖₁ on the standardised coefficients; with l2 > 0 this is the elastic net. Solved by OWL-QN; yields exact zeros",
      aliases: [{ name: "reg_alpha", library: "XGBoost" }],
    },
    ...solver,
  ],
};

export const LOGISTIC_PARAMS: AlgorithmParams = {
  algorithm: "logistic",
  params: [
    {
      name: "l2",
      type: "float",
      default: 1e-4,
      min: 0,
      doc: "L2 penalty on the standardised coefficients; objective is mean log-loss + l2/2·‖w‖² (intercepts unpenalised)",
      aliases: [{ name: "reg_lambda", library: "XGBoost" }],
    },
    {
      name: "C",
      type: "float",
      default: 0,
      min: 0,
      doc: "scikit-learn style inverse regularisation; when > 0 it replaces l2 with 1/(C·n)",
    },
    {
      name: "l1",
      type: "float",
      default: 0,
      min: 0,
      doc: "L1 penalty l1·‖w‖₁ on the standardised coefficients (with l2: elastic net). Solved by OWL-QN; yields exact zeros",
      aliases: [{ name: "reg_alpha", library: "XGBoost" }],
    },
    ...solver,
  ],
};
