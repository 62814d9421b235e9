// Hyperparameter search: methods for `tune { method = … }` and the objective functions that name
// the metric optimised.
import { d, t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import type { FunctionBuiltin } from "./types.js";

const metric = { name: "metric", type: t.metric(), required: true, doc: "a metric path of this model, usually on `valid`" } as const;

for (const b of [
  { family: "tuner", name: "grid", returns: "any", doc: "Every combination of `choice` and `int` values (continuous distributions are not allowed).", params: [] },
  { family: "tuner", name: "random", returns: "any", doc: "Independent random draws from every distribution.", params: [] },
  {
    family: "tuner", name: "tpe", returns: "any", doc: "Tree-structured Parzen Estimator: random start-up trials, then density-ratio proposals.",
    params: [{ name: "startup", type: t.int(1), required: false, default: d.number(10), doc: "random trials before the model-based proposals" }],
  },
  { family: "objective", name: "maximize", returns: "any", doc: "Pick the trial with the largest metric.", params: [metric] },
  { family: "objective", name: "minimize", returns: "any", doc: "Pick the trial with the smallest metric.", params: [metric] },
] satisfies FunctionBuiltin[]) registerBuiltin(b);
