// `split`: assigns the rows of a table to train, valid and test, by a seeded method.
import type { Expr } from "../../compiler/ast.js";
import { CheckCode } from "../../compiler/checker/codes.js";
import { spanCovering } from "../../ir/span.js";
import type { BlockKindSchema } from "../../compiler/schema/types.js";
import { d, t } from "../../compiler/schema/type-builders.js";

import { PARTS, resolveShares, type Part } from "./config.js";

export const splitLanguage: BlockKindSchema = {
  kind: "split",
  doc: "Train/validation/test assignment of a table's rows. When no share is given the split is 70% / 15% / 15%; when any is given, the given shares must add up to 100% (a missing one is 0%).",
  name: "required",
  table: "partitioned",
  input: { attribute: "from", members: "all" },
  attributes: [
    { name: "from", type: t.ref("source", "features"), required: true, doc: "the table split" },
    {
      name: "method",
      type: t.call("split"),
      required: false,
      default: d.name("random"),
      doc: "how rows are assigned",
    },
    { name: "train", type: t.percent(), required: false, doc: "share of training rows" },
    {
      name: "valid",
      type: t.percent(),
      required: false,
      doc: "share of validation rows (early stopping, tuning)",
    },
    { name: "test", type: t.percent(), required: false, doc: "share of test rows (evaluation, gates)" },
    { name: "seed", type: t.int(0), required: false, doc: "the seed; default the project's" },
    {
      name: "key",
      type: t.column(),
      required: false,
      doc: "the column identifying a row for the hash that places it (default: the source's `key` when the split reads the source, else the row's whole content, so identical rows share a part)",
    },
  ],
  nested: [],
  check(ctx) {
    // kfold deals every non-test row into a fold: a valid share would be silently unused.
    const method = ctx.attribute("method");
    const valid = ctx.written("valid") ? ctx.attribute("valid") : undefined;
    if (method?.type === "call" && method.callee === "kfold" && valid?.type === "percent" && valid.value > 0)
      ctx.report(
        CheckCode.valueNotAllowed,
        valid.span,
        "a kfold split has no valid part: every row that is not test belongs to a fold",
        { hint: "remove `valid` (models measure on the held-out folds: `cv.auc`), or use another method" },
      );
    const given = PARTS.map((s) => [s, ctx.written(s) ? ctx.attribute(s) : undefined] as const).filter(
      (p): p is readonly [Part, Expr] => p[1] !== undefined,
    );
    // column(col) reads each row's part from the data: a share would be silently unused.
    if (method?.type === "call" && method.callee === "column") {
      for (const [s, e] of given)
        ctx.report(
          CheckCode.valueNotAllowed,
          e.span,
          `a column split takes each row's part from its column: \`${s}\` has no effect`,
          { hint: `remove \`${s}\`; the column's values (train, valid, test) decide` },
        );
      return;
    }
    if (given.some(([, e]) => e.type !== "percent")) return; // wrong types are reported already
    const percents: Partial<Record<Part, number>> = {};
    for (const [s, e] of given) if (e.type === "percent") percents[s] = e.value;
    const r = resolveShares(percents);
    if ("total" in r) {
      const parts = given.map(([s, e]) => `${s} ${e.type === "percent" ? e.raw : "?"}`).join(" + ");
      const span = given.map(([, e]) => e.span).reduce(spanCovering);
      ctx.report(
        CheckCode.sharesNotHundred,
        span,
        `split shares add up to ${+r.total.toFixed(6)}% (${parts}), not 100%`,
      );
    }
  },
};
