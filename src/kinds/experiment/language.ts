// `experiment`, the language half: an online A/B test between models behind one deployment, with
// its allocation, metrics, guardrails, planned power and declared decisions; its checks.
import type { Block, Expr } from "../../compiler/ast.js";
import { CheckCode } from "../../compiler/checker/codes.js";
import { exprToJson } from "../../compiler/expr-to-json.js";
import type { KindCheckContext } from "../../compiler/schema/hook.js";
import type { BlockKindSchema } from "../../compiler/schema/types.js";
import { d, t } from "../../compiler/schema/type-builders.js";
import type { Json } from "../../ir/graph-ir.js";
import { countText } from "../../ml/report/html-format.js";
import { decodeExperimentConfig, ExperimentConfigError, planExperiment } from "./config.js";
import { lowerExperiment } from "./lower.js";

export const experimentLanguage: BlockKindSchema = {
  kind: "experiment",
  doc: "An online experiment on a deployment: every variant's model serves side by side, requests are routed by a salted stable hash of `key` with the `allocation`, outcomes arrive as `POST /v1/feedback` items with `metric` and `value` (by request id, or by the key), and the primary metric is tested (sequential by default, safe to check at any time) against the control; guardrails stop a harmful arm and the declared decisions promote the winner or stop, applied by `mlc experiment NAME [--watch]`. `mlc plan` (text, `--json`, `--markdown`) shows the sample size per arm. `mlc experiment status|stop|promote NAME`; every decision is audited with time and reason. A concluded experiment is never started again under its name. See specs/experiments.md.",
  name: "required",
  attributes: [
    {
      name: "deployment",
      type: t.ref("deploy"),
      required: true,
      doc: "the deployment whose traffic is split",
    },
    {
      name: "variants",
      type: t.object(t.ref("model")),
      required: true,
      doc: "variant name to model: `{ control = churn, offer = retention }`; at least two. The experiment waits on every gate guarding these models: a failing gate keeps it from serving",
    },
    {
      name: "control",
      type: t.string(),
      required: false,
      doc: "the control variant (default: the first); traffic returns to it when the experiment stops",
    },
    {
      name: "allocation",
      type: t.object(t.percent()),
      required: false,
      doc: "variant name to traffic share, adding up to 100%; default equal shares",
    },
    {
      name: "key",
      type: t.string(),
      required: true,
      doc: "the request field hashed (salted with the experiment's name) to pick a variant: the randomisation unit",
    },
    {
      name: "default_arm",
      type: t.string(),
      required: false,
      doc: "the variant of requests without the key; without it such requests get a 400 naming the field",
    },
    {
      name: "metrics",
      type: t.object(t.enum("binary", "continuous")),
      required: true,
      doc: "outcome name (the `metric` of `POST /v1/feedback` items) to its kind: `{ converted = binary, revenue = continuous }`; a binary value is 0/1 (or true/false), a unit's outcomes add up over its requests, a unit without one counts 0",
    },
    { name: "primary", type: t.string(), required: true, doc: "the metric that decides the experiment" },
    {
      name: "guardrails",
      type: t.object(t.union(t.duration(), t.percent())),
      required: false,
      doc: "`latency_p99 = 250ms` (an arm's p99 latency), `error_rate = 1%` (the share of an arm's requests that failed: a 5xx from scoring or its online store), or a metric with the harm tolerated (`revenue = 2%`); latency and errors are judged from an arm's 100th request on. An arm breaching one is stopped (`on_guardrail`)",
    },
    {
      name: "mde",
      type: t.percent(),
      required: true,
      doc: "minimum detectable effect, relative to the control (`5%`)",
    },
    {
      name: "alpha",
      type: t.number(0, 1),
      required: false,
      default: d.number(0.05),
      doc: "the significance level",
    },
    {
      name: "power",
      type: t.number(0, 1),
      required: false,
      default: d.number(0.8),
      doc: "the planned power",
    },
    {
      name: "baseline",
      type: t.union(t.percent(), t.number()),
      required: false,
      doc: "the primary metric's expected control value (a rate for binary metrics, a mean for continuous ones); sizes the experiment. Without it, `mlc plan` and `mlc apply` estimate it from the deployment's prediction log and feedback (at least 100 units and one outcome) and say from how many units",
    },
    {
      name: "baseline_sd",
      type: t.number(0),
      required: false,
      doc: "the unit-level standard deviation of a continuous primary metric; estimated like `baseline` when not declared",
    },
    {
      name: "traffic_per_day",
      type: t.int(1),
      required: false,
      doc: "units expected per day; gives the duration in the plan",
    },
    {
      name: "duration",
      type: t.duration(),
      required: false,
      doc: "the planned duration; `mlc validate` warns when it cannot reach the sample size at `traffic_per_day` (the verdict comes from the test, not the clock)",
    },
    {
      name: "test",
      type: t.enum("sequential", "fixed"),
      required: false,
      default: d.name("sequential"),
      doc: "`sequential`: always-valid p-values, safe to check at any time; `fixed`: one look, no verdict before the planned sample size",
    },
    {
      name: "covariate",
      type: t.string(),
      required: false,
      doc: "a continuous metric holding each unit's pre-period value: variance reduction by CUPED",
    },
    {
      name: "on_win",
      type: t.enum("promote", "report"),
      required: false,
      default: d.name("promote"),
      doc: "what a significant winner does: `promote` serves it to all traffic (and makes it its model's champion); `report` only reports",
    },
    {
      name: "on_loss",
      type: t.enum("stop", "report"),
      required: false,
      default: d.name("stop"),
      doc: "what a losing or inconclusive experiment does: `stop` returns all traffic to the control",
    },
    {
      name: "on_guardrail",
      type: t.enum("stop", "report"),
      required: false,
      default: d.name("stop"),
      doc: "what a breached guardrail does: `stop` returns all traffic to the control",
    },
  ],
  nested: [],
  check: checkExperiment,
  lower: lowerExperiment,
};

