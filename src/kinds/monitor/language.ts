// `monitor`, the language half: checks of a deployment over a window of its prediction log (drift
// tests against the deployed version's reference profile, data quality, live metrics from feedback
// labels, latency) and the actions a breach runs. Its own checks: a check must name a field the
// deployment's requests carry, and a drift test must fit that field's type.
import type { Block, Expr } from "../../compiler/ast.js";
import { CheckCode } from "../../compiler/checker/codes.js";
import type { KindCheckContext } from "../../compiler/schema/hook.js";
import type { BlockKindSchema } from "../../compiler/schema/types.js";
import { d, t } from "../../compiler/schema/type-builders.js";
import { didYouMean } from "../../ir/did-you-mean.js";
import { MONITOR_DEFAULTS } from "./config.js";

export const monitorLanguage: BlockKindSchema = {
  kind: "monitor",
  doc: "Checks of a deployment over a recent window of its prediction log, run by `mlc monitor NAME` (once, or `--watch` on the `schedule`). Assertions use the monitor checks (`drift(column, test)`, `prediction_drift()`, `drift_share()`, `null_rate(column)`, `unseen_rate(column)`, `requests()`) against the deployed version's reference profile, `live.METRIC` (with `.lower`/`.upper`) from feedback labels, and `latency.p50|p90|p95|p99|mean|max` of served requests. A window with fewer rows than `min_rows` is not enough data: no alarm. A broken assertion runs `on_breach` in order. `mlc apply` registers the monitor (its configuration, in state); `mlc monitor NAME` prints one line per assertion (PASS, BREACH or NOT ENOUGH DATA, the statistics, the threshold, the rows) and exits 0 when every assertion passes, 3 on a breach, 4 when some assertion had not enough data and none broke, 1 when the monitor cannot run (MLC2370: not registered, nothing deployed, a version without a reference profile), 2 on a usage error; `--json` prints the run, `--history` the recorded runs and actions. See specs/monitoring.md.",
  name: "required",
  model: "deployment",
  attributes: [
    { name: "deployment", type: t.ref("deploy"), required: true, doc: "the deployment watched" },
    {
      name: "window",
      type: t.duration(),
      required: false,
      default: d.duration("1d", MONITOR_DEFAULTS.windowSeconds),
      doc: "how much of the prediction log each run reads: requests of the last `window` (unless `last` is set)",
    },
    {
      name: "last",
      type: t.int(1),
      required: false,
      doc: "read the newest `last` logged rows instead of a time window",
    },
    {
      name: "min_rows",
      type: t.int(1),
      required: false,
      default: d.number(MONITOR_DEFAULTS.minRows),
      doc: "fewer rows than this (labelled rows for `live.*`, requests for `latency.*`) is not enough data: the assertion neither passes nor breaks",
    },
    {
      name: "schedule",
      type: t.duration(),
      required: false,
      default: d.duration("1h", MONITOR_DEFAULTS.scheduleSeconds),
      doc: "how often `mlc monitor NAME --watch` runs the checks",
    },
    {
      name: "reference",
      type: t.enum("train", "valid", "test"),
      required: false,
      default: d.name(MONITOR_DEFAULTS.reference),
      doc: "which rows of the deployed version's data the window is compared with (its reference profile, recorded when the version is trained)",
    },
    {
      name: "on_breach",
      type: t.union(t.call("action"), t.list(t.call("action"), 1)),
      required: false,
      doc: 'what a breach does, in order: `alert(env("ALERT_URL"))`, `rollback(deployment)`, `retrain(model)`, or a list of these',
    },
    {
      name: "cooldown",
      type: t.duration(),
      required: false,
      default: d.duration("1h", MONITOR_DEFAULTS.cooldownSeconds),
      doc: "an alert is not sent again within this time of the last one sent for the monitor",
    },
  ],
  nested: [],
  assertions: {
    scope: "monitor",
    doc: "boolean expressions over monitor checks, `live` metrics and latency",
  },
  check: checkMonitor,
};

type ColumnKind = "numeric" | "categorical";

/** Drift tests and the column kinds they fit. */
const FITS: Record<string, readonly ColumnKind[]> = {
  psi: ["numeric", "categorical"],
  js: ["numeric", "categorical"],
  ks: ["numeric"],
  wasserstein: ["numeric"],
  chi2: ["categorical"],
};

const COLUMN_CALLS = new Set(["drift", "null_rate", "unseen_rate"]);

/** Calls of monitor checks in an assertion, depth first. */
function calls(e: Expr, out: Extract<Expr, { type: "call" }>[] = []): Extract<Expr, { type: "call" }>[] {
  switch (e.type) {
    case "call":
      out.push(e);
      e.args.forEach((a) => calls(a, out));
      break;
    case "binary":
      calls(e.left, out);
      calls(e.right, out);
      break;
    case "unary":
      calls(e.operand, out);
      break;
    case "paren":
      calls(e.inner, out);
      break;
    default:
      break;
  }
  return out;
}

/** The argument bound to a parameter: the positional one at `index`, or the named one. */
function argOf(c: Extract<Expr, { type: "call" }>, index: number, name: string): Expr | undefined {
  return c.args[index] ?? c.named.find((n) => n.name === name)?.value;
}

const bareName = (e: Expr | undefined): string | undefined =>
  e?.type === "ref" && e.path.length === 1 && !e.star
    ? e.path[0]
    : e?.type === "string"
      ? e.value
      : undefined;

