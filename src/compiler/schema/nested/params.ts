// `params { name = value }` inside a model: the algorithm's hyperparameters. Values are literals
// or search-space distributions (which make the model tuned); checker/params.ts checks them
// against the algorithm's parameter specs (src/ml/params).
import { t } from "../type-builders.js";
import type { NestedBlockSchema } from "../types.js";

export const paramsBlock: NestedBlockSchema = {
  kind: "params",
  doc: "Hyperparameters of the algorithm, by name: see [Algorithm parameters](#algorithm-parameters). A value may be a distribution (`loguniform(0.01, 0.3)`, `int(3, 10)`, `choice([…])`), which the `tune` block searches.",
  multiple: false,
  attributes: [],
  free: {
    nameDoc: "parameter name",
    type: t.union(t.literal(), t.call("distribution")),
    doc: "a literal value or a search-space distribution",
  },
  nested: [],
};
