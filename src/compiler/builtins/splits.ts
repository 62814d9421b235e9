// Split methods: how a split block assigns rows to train, valid and test. All are seeded by the
// split's `seed`; all but temporal place rows by a hash of the row's key, so they stay put.
import { d, t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import type { FunctionBuiltin } from "./types.js";

const col = (doc: string) => ({ name: "col", type: t.column(), required: true, doc });

for (const b of [
  {
    family: "split",
    name: "random",
    returns: "any",
    doc: "Each row goes to a part by a seeded hash of its key (the split's `key`, else its source's `key`, else the row's whole content), so the shares are met up to sampling noise and a row never changes part when rows are appended, removed or reordered. Stable.",
    params: [],
  },
  {
    family: "split",
    name: "stratified",
    returns: "any",
    doc: "As `random` (each row by the seeded hash of its key), with each value of `col` reported per part (`strata_rows` in the split's summary): every part keeps the label's distribution up to sampling noise, and rows never change part as data grows. Stable.",
    params: [col("the column whose distribution is kept (usually the label)")],
  },
  {
    family: "split",
    name: "temporal",
    returns: "any",
    doc: "Ordered by `col`: valid and test rows are strictly later than every training row; the cut timestamps are reported. Stable by construction for data that grows forward in time: appended later rows move the cuts forward, so an old row can only move to an earlier part (test → valid → train), never into test.",
    params: [col("the timestamp column")],
  },
  {
    family: "split",
    name: "group",
    returns: "any",
    doc: "An entity (a value of `col`) goes to a part by a seeded hash of its value, so it is never in two parts and keeps its part as rows and entities are added. Stable.",
    params: [col("the entity column")],
  },
  {
    family: "split",
    name: "kfold",
    returns: "any",
    doc: "k folds for cross-validation: `test` (if given) is held out by the seeded row hash (stable, as `random`); the other rows are dealt into k balanced folds in the order of a second hash draw, per value of `by`. A model on a kfold split is fitted once per fold (the feature pipeline too, on that fold's training rows) and scored on the held-out fold: it reports `cv.METRIC` (the mean over folds) and `cv.METRIC.sd` (their standard deviation), which gates read and searches optimise (`objective = maximize(cv.auc)`); the model itself is then refitted on all training rows and evaluated on test. There is no valid part, so no `early_stop` and no `valid.*` objective.",
    params: [
      { name: "k", type: t.int(2), required: true, doc: "number of folds" },
      { name: "by", type: t.column(), required: false, doc: "stratify the folds by this column" },
    ],
  },
  {
    family: "split",
    name: "leave_last",
    returns: "any",
    doc: "Per user (a value of `user`), the last `n` rows by `time` go to test and, when `valid` has a share, the `n` before them to valid; the rest train (the shares only say whether there is a valid part). A user with `n` rows or fewer stays in train, one with 2·`n` or fewer has no valid rows. How recommenders are evaluated offline: every user on what they did next. Not stable as data grows: a user's new rows move their earlier test rows into train.",
    params: [
      { name: "user", type: t.column(), required: true, doc: "the user (entity) column" },
      {
        name: "time",
        type: t.column(),
        required: true,
        doc: "the timestamp column that orders a user's rows",
      },
      {
        name: "n",
        type: t.int(1),
        required: false,
        default: d.number(1),
        doc: "rows per user held out for test (and for valid)",
      },
    ],
  },
  {
    family: "split",
    name: "column",
    returns: "any",
    doc: "Each row's part is read from `col`, whose values are `train`, `valid` or `test`: an external test set (rows of another file marked `test`, joined or concatenated into the source) or parts fixed by someone else. The column decides, so the split takes no `train`/`valid`/`test` shares and no seed; a missing or other value fails the split with its row and value. Stable as long as the column is.",
    params: [col("the column naming each row's part: `train`, `valid` or `test`")],
  },
] satisfies FunctionBuiltin[])
  registerBuiltin(b);
