// `decision { … }` inside a model: what a binary classifier's outcomes cost or earn, and how its
// decision threshold is chosen on the validation part (src/ml/decision-threshold.ts). The schema
// and the checks the language makes of it; model-spec.ts reads the lowered block.
import { CheckCode } from "../../compiler/checker/codes.js";
import type { Expr } from "../../compiler/ast.js";
import type { KindCheckContext } from "../../compiler/schema/hook.js";
import { d, t } from "../../compiler/schema/type-builders.js";
import type { NestedBlockSchema } from "../../compiler/schema/types.js";
import { didYouMean } from "../../ir/did-you-mean.js";

/** The outcomes a cost or profit may name. */
export const OUTCOMES = ["tp", "fp", "tn", "fn"] as const;

/** The threshold rules written as names; `precision(…)` and `recall(…)` are calls of the threshold family. */
export const NAMED_RULES = ["optimize", "f1", "youden"] as const;

export const decisionBlock: NestedBlockSchema = {
  kind: "decision",
  doc: "A binary classifier's decision: what each outcome (`tp`, `fp`, `tn`, `fn`) costs or earns per row, and how the probability threshold is chosen on the validation part. The threshold is recorded with the version (`decision_threshold`) and decides the `label` of batch, REST, gRPC and streamed predictions alike; with a cost or profit the model reports `cost` and `profit` (mean per row) on every part, with intervals, for gates and objectives.",
  multiple: false,
  attributes: [
    {
      name: "cost",
      type: t.object(t.number()),
      required: false,
      doc: "the cost of each outcome per row, e.g. `{ fp = 1, fn = 20 }`; outcomes not named cost 0",
    },
    {
      name: "profit",
      type: t.object(t.number()),
      required: false,
      doc: "what each outcome earns per row, e.g. `{ tp = 50, fp = -5 }` (a negative profit is a cost); instead of `cost`",
    },
    {
      name: "threshold",
      type: t.union(t.enum(...NAMED_RULES), t.call("threshold")),
      required: false,
      default: d.name("optimize"),
      doc: "`optimize` (the least total cost on the valid rows; needs `cost` or `profit`), `f1` (the best F1), `youden` (the best TPR − FPR), `precision(0.9)` (the lowest threshold reaching that precision) or `recall(0.8)` (the highest reaching that recall); ties keep the highest threshold",
    },
  ],
  nested: [],
};

const attr = (b: { body: readonly unknown[] }, name: string): Expr | undefined => {
  for (const i of b.body as { type: string; name?: string; value?: Expr }[])
    if (i.type === "attribute" && i.name === name) return i.value;
  return undefined;
};

/**
 * A decision belongs to a classifier learning from a split with valid rows; it declares cost or
 * profit (not both) over the four outcomes; `optimize` needs one of them; the model's own
 * `threshold` and a decision may not both decide; contamination is an anomaly model's rule.
 */
export function checkDecision(ctx: KindCheckContext, kfold: { split?: string; kfold: boolean }): void {
  const block = ctx.nested("decision")[0];
  if (!block) return;
  const task = ctx.attribute("task");
  if (task?.type === "call" && task.callee !== "classify") {
    ctx.report(
      CheckCode.valueNotAllowed,
      block.kindSpan,
      `a decision chooses a binary classifier's threshold; model \`${ctx.name}\` does ${task.callee}`,
      { hint: "remove the decision block, or give the model `task = classify(LABEL, positive = VALUE)`" },
    );
    return;
  }
  if (kfold.kfold)
    ctx.report(
      CheckCode.valueNotAllowed,
      block.kindSpan,
      `a decision's threshold is chosen on the valid rows, and kfold split \`${kfold.split}\` has none`,
      { hint: "give the model a split with a valid part: `method = stratified(LABEL)` with `valid = 15%`" },
    );
  const own = ctx.block.body.find((i) => i.type === "attribute" && i.name === "threshold");
  if (own?.type === "attribute")
    ctx.report(
      CheckCode.conflictingAttributes,
      own.value.span,
      `model \`${ctx.name}\` has a \`threshold\` and a decision block: both decide its threshold`,
      {
        hint: "keep one: the decision's rule, or a fixed `threshold = 0.4` without a decision",
        related: [{ message: "the decision", span: block.kindSpan }],
      },
    );
  const cost = attr(block, "cost");
  const profit = attr(block, "profit");
  if (cost && profit)
    ctx.report(
      CheckCode.conflictingAttributes,
      profit.span,
      "a decision declares a cost or a profit per outcome, not both",
      {
        hint: "keep one; a profit is a negative cost: `profit = { tp = 50, fp = -5 }`",
        related: [{ message: "the cost", span: cost.span }],
      },
    );
  for (const values of [cost, profit]) {
    if (values?.type !== "object") continue;
    if (values.entries.length === 0)
      ctx.report(CheckCode.valueNotAllowed, values.span, "name at least one outcome: `{ fp = 1, fn = 20 }`", {
        hint: `outcomes: ${OUTCOMES.join(", ")}`,
      });
    for (const e of values.entries)
      if (!(OUTCOMES as readonly string[]).includes(e.key))
        ctx.report(
          CheckCode.valueNotAllowed,
          e.keySpan,
          `\`${e.key}\` is not an outcome of a binary decision`,
          {
            hint: didYouMean(e.key, [...OUTCOMES]) ?? `outcomes: ${OUTCOMES.join(", ")}`,
          },
        );
  }
  const rule = attr(block, "threshold");
  const ruleName =
    rule === undefined
      ? "optimize"
      : rule.type === "ref"
        ? rule.path.join(".")
        : rule.type === "call"
          ? rule.callee
          : "";
  if (ruleName === "optimize" && !cost && !profit)
    ctx.report(
      CheckCode.valueNotAllowed,
      rule?.span ?? block.kindSpan,
      "`threshold = optimize` minimises the cost of the decisions, and this decision declares no cost or profit",
      { hint: "add `cost = { fp = 1, fn = 20 }`, or choose another rule: `threshold = f1`" },
    );
  if (rule?.type === "call" && rule.callee === "contamination")
    ctx.report(
      CheckCode.valueNotAllowed,
      rule.span,
      "`contamination(…)` is an anomaly model's rule; a classifier's decision has labels",
      { hint: "use `optimize`, `f1`, `youden`, `precision(0.9)` or `recall(0.8)`" },
    );
}
