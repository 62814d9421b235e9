// Data expectations: table-level checks usable in `expect { … }` and `warn { … }` beside
// row-level assertions (`tenure >= 0`) and the row count `rows`.
import { t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import type { FunctionBuiltin } from "./types.js";

const col = { name: "col", type: t.column(), required: true, doc: "the column checked" } as const;
const stat = (
  name: string,
  doc: string,
  returns: "number" | "bool" | "duration" = "number",
): FunctionBuiltin => ({ family: "expectation", name, returns, doc, params: [col] });

for (const b of [
  stat("nulls", "Number of null values in the column."),
  stat("null_fraction", "Share of null values in the column, from 0 to 1."),
  stat("unique", "Whether no value occurs twice (a key).", "bool"),
  stat("distinct", "Number of distinct non-null values."),
  stat("mean", "Mean of the column's non-null values."),
  stat("stddev", "Standard deviation of the column's non-null values."),
  stat("median", "Median of the column's non-null values."),
  stat("min", "Smallest value of the column."),
  stat("max", "Largest value of the column."),
  stat("freshness", "Time from the column's latest timestamp to now.", "duration"),
  {
    family: "expectation",
    name: "quantile",
    returns: "number",
    doc: "The q-quantile of the column's non-null values.",
    params: [col, { name: "q", type: t.number(0, 1), required: true, doc: "the quantile, from 0 to 1" }],
  },
  {
    family: "expectation",
    name: "matches",
    returns: "bool",
    doc: "Whether every non-null value matches the regular expression.",
    params: [
      col,
      { name: "pattern", type: t.string(), required: true, doc: "a JavaScript regular expression" },
    ],
  },
  {
    family: "expectation",
    name: "allowed",
    returns: "bool",
    doc: "Whether every non-null value is one of `values`.",
    params: [
      col,
      { name: "values", type: t.list(t.literal(), 1), required: true, doc: "the allowed values" },
    ],
  },
] satisfies FunctionBuiltin[])
  registerBuiltin(b);
