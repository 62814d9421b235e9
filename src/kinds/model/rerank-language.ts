// `history { user = "user_id"  item = "item_id"  category = "category" }` inside a model: the model is
// a re-ranker (specs/recommend.md). Its rows gain the re-ranking features of their (user, item) from
// the training rows before them (src/kinds/model/rerank-history.ts), and a deployment's `rerank`
// names it. The schema, and MLC1214: a history block needs a rank(…, item = …) task and a split that
// orders rows in time. Also read by the deploy kind's `rerank` check (`rerankerProblem`).
import type { Block, Expr } from "../../compiler/ast.js";
import { CheckCode } from "../../compiler/checker/codes.js";
import type { KindCheckContext } from "../../compiler/schema/hook.js";
import { d, t } from "../../compiler/schema/type-builders.js";
import type { NestedBlockSchema } from "../../compiler/schema/types.js";

export const historyBlock: NestedBlockSchema = {
  kind: "history",
  doc: "Makes the model a re-ranker for a deployment's `rerank` (specs/recommend.md): every split row gains five model inputs computed from the training rows strictly before its time (the split must order rows in time: `leave_last(…)` or `temporal(…)`): `user_recency_days` (days since the user's last row), `user_relevant` (the user's relevant rows), `category_affinity` (the share of them in the row's item category), `category_recency_days` (days since the user's last relevant row in that category) and `item_popularity` (the item's relevant rows, each weighted 0.5^(age / half_life)). /v1/recommend computes a candidate's values by the same rule from all the training rows, at the newest training time + 1 ms. The model's own features may read only the `user`, `item` and `category` columns named here (MLC2481 otherwise).",
  multiple: false,
  attributes: [
    {
      name: "user",
      type: t.string(),
      required: true,
      doc: "the user column (the retrieval model's user index values)",
    },
    {
      name: "item",
      type: t.string(),
      required: true,
      doc: "the item column (the retrieval model's item index values)",
    },
    { name: "category", type: t.string(), required: true, doc: "the item's category column" },
    {
      name: "half_life",
      type: t.duration(),
      required: false,
      default: d.duration("7d", 7 * 86_400),
      doc: "the half-life of a relevant row's weight in `item_popularity`",
    },
  ],
  nested: [],
};

const attr = (b: Block, name: string): Expr | undefined => {
  const a = b.body.find((i) => i.type === "attribute" && i.name === name);
  return a?.type === "attribute" ? a.value : undefined;
};

/** The `k` and `item` of a model's rank(…) task, or undefined when its task is not a rank call. */
export function rankTaskOf(model: Block): { k?: number; item: boolean } | undefined {
  const task = attr(model, "task");
  if (task?.type !== "call" || task.callee !== "rank") return undefined;
  const k = task.named.find((n) => n.name === "k")?.value;
  return { ...(k?.type === "number" ? { k: k.value } : {}), item: task.named.some((n) => n.name === "item") };
}

/** Why a model block is not a re-ranker (undefined when it is one). */
export function rerankerProblem(model: Block): string | undefined {
  const rank = rankTaskOf(model);
  if (!rank) return "its task is not rank(…)";
  if (!model.body.some((i) => i.type === "block" && i.kind === "history"))
    return "it has no history { … } block";
  return undefined;
}

/**
 * MLC1214: a history block on a model without a rank(…, item = …) task, or over a split without time
 * order; MLC1130: a half-life that is not positive (apply would refuse it, MLC2480).
 */
export function checkHistory(ctx: KindCheckContext): void {
  const block = ctx.nested("history")[0];
  if (!block) return;
  const rank = rankTaskOf(ctx.block);
  if (!rank?.item) {
    ctx.report(
      CheckCode.historyWithoutRankTask,
      block.kindSpan,
      `model \`${ctx.name}\` has a history block, which makes it a re-ranker of a user's items, but its task is not rank(label, group = USER, item = ITEM)`,
      { hint: "use task = rank(label, group = user, item = item)" },
    );
    return;
  }
  const halfLife = attr(block, "half_life");
  if (halfLife?.type === "duration" && !(halfLife.seconds > 0))
    ctx.report(
      CheckCode.valueNotAllowed,
      halfLife.span,
      `history.half_life weighs a row by 0.5^(age / half_life), so it must be a positive duration, not ${halfLife.raw}`,
      { hint: "for example half_life = 14d (the default is 7d)" },
    );
  const split = ctx.lookup(ctx.refName(ctx.attribute("data")) ?? "");
  const method = split ? attr(split, "method") : undefined;
  const name = method?.type === "call" ? method.callee : method?.type === "ref" ? method.path[0] : undefined;
  if (split && name !== undefined && name !== "leave_last" && name !== "temporal")
    ctx.report(
      CheckCode.historyWithoutRankTask,
      block.kindSpan,
      `model \`${ctx.name}\`'s history features are computed from the rows before each row's time, and split \`${split.name}\` (method ${name}) does not order rows in time`,
      {
        hint: "use method = leave_last(user, ts, n = 5) or temporal(ts)",
        related: [{ message: "the split's method", span: method!.span }],
      },
    );
}
