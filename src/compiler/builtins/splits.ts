// Split methods: how a split block assigns rows to train, valid and test. All are seeded by the
// split's `seed`.
import { t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import type { FunctionBuiltin } from "./types.js";

const col = (doc: string) => ({ name: "col", type: t.column(), required: true, doc });

for (const b of [
  {
    family: "split",
    name: "random",
    returns: "any",
    doc: "Rows assigned at random in the given shares.",
    params: [],
  },
  {
    family: "split",
    name: "stratified",
    returns: "any",
    doc: "Random within each value of `col`, so every part keeps the label's distribution.",
    params: [col("the column whose distribution is kept (usually the label)")],
  },
  {
    family: "split",
    name: "temporal",
    returns: "any",
    doc: "Ordered by `col`: valid and test rows are strictly later than every training row; the cut timestamps are reported.",
    params: [col("the timestamp column")],
  },
  {
    family: "split",
    name: "group",
    returns: "any",
    doc: "An entity (a value of `col`) is never in two parts.",
    params: [col("the entity column")],
  },
  {
    family: "split",
    name: "kfold",
    returns: "any",
    doc: "k folds for cross-validation; `test` (if given) is held out first.",
    params: [
      { name: "k", type: t.int(2), required: true, doc: "number of folds" },
      { name: "by", type: t.column(), required: false, doc: "stratify the folds by this column" },
    ],
  },
] satisfies FunctionBuiltin[])
  registerBuiltin(b);
