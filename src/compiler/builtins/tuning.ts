// Hyperparameter search: methods for `tune { method = … }`, the objective functions that name the
// metrics optimised, and the rules that pick one trial from the Pareto front of several objectives.
import { d, t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import type { FunctionBuiltin } from "./types.js";

const metric = {
  name: "metric",
  type: t.metric(),
  required: true,
  doc: "a metric path of this model on `valid` (`valid.auc`), or `model.bytes` (the trial model's serialized size)",
} as const;

for (const b of [
  {
    family: "tuner",
    name: "grid",
    returns: "any",
    doc: "Every combination of `choice` and `int` values (continuous distributions are not allowed).",
    params: [],
  },
  {
    family: "tuner",
    name: "random",
    returns: "any",
    doc: "Independent random draws from every distribution.",
    params: [],
  },
  {
    family: "tuner",
    name: "tpe",
    returns: "any",
    doc: "Tree-structured Parzen Estimator: random start-up trials, then density-ratio proposals.",
    params: [
      {
        name: "startup",
        type: t.int(1),
        required: false,
        default: d.number(10),
        doc: "random trials before the model-based proposals",
      },
    ],
  },
  {
    family: "objective",
    name: "maximize",
    returns: "any",
    doc: "Pick the trial with the largest metric.",
    params: [metric],
  },
  {
    family: "objective",
    name: "minimize",
    returns: "any",
    doc: "Pick the trial with the smallest metric.",
    params: [metric],
  },
  {
    family: "pick",
    name: "closest_to_ideal",
    returns: "any",
    params: [],
    doc: "The default. After min–max scaling each objective over the front, the trial nearest (Euclidean distance) to the ideal point that is best on every objective: a balanced compromise.",
  },
  {
    family: "pick",
    name: "first",
    returns: "any",
    params: [],
    doc: "The front's best trial on the first objective (ties: the earlier trial); the other objectives only break ties and guide the search.",
  },
  {
    family: "pick",
    name: "weighted",
    returns: "any",
    doc: "The front's trial with the smallest Σ wᵢ·lᵢ, where lᵢ is objective i's loss (a maximised metric counts negatively) min–max scaled over the front to [0, 1]: weights are relative importances, whatever the metrics' units (`model.bytes` is in bytes).",
    params: [
      {
        name: "weights",
        type: t.list(t.number(0), 1),
        required: true,
        doc: "one non-negative weight per objective, in the order of the objective list",
      },
    ],
  },
] satisfies FunctionBuiltin[])
  registerBuiltin(b);
