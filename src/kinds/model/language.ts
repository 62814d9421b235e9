// `model`: a learning task on a split's rows with a feature list, an algorithm, hyperparameters
// and an optional search. Checks label leakage and the search objective here.
import { checkTwoTowerParams } from "./two-tower-language.js";
import { lookupMetric } from "../../compiler/builtins/registry.js";
import { checkLabelAgainstSource } from "../../compiler/checker/label-checks.js";
import { checkValidRows } from "../../compiler/checker/valid-rows.js";
import { CheckCode } from "../../compiler/checker/codes.js";
import { checkModelParams } from "../../compiler/checker/params.js";
import { paramsBlock } from "../../compiler/schema/nested/params.js";
import { tuneBlock } from "../../compiler/schema/nested/tune.js";
import type { BlockKindSchema } from "../../compiler/schema/types.js";
import { d, t } from "../../compiler/schema/type-builders.js";
import type { Expr } from "../../compiler/ast.js";
import type { KindCheckContext } from "../../compiler/schema/hook.js";
import { checkDecision, decisionBlock } from "./decision-language.js";
import { checkEnsemble } from "./ensemble-language.js";
import { checkpointBlock, checkWarmStart, initAttribute } from "./warm-start-language.js";
import { checkRobustness, robustnessBlock } from "./robustness-language.js";
import { checkExport, exportBlock } from "./export-language.js";
import { checkHistory, historyBlock } from "./rerank-language.js";

export const modelLanguage: BlockKindSchema = {
  kind: "model",
  doc: "A trained model: its task and label, the split it learns from, its features, algorithm and hyperparameters. It is evaluated on the split's valid and test rows with every metric of its task.",
  name: "required",
  modelBehind: "self",
  input: { attribute: "data", members: "all" },
  attributes: [
    {
      name: "task",
      type: t.call("task"),
      required: true,
      doc: 'what is predicted: `classify(churn, positive = "yes")`, `regress(price)`, `rank(rel, group = user)`, `detect_anomalies()`',
    },
    { name: "data", type: t.ref("split"), required: true, doc: "the split whose train rows fit the model" },
    {
      name: "features",
      type: t.features(),
      required: true,
      doc: "`usage.*` or a list of features `[usage.a, usage.b]`",
    },
    {
      name: "algorithm",
      type: t.call("algorithm"),
      required: false,
      default: d.name("gbdt"),
      doc: "the learning algorithm",
    },
    { name: "seed", type: t.int(0), required: false, doc: "the training seed; default the project's" },
    {
      name: "calibrate",
      type: t.enum("none", "isotonic", "platt"),
      required: false,
      default: d.name("none"),
      doc: "probability calibration fitted on the validation rows",
    },
    {
      name: "threshold",
      type: t.union(t.number(0, 1), t.call("threshold")),
      required: false,
      default: d.number(0.5),
      doc: "a binary classifier's probability threshold (default 0.5; or chosen by a `decision { … }` block); an anomaly model's decision rule, calibrated on the validation part: `contamination(0.02)`, or with a labelled task `precision(0.9)` or `recall(0.8)` (default the task's `contamination`)",
    },
    {
      name: "intended_use",
      type: t.string(),
      required: false,
      descriptive: true,
      doc: "what the model is for and who uses its answers, for its model card (`mlc card`); changing it retrains nothing",
    },
    {
      name: "limitations",
      type: t.union(t.string(), t.list(t.string(), 1)),
      required: false,
      descriptive: true,
      doc: "where the model should not be trusted (a sentence or a list), for its model card; changing it retrains nothing",
    },
    {
      name: "resources",
      type: t.object(t.string()),
      required: false,
      descriptive: true,
      doc: 'what a cluster step that trains the model requests (`mlc compile --target argo|kubeflow`): `{ cpu = "2", memory = "4Gi", gpu = "1" }` as Kubernetes quantities; changing it retrains nothing',
    },
    initAttribute,
  ],
  nested: [
    paramsBlock,
    tuneBlock,
    decisionBlock,
    checkpointBlock,
    robustnessBlock,
    exportBlock,
    historyBlock,
  ],
  check(ctx) {
    checkResources(ctx);
    checkFeaturesInData(ctx);
    checkLeakage(ctx);
    checkObjective(ctx);
    checkEarlyStop(ctx);
    checkModelParams(ctx);
    checkTwoTowerParams(ctx);
    checkHistory(ctx);
    checkLabelAgainstSource(ctx);
    checkValidRows(ctx);
    checkThreshold(ctx);
    checkDecision(ctx, kfoldOf(ctx));
    checkEnsemble(ctx);
    checkWarmStart(ctx, kfoldOf(ctx));
    checkRobustness(ctx);
    checkExport(ctx);
  },
};

