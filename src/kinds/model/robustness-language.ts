// `robustness { … }` inside a model: which perturbation suites the model executor runs on the test
// rows (src/kinds/model/robustness.ts), whose results gates read as `robustness.SUITE.MEASURE`.
// The schema and the checks the language makes of it; suite names live in src/ir/robustness-names.ts.
import { CheckCode } from "../../compiler/checker/codes.js";
import type { KindCheckContext } from "../../compiler/schema/hook.js";
import { d, t } from "../../compiler/schema/type-builders.js";
import type { NestedBlockSchema } from "../../compiler/schema/types.js";
import { DEFAULT_NOISE_PERCENT, DEFAULT_NOISE_SD } from "../../ir/robustness-names.js";

const flag = (name: string, doc: string): NestedBlockSchema["attributes"][number] => ({
  name,
  type: t.bool(),
  required: false,
  default: d.bool(true),
  doc,
});

export const robustnessBlock: NestedBlockSchema = {
  kind: "robustness",
  doc: "Perturbation suites run on the test rows with the model as scored (pipeline and estimator, after calibration), generated from the source schemas and expectations. Each suite records `robustness.SUITE.MEASURE` metrics for gates and report.html: the metric on the perturbed rows (`auc`, `accuracy`; `rmse`, `mae` for regression), its change from the clean test rows (`auc_drop`, `accuracy_drop`, `rmse_rise`, `mae_rise`), `error_rate` (the share of perturbed rows whose scoring failed or gave a non-finite value) and `rows`. Suites: `noise_5pct` (every numeric input moved by ±5 %, the sign drawn per value), `noise_1sd` (by ± one training standard deviation), `missing` (each nullable input set to null in turn), `out_of_range` (each numeric input at, and one training standard deviation beyond, each bound of its expectations, or of the training range without one), `unseen` (each category or string input set to a value training never saw), `swapped` (each category or string input shuffled across rows), `empty` (each category or string input set to the empty string). Draws are seeded by the model's seed.",
  multiple: false,
  attributes: [
    {
      name: "noise",
      type: t.list(t.percent()),
      required: false,
      doc: `relative noise levels; each is a suite \`noise_Npct\` (default [${DEFAULT_NOISE_PERCENT.map((p) => `${p}%`).join(", ")}]; \`[]\` for none)`,
    },
    {
      name: "noise_sd",
      type: t.list(t.number(0)),
      required: false,
      doc: `noise in training standard deviations; each is a suite \`noise_Ksd\` (default [${DEFAULT_NOISE_SD.join(", ")}]; \`[]\` for none)`,
    },
    flag(
      "missing",
      "set each nullable input (declared `nullable(type)`, or undeclared and holding a null) to null in turn",
    ),
    flag("out_of_range", "put each numeric input at and beyond the bounds of its expectations"),
    flag("unseen", "set each category or string input to a value training never saw"),
    flag("swapped", "shuffle each category or string input across the test rows"),
    flag("empty", "set each category or string input to the empty string"),
  ],
  nested: [],
};

/** Robustness suites measure a classifier or a regressor on its labelled test rows. */
export function checkRobustness(ctx: KindCheckContext): void {
  const block = ctx.nested("robustness")[0];
  if (!block) return;
  const task = ctx.attribute("task");
  if (task?.type === "call" && task.callee !== "classify" && task.callee !== "regress")
    ctx.report(
      CheckCode.valueNotAllowed,
      block.kindSpan,
      `robustness suites measure a classifier or a regressor on its test rows; model \`${ctx.name}\` does ${task.callee}`,
      { hint: "remove the robustness block, or use `task = classify(…)` or `task = regress(…)`" },
    );
  for (const item of block.body) {
    if (item.type !== "attribute" || (item.name !== "noise" && item.name !== "noise_sd")) continue;
    if (item.value.type !== "list") continue;
    for (const v of item.value.items) {
      const n = v.type === "percent" || v.type === "number" ? v.value : undefined;
      if (n !== undefined && n <= 0)
        ctx.report(CheckCode.valueNotAllowed, v.span, "a noise level is greater than zero", {
          hint: "write `noise = [5%]` or `noise_sd = [1]`; `[]` runs no noise suite",
        });
    }
  }
}
