// Gate helpers: fairness and significance functions usable in gate assertions beside metric
// paths (`test.auc`, `champion.test.auc`, `latency.p99`).
import { d, t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import type { FunctionBuiltin } from "./types.js";

const part = {
  name: "part",
  type: t.enum("train", "valid", "test"),
  required: true,
  doc: "the evaluated split part",
} as const;
const by = {
  name: "by",
  type: t.column(),
  required: true,
  doc: "the group column (a column of the model's data)",
} as const;

for (const b of [
  {
    family: "gate",
    name: "parity",
    returns: "number",
    doc: "Largest difference between groups of `by` in a fairness measure (0 = parity).",
    params: [
      part,
      by,
      {
        name: "measure",
        type: t.enum("demographic_parity", "equal_opportunity", "equalized_odds"),
        required: false,
        default: d.name("demographic_parity"),
        doc: "which difference is measured",
      },
    ],
  },
  {
    family: "gate",
    name: "disparate_impact",
    returns: "number",
    doc: "Smallest ratio of positive-prediction rates between groups of `by` (1 = parity).",
    params: [part, by],
  },
  {
    family: "gate",
    name: "significant",
    returns: "bool",
    doc: "Whether a comparison with the champion holds with statistical significance (paired bootstrap, DeLong for AUC, McNemar for accuracy); passes when there is no champion.",
    params: [
      {
        name: "claim",
        type: t.expr("bool", "gate"),
        required: true,
        doc: "a comparison such as `test.auc > champion.test.auc`",
      },
      {
        name: "p",
        type: t.number(0, 1),
        required: false,
        default: d.number(0.05),
        doc: "the significance level",
      },
    ],
  },
] satisfies FunctionBuiltin[])
  registerBuiltin(b);
