// `alert { … }` blocks of a deployment that serves a stream: the language half (schema, checks) and
// the reading of their lowered config into the AlertRules `mlc serve` runs (src/serve/stream-alert-rules.ts).
import type { Block, Expr } from "../../compiler/ast.js";
import { CheckCode } from "../../compiler/checker/codes.js";
import type { KindCheckContext } from "../../compiler/schema/hook.js";
import type { NestedBlockSchema } from "../../compiler/schema/types.js";
import { d, t } from "../../compiler/schema/type-builders.js";
import { didYouMean } from "../../ir/did-you-mean.js";
import { NodeFailure } from "../../ir/executor.js";
import { isCall, isDuration } from "../../ir/expr-json.js";
import type { Json } from "../../ir/graph-ir.js";
import type { BlockConfig } from "../../ir/node-config.js";
import type { AlertRule } from "../../serve/stream-alert-rules.js";

const DEFAULTS = { name: "anomaly", count: 1, cooldown: 600, timeout: 5, retries: 3 } as const;

export const alertBlock: NestedBlockSchema = {
  kind: "alert",
  doc: "An alert rule on the scored stream of a `stream` deployment: anomalous events (the model's decision) counted per group over a window raise an alert, posted to a webhook and recorded in the state; a cooldown makes one incident one alert. See specs/streaming.md.",
  multiple: true,
  attributes: [
    {
      name: "name",
      type: t.string(),
      required: false,
      default: d.string(DEFAULTS.name),
      doc: "the rule's name, unique in the deployment (payloads and state records carry it)",
    },
    {
      name: "webhook",
      type: t.union(t.call("secret"), t.string()),
      required: true,
      doc: 'where alerts are POSTed as JSON: `env("ALERT_URL")` (read when serving, never stored), or a literal http(s) URL without a password',
    },
    {
      name: "count",
      type: t.int(1, 1_000_000),
      required: false,
      default: d.number(DEFAULTS.count),
      doc: "anomalous events of one group that raise an alert: 1 alerts on a single event; more needs `within` (`count > 5 in 10m` is `count = 6, within = 10m`)",
    },
    {
      name: "within",
      type: t.duration(),
      required: false,
      doc: "the sliding window of a rate rule (count > 1), by the events' arrival times in the input stream",
    },
    {
      name: "group_by",
      type: t.string(),
      required: false,
      doc: "an event field whose value keeps separate counts and cooldowns (a sensor, a customer); one group without it",
    },
    {
      name: "cooldown",
      type: t.duration(),
      required: false,
      default: d.duration("10m", DEFAULTS.cooldown),
      doc: "after an alert, how long the same group raises no other; the events meanwhile are counted as `suppressed` in the next alert",
    },
    {
      name: "timeout",
      type: t.duration(),
      required: false,
      default: d.duration("5s", DEFAULTS.timeout),
      doc: "how long one webhook attempt may take",
    },
    {
      name: "retries",
      type: t.int(0, 10),
      required: false,
      default: d.number(DEFAULTS.retries),
      doc: "further attempts after a failed one (network error, 5xx or 429), with exponential backoff from 0.5 s",
    },
  ],
  nested: [],
};

const attr = (b: Block, name: string): Expr | undefined => {
  const item = b.body.find((i) => i.type === "attribute" && i.name === name);
  return item?.type === "attribute" ? item.value : undefined;
};

/**
 * Alerts watch the anomalies of a stream: the deployment must serve a stream and its model decide
 * anomalies; a rate needs a window (and a single-event rule none); names are unique; group_by names
 * a field the events carry; a literal webhook is an http(s) URL without a password.
 */
export function checkAlerts(ctx: KindCheckContext, model: string | undefined): void {
  const alerts = ctx.nested("alert");
  if (!alerts.length) return;
  const serve = ctx.attribute("serve");
  const target =
    serve?.type === "call" ? serve.callee : serve?.type === "ref" ? serve.path.join(".") : "rest";
  if (target !== "stream") {
    for (const a of alerts)
      ctx.report(
        CheckCode.valueNotAllowed,
        a.kindSpan,
        `alerts watch a scored stream, and deployment \`${ctx.name}\` serves \`${target}\``,
        {
          hint: 'serve the deployment as `stream { url = env("…"), input = "…", output = "…" }`, or remove the alert',
        },
      );
    return;
  }
  const transport =
    serve?.type === "call" ? serve.named.find((n) => n.name === "transport")?.value : undefined;
  const named =
    transport?.type === "string"
      ? transport.value
      : transport?.type === "ref"
        ? transport.path.join(".")
        : "";
  if (named === "nats") {
    for (const a of alerts)
      ctx.report(
        CheckCode.valueNotAllowed,
        a.kindSpan,
        `alert rules are decided in Redis with each output (windows and cooldowns kept atomically there), and deployment \`${ctx.name}\` streams over NATS`,
        {
          hint: "serve the deployment with `transport = redis`, or read its output subject with your own alerting",
          related: [{ message: "the transport", span: transport!.span }],
        },
      );
    return;
  }
  checkModelDecides(ctx, model, alerts[0]!);
  const names = new Map<string, Block>();
  for (const a of alerts) {
    const nameExpr = attr(a, "name");
    const name = nameExpr?.type === "string" ? nameExpr.value : DEFAULTS.name;
    const first = names.get(name);
    if (first)
      ctx.report(
        CheckCode.duplicateName,
        nameExpr?.span ?? a.kindSpan,
        `deployment \`${ctx.name}\` has two alerts named \`${name}\``,
        {
          hint: 'give each alert its own `name = "…"`',
          related: [{ message: "the first one", span: first.kindSpan }],
        },
      );
    else names.set(name, a);
    const count = attr(a, "count");
    const within = attr(a, "within");
    const n = count?.type === "number" ? count.value : 1;
    if (n > 1 && !within)
      ctx.report(
        CheckCode.missingAttribute,
        count!.span,
        `\`count = ${n}\` counts anomalies over a window, and the alert has no \`within\``,
        { hint: `add the window: \`within = 10m\` (alert on ${n} anomalies within 10 minutes)` },
      );
    if (n === 1 && within)
      ctx.report(
        CheckCode.valueNotAllowed,
        within.span,
        "`within` is the window of a rate rule, and this alert raises on every anomalous event (`count = 1`)",
        { hint: "remove `within`, or set `count` to the number of anomalies the window must hold" },
      );
    checkWebhook(ctx, attr(a, "webhook"));
    if (model) checkGroupBy(ctx, model, attr(a, "group_by"));
  }
}

