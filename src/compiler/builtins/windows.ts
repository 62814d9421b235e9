// Window aggregations: per-entity aggregates over a time window ending at each row's timestamp,
// computed point-in-time correct by the batch backend and looked up online when serving.
import { t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import type { FunctionBuiltin, ParamSpec } from "./types.js";

const windowParams: ParamSpec[] = [
  {
    name: "over",
    type: t.duration(),
    required: true,
    namedOnly: true,
    doc: "the window length ending at the row's timestamp (`7d`, `30d`)",
  },
  {
    name: "by",
    type: t.column(),
    required: true,
    namedOnly: true,
    doc: "the entity column the aggregate is grouped by",
  },
  {
    name: "at",
    type: t.column(),
    required: false,
    namedOnly: true,
    doc: "the timestamp column; defaults to the block's or the source's `timestamp`",
  },
];

const agg = (name: string, doc: string, valueRequired: boolean): FunctionBuiltin => ({
  family: "window",
  name,
  returns: "number",
  serving: "lookup",
  doc,
  params: [
    {
      name: "x",
      type: t.expr(valueRequired ? "number" : "any"),
      required: valueRequired,
      doc: valueRequired ? "the value aggregated" : "count only rows where x is not null",
    },
    ...windowParams,
  ],
});

for (const b of [
  agg(
    "count",
    "Number of rows of the entity in the window (rows where x is not null when x is given).",
    false,
  ),
  agg("sum", "Sum of x over the entity's rows in the window.", true),
  agg("mean", "Mean of x over the entity's rows in the window.", true),
  agg("max", "Largest x among the entity's rows in the window.", true),
  agg("min", "Smallest x among the entity's rows in the window.", true),
])
  registerBuiltin(b);