/** The block's written attributes as the JSON the node config carries. */
function attributesJson(block: Block): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const item of block.body)
    if (item.type === "attribute") out[item.name] = exprToJson(item.value) as Json;
  return out;
}

function checkExperiment(ctx: KindCheckContext): void {
  const span = (attr: string): Expr["span"] => ctx.attribute(attr)?.span ?? ctx.block.span;
  let config;
  try {
    config = decodeExperimentConfig(ctx.name, attributesJson(ctx.block));
  } catch (e) {
    if (!(e instanceof ExperimentConfigError)) throw e;
    // attributes the generic checker rejects (missing, wrong type) are reported there already
    if (!ctx.written(e.attribute) && e.attribute !== "control") return;
    ctx.report(
      /not 100%/.test(e.message) ? CheckCode.sharesNotHundred : CheckCode.valueNotAllowed,
      span(e.attribute),
      e.message,
    );
    return;
  }
  const gated = new Set(
    ctx
      .blocksOfKind("gate")
      .map((g) => g.body.find((i) => i.type === "attribute" && i.name === "model"))
      .map((a) => (a?.type === "attribute" ? ctx.refName(a.value) : undefined)),
  );
  for (const v of config.variants)
    if (!gated.has(v.model))
      ctx.report(
        CheckCode.experimentVariantUngated,
        span("variants"),
        `variant \`${v.name}\` serves model \`${v.model}\`, which no gate guards`,
        {
          hint: `add a gate { model = ${v.model} … } so a broken model cannot reach users through the experiment`,
        },
      );
  const plan = planExperiment(config);
  if (plan.sized && plan.durationReaches === false)
    ctx.report(
      CheckCode.experimentTooShort,
      span("duration"),
      `duration cannot reach the sample size: ${countText(plan.total)} units need ${plan.days!.toFixed(1)} days at ${countText(config.trafficPerDay!)} per day`,
      { hint: "lengthen the duration, raise the mde, or send the experiment more traffic" },
    );
  // a missing baseline (or baseline_sd) is estimated at plan time; a declared one that cannot size is wrong
  if (!plan.sized && !plan.noBaseline && ctx.written("baseline"))
    ctx.report(CheckCode.valueNotAllowed, span("baseline"), plan.reason);
}