/** The model must be an anomaly model with a decision (a threshold rule, or a contamination above 0). */
function checkModelDecides(ctx: KindCheckContext, model: string | undefined, at: Block): void {
  const block = model ? ctx.lookup(model) : undefined;
  const task = block ? attr(block, "task") : undefined;
  if (task?.type !== "call") return;
  if (task.callee !== "detect_anomalies") {
    ctx.report(
      CheckCode.valueNotAllowed,
      at.kindSpan,
      `alerts count anomalies, and model \`${model}\` does ${task.callee}`,
      { hint: "alert on a deployment of a detect_anomalies model" },
    );
    return;
  }
  const c = task.args[1] ?? task.named.find((n) => n.name === "contamination")?.value;
  if (c?.type === "number" && c.value === 0 && !attr(block!, "threshold"))
    ctx.report(
      CheckCode.valueNotAllowed,
      c.span,
      `model \`${model}\` decides no anomaly (contamination 0: the score only), so its alerts would never fire`,
      { hint: "give it a decision: `threshold = contamination(0.02)`, or a contamination above 0" },
    );
}

function checkWebhook(ctx: KindCheckContext, e: Expr | undefined): void {
  if (e?.type !== "string") return;
  let problem: string | undefined;
  try {
    const u = new URL(e.value);
    if (u.protocol !== "http:" && u.protocol !== "https:")
      problem = "a webhook is an http:// or https:// URL";
    else if (u.password) problem = "a literal webhook URL must not hold a password";
  } catch {
    problem = "expected a URL such as https://hooks.example.com/alerts";
  }
  if (problem)
    ctx.report(CheckCode.valueNotAllowed, e.span, problem, {
      hint: 'write webhook = env("ALERT_URL") and set the variable where `mlc serve` runs',
    });
}

/** `group_by` names a field the events carry: one the model reads (its raw inputs). */
function checkGroupBy(ctx: KindCheckContext, model: string, e: Expr | undefined): void {
  if (e?.type !== "string") return;
  const block = ctx.lookup(model);
  const features = block ? attr(block, "features") : undefined;
  if (!features) return;
  const fields = new Set<string>();
  for (const f of ctx.featuresOf(features)) {
    fields.add(f.feature);
    for (const col of ctx.lineage(f.block, f.feature)) fields.add(col.slice(col.indexOf(".") + 1));
  }
  if (fields.has(e.value)) return;
  ctx.report(
    CheckCode.unknownColumn,
    e.span,
    `alerts cannot group by \`${e.value}\`: events of \`${ctx.name}\` carry no such field (model \`${model}\` does not read it)`,
    { hint: didYouMean(e.value, [...fields]) ?? `the model reads: ${[...fields].sort().join(", ")}` },
  );
}

/** The alert rules of a lowered deploy block, with the schema's defaults; coded failures for what validate could not see. */
export function alertRulesOf(b: BlockConfig, deployment: string): AlertRule[] {
  return (b.blocks.alert ?? []).map((a): AlertRule => {
    const v = (name: string): Json | undefined => a.attributes[name];
    const fail = (msg: string): never => {
      throw new NodeFailure(`deploy ${deployment}: alert { ${msg} }`, { code: "MLC2302" });
    };
    const seconds = (name: string, fallback: number): number => {
      const x = v(name);
      if (x === undefined) return fallback;
      return isDuration(x) && x.$duration > 0 ? x.$duration : fail(`${name} must be a duration above 0`);
    };
    const int = (name: string, fallback: number, min: number): number => {
      const x = v(name) ?? fallback;
      return typeof x === "number" && Number.isInteger(x) && x >= min
        ? x
        : fail(`${name} must be an integer ≥ ${min}`);
    };
    const webhook = v("webhook");
    const where =
      webhook !== undefined &&
      isCall(webhook) &&
      webhook.$call === "env" &&
      typeof webhook.args[0] === "string"
        ? { webhook_env: webhook.args[0] }
        : typeof webhook === "string"
          ? { webhook }
          : fail('webhook = env("VAR") is required');
    const count = int("count", DEFAULTS.count, 1);
    const groupBy = v("group_by");
    const name = v("name");
    return {
      name: typeof name === "string" && name !== "" ? name : DEFAULTS.name,
      ...where,
      count,
      within_ms: count > 1 ? Math.round(seconds("within", 0) * 1000) || fail("count > 1 needs within") : 0,
      ...(typeof groupBy === "string" && groupBy !== "" ? { group_by: groupBy } : {}),
      cooldown_ms: Math.round(seconds("cooldown", DEFAULTS.cooldown) * 1000),
      timeout_ms: Math.round(seconds("timeout", DEFAULTS.timeout) * 1000),
      retries: int("retries", DEFAULTS.retries, 0),
    };
  });
}
