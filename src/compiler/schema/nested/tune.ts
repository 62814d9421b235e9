// `tune { … }` inside a model: the hyperparameter search over the distributions of `params`.
import { d, t } from "../type-builders.js";
import type { NestedBlockSchema } from "../types.js";

export const tuneBlock: NestedBlockSchema = {
  kind: "tune",
  doc: "Hyperparameter search over the distributions in `params`; trials are seeded, recorded one by one, and resumable.",
  multiple: false,
  attributes: [
    {
      name: "method",
      type: t.call("tuner"),
      required: false,
      default: d.name("tpe"),
      doc: "the search method",
    },
    { name: "trials", type: t.int(1), required: false, default: d.number(20), doc: "number of trials" },
    {
      name: "objective",
      type: t.union(t.call("objective"), t.list(t.call("objective"), 1)),
      required: true,
      doc: "`maximize(valid.auc)`, or a list of objectives searched for their Pareto front: `[maximize(valid.auc), minimize(model.bytes)]` (the first one drives pruning)",
    },
    {
      name: "pick",
      type: t.call("pick"),
      required: false,
      default: d.name("closest_to_ideal"),
      doc: "with several objectives, how the trial that is refitted is chosen from the Pareto front; no effect with one",
    },
    {
      name: "parallel",
      type: t.int(1),
      required: false,
      default: d.number(1),
      doc: "trials run at once in worker threads",
    },
    {
      name: "pruner",
      type: t.enum("none", "median", "successive_halving", "hyperband"),
      required: false,
      default: d.name("none"),
      doc: "stops unpromising trials early from their intermediate values",
    },
    { name: "timeout", type: t.duration(), required: false, doc: "stop starting new trials after this long" },
  ],
  nested: [],
};