/**
 * A classifier's threshold is a probability, an anomaly model's a rule; precision and recall rules
 * need labelled rows; a rule and the task's `contamination` may not both decide.
 */
const RESOURCE_KEYS = ["cpu", "memory", "gpu"];
const QUANTITY = /^\d+(\.\d+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;

/** `resources = { cpu = "2", memory = "4Gi" }`: known keys, Kubernetes quantities. */
function checkResources(ctx: KindCheckContext): void {
  const r = ctx.attribute("resources");
  if (r?.type !== "object") return;
  for (const e of r.entries) {
    if (!RESOURCE_KEYS.includes(e.key))
      ctx.report(CheckCode.valueNotAllowed, e.keySpan, `resources has no \`${e.key}\``, {
        hint: `a step requests ${RESOURCE_KEYS.join(", ")}`,
      });
    else if (e.value.type === "string" && !QUANTITY.test(e.value.value))
      ctx.report(
        CheckCode.valueNotAllowed,
        e.value.span,
        `resources.${e.key} = "${e.value.value}" is not a Kubernetes quantity`,
        { hint: 'write e.g. cpu = "500m" or "2", memory = "4Gi"' },
      );
  }
}

function checkThreshold(ctx: KindCheckContext): void {
  // as written: the default 0.5 is a classifier's, never an anomaly model's
  const given = ctx.block.body.find((i) => i.type === "attribute" && i.name === "threshold");
  const threshold = given?.type === "attribute" ? given.value : undefined;
  const task = ctx.attribute("task");
  if (!threshold || task?.type !== "call") return;
  const anomaly = task.callee === "detect_anomalies";
  if (threshold.type === "number" && anomaly) {
    ctx.report(
      CheckCode.valueNotAllowed,
      threshold.span,
      `a number is a classifier's probability threshold; the threshold of anomaly model \`${ctx.name}\` is calibrated on its scores`,
      {
        hint: "use `threshold = contamination(0.02)`, or with a labelled task `precision(0.9)` or `recall(0.8)`",
      },
    );
    return;
  }
  if (threshold.type !== "call") return;
  if (!anomaly) {
    ctx.report(
      CheckCode.valueNotAllowed,
      threshold.span,
      `\`threshold = ${threshold.callee}(…)\` is a rule of detect_anomalies models; model \`${ctx.name}\` does ${task.callee}`,
      { hint: "give a classifier a probability: `threshold = 0.4`" },
    );
    return;
  }
  const label = task.args[0] ?? task.named.find((n) => n.name === "label")?.value;
  const on = threshold.args[1] ?? threshold.named.find((n) => n.name === "on")?.value;
  if (on) checkReviewSource(ctx, on);
  if ((threshold.callee === "precision" || threshold.callee === "recall") && !label && !on)
    ctx.report(
      CheckCode.valueNotAllowed,
      threshold.span,
      `\`threshold = ${threshold.callee}(…)\` is calibrated on labelled validation rows, and the task of \`${ctx.name}\` has no label`,
      {
        hint: "name the column marking known anomalies: `detect_anomalies(label = COLUMN)`, calibrate on reviewed events (`on = REVIEWS`), or use `contamination(…)`",
      },
    );
  const contamination = task.args[1] ?? task.named.find((n) => n.name === "contamination")?.value;
  if (contamination)
    ctx.report(
      CheckCode.conflictingAttributes,
      contamination.span,
      `the task's \`contamination\` and \`threshold = ${threshold.callee}(…)\` both decide the threshold of \`${ctx.name}\``,
      {
        hint: "keep one: the threshold rule, or the task's contamination",
        related: [{ message: "the threshold rule", span: threshold.span }],
      },
    );
}

/** `on = REVIEWS` names a review source (`source … { review = DEPLOYMENT }`): its rows carry reviewers' labels. */
function checkReviewSource(ctx: KindCheckContext, on: Expr): void {
  const name = ctx.refName(on);
  const block = name ? ctx.lookup(name) : undefined;
  if (!block || block.kind !== "source") return; // an unknown name or kind is reported by the type check
  if (block.body.some((i) => i.type === "attribute" && i.name === "review")) return;
  ctx.report(
    CheckCode.valueNotAllowed,
    on.span,
    `\`on = ${name}\` calibrates on reviewers' labels, and source \`${name}\` is not a review source`,
    { hint: "name a source that reads a deployment's reviews: `source reviews { review = DEPLOYMENT }`" },
  );
}

/** The model's features must be columns of its data: their block must be upstream of the split. */
function checkFeaturesInData(ctx: KindCheckContext): void {
  const data = ctx.refName(ctx.attribute("data"));
  if (!data) return;
  const reported = new Set<string>();
  for (const f of ctx.featuresOf(ctx.attribute("features"))) {
    if (reported.has(f.block) || ctx.inInputChain(data, f.block)) continue;
    reported.add(f.block);
    ctx.report(
      CheckCode.notAnInput,
      f.span,
      `features of \`${f.block}\` are not in the model's data: split \`${data}\` is not computed from \`${f.block}\``,
      {
        hint: `set \`from = ${f.block}\` in split \`${data}\`, or use the features the split is computed from`,
      },
    );
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
    ctx.report(
      CheckCode.labelLeakage,
      f.span,
      `feature \`${f.block}.${f.feature}\` is computed from the label \`${task.label}\` of model \`${ctx.name}\` (label leakage)`,
      {
        hint: "remove it from the model's features, or compute it from other columns",
        ...(def ? { related: [{ message: `\`${f.feature}\` is defined here`, span: def }] } : {}),
      },
    );
  }
}

/**
 * The search objectives: `maximize(valid.logloss)` is almost surely a mistake (a warning when the
 * direction disagrees with the metric); a list may not name a metric twice; `pick` needs a front
 * (several objectives) and `weighted([…])` one weight per objective.
 */
function checkObjective(ctx: KindCheckContext): void {
  const folds = kfoldOf(ctx);
  for (const tune of ctx.nested("tune")) {
    let objectives: Extract<Expr, { type: "call" }>[] | undefined;
    let pick: Extract<Expr, { type: "call" }> | Extract<Expr, { type: "ref" }> | undefined;
    let pruner: Extract<Expr, { type: "ref" }> | undefined;
    for (const item of tune.body) {
      if (item.type !== "attribute") continue;
      if (item.name === "pick" && (item.value.type === "call" || item.value.type === "ref"))
        pick = item.value;
      if (item.name === "pruner" && item.value.type === "ref" && item.value.path[0] !== "none")
        pruner = item.value;
      if (item.name !== "objective") continue;
      const calls =
        item.value.type === "call" ? [item.value] : item.value.type === "list" ? item.value.items : [];
      objectives = calls.filter((c): c is Extract<Expr, { type: "call" }> => c.type === "call");
    }
    if (!objectives) continue;
    const seen = new Map<string, Extract<Expr, { type: "call" }>>();
    for (const call of objectives) {
      const arg = objectiveMetric(call);
      if (!arg) continue;
      const path = arg.path.join(".");
      const first = seen.get(path);
      if (first) {
        ctx.report(
          CheckCode.duplicateObjective,
          arg.span,
          `\`${path}\` is already an objective of this search`,
          {
            hint: "name each metric once; its direction is part of the objective",
            related: [{ message: "first named here", span: objectiveMetric(first)!.span }],
          },
        );
        continue;
      }
      seen.set(path, call);
      // Training rows flatter every trial, and test rows are kept for the final evaluation.
      if (arg.path[0] === "train" || arg.path[0] === "test") {
        ctx.report(
          CheckCode.valueNotAllowed,
          arg.span,
          `a search objective is measured on the valid rows, not on \`${arg.path[0]}\``,
          { hint: `use \`valid.${arg.path.slice(1).join(".")}\`` },
        );
      }
      if (arg.path[0] === "cv" && !folds.kfold)
        ctx.report(
          CheckCode.valueNotAllowed,
          arg.span,
          `\`${path}\` is measured on the folds of a kfold split, and split \`${folds.split ?? "?"}\` has none`,
          { hint: `give the split \`method = kfold(5)\`, or use \`valid.${arg.path.slice(1).join(".")}\`` },
        );
      if (arg.path[0] === "valid" && folds.kfold)
        ctx.report(
          CheckCode.valueNotAllowed,
          arg.span,
          `split \`${folds.split}\` is a kfold split: it has folds, and no valid rows to measure \`${path}\` on`,
          { hint: `use \`cv.${arg.path.slice(1).join(".")}\` (the mean over the held-out folds)` },
        );
      checkDirection(ctx, call, arg);
    }
    // The pruner reads the learner's per-round validation metric as the first objective.
    const primary = objectives[0] ? objectiveMetric(objectives[0]) : undefined;
    if (pruner && (primary?.path[0] === "model" || primary?.path[0] === "cv")) {
      ctx.report(
        CheckCode.valueNotAllowed,
        primary.span,
        `pruning follows the first objective, and \`${primary.path.join(".")}\` has no per-round value to prune on`,
        {
          hint: "list a validation metric first, e.g. `[maximize(valid.auc), minimize(model.bytes)]`, or set `pruner = none`",
        },
      );
    }
    if (!pick) continue;
    const rule = pick.type === "call" ? pick.callee : pick.path.join(".");
    if (objectives.length === 1) {
      ctx.report(
        CheckCode.pickWithoutChoice,
        pick.span,
        `\`pick = ${rule}\` has no effect: the search has one objective`,
        {
          hint: "remove `pick`, or list several objectives: `objective = [maximize(valid.auc), minimize(model.bytes)]`",
        },
      );
    } else if (pick.type === "call" && pick.callee === "weighted") {
      const weights = pick.args[0] ?? pick.named.find((n) => n.name === "weights")?.value;
      if (weights?.type === "list" && weights.items.length !== objectives.length) {
        ctx.report(
          CheckCode.pickWeightsCount,
          weights.span,
          `${weights.items.length} weight${weights.items.length === 1 ? "" : "s"} for ${objectives.length} objectives`,
          {
            hint: `give one weight per objective, in order: ${objectives.map((o) => objectiveMetric(o)?.path.join(".") ?? o.callee).join(", ")}`,
          },
        );
      }
    }
  }
}

/** The model's split and whether it is a kfold split (folds, no valid rows). */
function kfoldOf(ctx: KindCheckContext): { split?: string; kfold: boolean } {
  const split = ctx.refName(ctx.attribute("data"));
  const method = split !== undefined ? ctx.lookup(split) : undefined;
  const m = method?.body.find((i) => i.type === "attribute" && i.name === "method");
  const kfold = m?.type === "attribute" && m.value.type === "call" && m.value.callee === "kfold";
  return { ...(split !== undefined ? { split } : {}), kfold };
}

/** A kfold split has no valid rows, so a learner cannot stop early on them. */
function checkEarlyStop(ctx: KindCheckContext): void {
  const folds = kfoldOf(ctx);
  if (!folds.kfold) return;
  for (const params of ctx.nested("params"))
    for (const item of params.body) {
      if (item.type !== "attribute" || item.name !== "early_stop") continue;
      if (item.value.type === "number" && item.value.value === 0) continue;
      ctx.report(
        CheckCode.valueNotAllowed,
        item.value.span,
        `\`early_stop\` stops on the valid rows, and kfold split \`${folds.split}\` has none`,
        {
          hint: "remove early_stop, and tune `trees` against a cv objective: `objective = maximize(cv.auc)`",
        },
      );
    }
}

function objectiveMetric(call: Extract<Expr, { type: "call" }>): Extract<Expr, { type: "ref" }> | undefined {
  const arg = call.args[0] ?? call.named.find((n) => n.name === "metric")?.value;
  return arg?.type === "ref" && arg.path.length >= 2 ? arg : undefined;
}

function checkDirection(
  ctx: KindCheckContext,
  call: Extract<Expr, { type: "call" }>,
  arg: Extract<Expr, { type: "ref" }>,
): void {
  if (call.callee !== "maximize" && call.callee !== "minimize") return;
  // `model.bytes` (model size) is a cost: smaller is better.
  const metric =
    arg.path[0] === "model"
      ? { name: arg.path.join("."), direction: "minimize" }
      : lookupMetric(arg.path[arg.path[0] === "champion" ? 2 : 1] ?? "");
  if (!metric || metric.direction === call.callee) return;
  ctx.report(
    CheckCode.objectiveDirection,
    call.calleeSpan,
    `\`${call.callee}\` of \`${metric.name}\`, a metric where ${metric.direction === "maximize" ? "larger" : "smaller"} is better`,
    {
      hint: `use \`${metric.direction}(${arg.path.join(".")})\``,
    },
  );
}
