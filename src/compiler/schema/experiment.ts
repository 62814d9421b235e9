// `experiment`: an online A/B test between models behind one deployment, with traffic shares,
// the outcome measured and a significance level.
import type { Expr } from "../ast.js";
import { CheckCode } from "../checker/codes.js";
import { registerBlockKind } from "./registry.js";
import { d, t } from "./type-builders.js";

registerBlockKind({
  kind: "experiment",
  doc: "An online experiment: requests to a deployment are routed to variants by a stable hash of `key`, the logged `metric` is compared between variants, and the result is reported with its p-value.",
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
      doc: "variant name to model: `{ control = churn  treatment = churn_v2 }`",
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
      doc: "the request field hashed to pick a variant (the same key always gets the same variant)",
    },
    {
      name: "metric",
      type: t.string(),
      required: true,
      doc: "the outcome logged with feedback (`converted`, `revenue`)",
    },
    {
      name: "min_samples",
      type: t.int(1),
      required: false,
      default: d.number(1000),
      doc: "outcomes per variant before a result is reported",
    },
    { name: "duration", type: t.duration(), required: false, doc: "when the experiment ends" },
    {
      name: "alpha",
      type: t.number(0, 1),
      required: false,
      default: d.number(0.05),
      doc: "the significance level",
    },
  ],
  nested: [],
  check(ctx) {
    const variants = ctx.attribute("variants");
    const allocation = ctx.attribute("allocation");
    if (variants?.type !== "object" || allocation?.type !== "object") return;
    const names = new Set(variants.entries.map((e) => e.key));
    for (const e of allocation.entries) {
      if (!names.has(e.key))
        ctx.report(
          CheckCode.valueNotAllowed,
          e.keySpan,
          `allocation names \`${e.key}\`, which is not a variant`,
          { hint: `variants: ${[...names].join(", ")}` },
        );
    }
    for (const n of names) {
      if (!allocation.entries.some((e) => e.key === n))
        ctx.report(
          CheckCode.missingAttribute,
          allocation.span,
          `allocation has no share for variant \`${n}\``,
        );
    }
    const shares = allocation.entries
      .map((e) => e.value)
      .filter((v): v is Extract<Expr, { type: "percent" }> => v.type === "percent");
    if (shares.length !== allocation.entries.length) return;
    const total = shares.reduce((s, v) => s + v.value, 0);
    if (Math.abs(total - 100) > 1e-9)
      ctx.report(
        CheckCode.sharesNotHundred,
        allocation.span,
        `allocation shares add up to ${+total.toFixed(6)}%, not 100%`,
      );
  },
});
