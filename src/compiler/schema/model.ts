// `model`: a learning task on a split's rows with a feature list, an algorithm, hyperparameters
// and an optional search. Checks label leakage and the search objective here.
import { lookupMetric } from "../builtins/registry.js";
import { CheckCode } from "../checker/codes.js";
import { paramsBlock } from "./nested/params.js";
import { tuneBlock } from "./nested/tune.js";
import { registerBlockKind } from "./registry.js";
import { d, t } from "./type-builders.js";
import type { KindCheckContext } from "./hook.js";

registerBlockKind({
  kind: "model",
  doc: "A trained model: its task and label, the split it learns from, its features, algorithm and hyperparameters. It is evaluated on the split's valid and test rows with every metric of its task.",
  name: "required",
  input: { attribute: "data", members: "all" },
  attributes: [
    { name: "task", type: t.call("task"), required: true, doc: "what is predicted: `classify(churn, positive = \"yes\")`, `regress(price)`, `rank(rel, group = user)`, `detect_anomalies()`" },
    { name: "data", type: t.ref("split"), required: true, doc: "the split whose train rows fit the model" },
    { name: "features", type: t.features(), required: true, doc: "`usage.*` or a list of features `[usage.a, usage.b]`" },
    { name: "algorithm", type: t.call("algorithm"), required: false, default: d.name("gbdt"), doc: "the learning algorithm" },
    { name: "seed", type: t.int(0), required: false, doc: "the training seed; default the project's" },
    { name: "calibrate", type: t.enum("none", "isotonic", "platt"), required: false, default: d.name("none"), doc: "probability calibration fitted on the validation rows" },
    { name: "threshold", type: t.number(0, 1), required: false, default: d.number(0.5), doc: "decision threshold of a binary classifier" },
  ],
  nested: [paramsBlock, tuneBlock],
  check(ctx) {
    checkFeaturesInData(ctx);
    checkLeakage(ctx);
    checkObjective(ctx);
  },
});

/** The model's features must be columns of its data: their block must be upstream of the split. */
function checkFeaturesInData(ctx: KindCheckContext): void {
  const data = ctx.refName(ctx.attribute("data"));
  if (!data) return;
  const reported = new Set<string>();
  for (const f of ctx.featuresOf(ctx.attribute("features"))) {
    if (reported.has(f.block) || ctx.inInputChain(data, f.block)) continue;
    reported.add(f.block);
    ctx.report(CheckCode.notAnInput, f.span, `features of \`${f.block}\` are not in the model's data: split \`${data}\` is not computed from \`${f.block}\``, {
      hint: `set \`from = ${f.block}\` in split \`${data}\`, or use the features the split is computed from`,
    });
  }
}

/** A feature computed (directly or through other features) from the label is leakage. */
function checkLeakage(ctx: KindCheckContext): void {
  const task = ctx.taskOf(ctx.name);
  const data = ctx.refName(ctx.attribute("data"));
  if (!task?.label || !data) return;
  const labelOrigins = ctx.lineage(data, task.label);
  if (labelOrigins.size === 0) return;
  for (const f of ctx.featuresOf(ctx.attribute("features"))) {
    const origins = ctx.lineage(f.block, f.feature);
    if (![...labelOrigins].some((o) => origins.has(o))) continue;
    const def = ctx.featureSpan(f.block, f.feature);
    ctx.report(CheckCode.labelLeakage, f.span, `feature \`${f.block}.${f.feature}\` is computed from the label \`${task.label}\` of model \`${ctx.name}\` (label leakage)`, {
      hint: "remove it from the model's features, or compute it from other columns",
      ...(def ? { related: [{ message: `\`${f.feature}\` is defined here`, span: def }] } : {}),
    });
  }
}

/** `maximize(valid.logloss)` is almost surely a mistake: warn when the direction disagrees. */
function checkObjective(ctx: KindCheckContext): void {
  for (const tune of ctx.nested("tune")) {
    for (const item of tune.body) {
      if (item.type !== "attribute" || item.name !== "objective" || item.value.type !== "call") continue;
      const call = item.value;
      const arg = call.args[0] ?? call.named.find((n) => n.name === "metric")?.value;
      if (arg?.type !== "ref" || arg.path.length < 2) continue;
      const metric = lookupMetric(arg.path[arg.path[0] === "champion" ? 2 : 1] ?? "");
      if (!metric || (call.callee !== "maximize" && call.callee !== "minimize") || metric.direction === call.callee) continue;
      ctx.report(CheckCode.objectiveDirection, call.calleeSpan, `\`${call.callee}\` of \`${metric.name}\`, a metric where ${metric.direction === "maximize" ? "larger" : "smaller"} is better`, {
        hint: `use \`${metric.direction}(${arg.path.join(".")})\``,
      });
    }
  }
}