/** The declared kind of a source column: numbers (int, float, bool, timestamp) or categories. */
function sourceColumnKind(source: Block | undefined, column: string): ColumnKind | undefined {
  const schema = source?.body.find((i): i is Block => i.type === "block" && i.kind === "schema");
  const attr = schema?.body.find((i) => i.type === "attribute" && i.name === column);
  if (!attr || attr.type !== "attribute") return undefined;
  const v = attr.value;
  const type =
    v.type === "ref"
      ? v.path[0]
      : v.type === "call" && v.callee === "nullable"
        ? bareName(v.args[0])
        : undefined;
  if (type === undefined) return undefined;
  return type === "category" || type === "string" ? "categorical" : "numeric";
}

/** Whether a source's schema declares a column. */
function sourceHasColumn(source: Block | undefined, column: string): boolean {
  const schema = source?.body.find((i): i is Block => i.type === "block" && i.kind === "schema");
  return schema?.body.some((i) => i.type === "attribute" && i.name === column) ?? false;
}

/** The fields a deployment's requests carry (the model's raw inputs, as the log holds them), with their kinds. */
function requestFields(ctx: KindCheckContext, model: string): Map<string, ColumnKind | undefined> {
  const fields = new Map<string, ColumnKind | undefined>();
  const modelBlock = ctx.lookup(model);
  const features = modelBlock?.body.find((i) => i.type === "attribute" && i.name === "features");
  if (!features || features.type !== "attribute") return fields;
  for (const f of ctx.featuresOf(features.value))
    for (const col of ctx.lineage(f.block, f.feature)) {
      const dot = col.indexOf(".");
      const source = col.slice(0, dot);
      const name = col.slice(dot + 1);
      if (!fields.has(name)) fields.set(name, sourceColumnKind(ctx.lookup(source), name));
    }
  return fields;
}

/** The kind of a model's output as the profile keeps it: the score or value, or the class (multiclass). */
function outputKind(ctx: KindCheckContext, model: string): ColumnKind | undefined {
  const task = ctx.taskOf(model)?.task;
  if (task === undefined) return undefined;
  if (task !== "classify") return "numeric";
  const m = ctx.lookup(model);
  const taskAttr = m?.body.find((i) => i.type === "attribute" && i.name === "task");
  // A classifier with a declared positive class is binary (a score); otherwise the class is compared.
  const positive =
    taskAttr?.type === "attribute" && taskAttr.value.type === "call"
      ? taskAttr.value.named.some((n) => n.name === "positive")
      : false;
  return positive ? "numeric" : undefined;
}

function fitHint(test: string, kind: ColumnKind): string {
  const fitting = Object.entries(FITS)
    .filter(([, kinds]) => kinds.includes(kind))
    .map(([k]) => k);
  return `${kind === "numeric" ? "a number" : "a category"} column takes ${fitting.join(", ")}; or leave the test out: the default suits the column and the window's size`;
}

function checkMonitor(ctx: KindCheckContext): void {
  if (ctx.written("window") && ctx.written("last"))
    ctx.report(
      CheckCode.conflictingAttributes,
      ctx.attribute("last")!.span,
      "a monitor reads either a time `window` or the `last` rows, not both",
      { hint: "remove one of them" },
    );
  const deployment = ctx.refName(ctx.attribute("deployment"));
  const deployBlock = deployment !== undefined ? ctx.lookup(deployment) : undefined;
  const modelAttr = deployBlock?.body.find((i) => i.type === "attribute" && i.name === "model");
  const model = modelAttr?.type === "attribute" ? ctx.refName(modelAttr.value) : undefined;
  if (model === undefined) return; // the generic checker reports a wrong or missing deployment
  const fields = requestFields(ctx, model);
  const assertions = ctx.block.body.flatMap((i) => (i.type === "assertion" ? [i.expr] : []));
  for (const c of assertions.flatMap((a) => calls(a))) {
    const testArg = c.callee === "drift" ? argOf(c, 1, "test") : argOf(c, 0, "test");
    const test = bareName(testArg);
    if (COLUMN_CALLS.has(c.callee)) {
      const colArg = argOf(c, 0, "column");
      const col = bareName(colArg);
      if (col === undefined || !colArg) continue;
      if (!fields.has(col)) {
        // a name the model's data does not have at all is the generic checker's unknown column
        const dataAttr = ctx.lookup(model)?.body.find((i) => i.type === "attribute" && i.name === "data");
        const data = dataAttr?.type === "attribute" ? ctx.refName(dataAttr.value) : undefined;
        const known = [...(data !== undefined ? ctx.lineage(data, col) : [])].some((c) =>
          sourceHasColumn(ctx.lookup(c.slice(0, c.indexOf("."))), c.slice(c.indexOf(".") + 1)),
        );
        if (!known) continue;
        ctx.report(
          CheckCode.monitorCheckMismatch,
          colArg.span,
          `\`${col}\` is not a field of requests to \`${deployment}\`: the log holds the raw inputs of model \`${model}\``,
          {
            hint:
              didYouMean(col, [...fields.keys()]) ??
              `monitored fields: ${[...fields.keys()].sort().join(", ")}`,
          },
        );
        continue;
      }
      const kind = fields.get(col);
      if (c.callee === "drift" && test !== undefined && kind !== undefined && !FITS[test]?.includes(kind))
        ctx.report(
          CheckCode.monitorCheckMismatch,
          testArg!.span,
          `\`${test}\` does not fit \`${col}\`, ${kind === "numeric" ? "a number" : "a category"} column`,
          { hint: fitHint(test, kind) },
        );
    } else if (c.callee === "prediction_drift" && test !== undefined) {
      const kind = outputKind(ctx, model);
      if (kind !== undefined && !FITS[test]?.includes(kind))
        ctx.report(
          CheckCode.monitorCheckMismatch,
          testArg!.span,
          `\`${test}\` does not fit the output of model \`${model}\` (${kind === "numeric" ? "a score or value: a number" : "a class"})`,
          { hint: fitHint(test, kind) },
        );
    }
  }
}
