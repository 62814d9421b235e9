// `monitor`, the config both halves share: the block's attributes (as the node config carries them)
// decoded into a typed MonitorConfig, with the defaults and the rules the check and the executor
// both apply (window or last, the actions in order).
import { isCall, isDuration, isRef } from "../../ir/expr-json.js";
import type { Json } from "../../ir/graph-ir.js";

/** The defaults of the block's attributes, in seconds or rows (the schema's defaults say the same). */
export const MONITOR_DEFAULTS = {
  windowSeconds: 86_400,
  scheduleSeconds: 3_600,
  cooldownSeconds: 3_600,
  minRows: 100,
  reference: "train",
} as const;

export type MonitorAction =
  | { kind: "alert"; url: { env: string } | { literal: string } }
  | { kind: "rollback"; deployment: string }
  | { kind: "retrain"; model: string };

export interface MonitorConfig {
  name: string;
  deployment: string;
  /** The rows each run reads: the last `seconds` of the log, or the newest `last` rows. */
  window: { seconds: number } | { last: number };
  minRows: number;
  scheduleSeconds: number;
  cooldownSeconds: number;
  /** Which rows of the model's data the reference profile compares with. */
  reference: "train" | "valid" | "test";
  onBreach: MonitorAction[];
  /** The assertions, encoded. */
  assertions: Json[];
}

export class MonitorConfigError extends Error {
  constructor(
    readonly attribute: string,
    message: string,
  ) {
    super(message);
  }
}

const nameOf = (j: Json | undefined): string | undefined =>
  typeof j === "string" ? j : j !== undefined && isRef(j) && j.$ref.length === 1 ? j.$ref[0] : undefined;

function seconds(attrs: Record<string, Json>, name: string, dflt: number): number {
  const v = attrs[name];
  if (v === undefined) return dflt;
  if (!isDuration(v) || !(v.$duration > 0))
    throw new MonitorConfigError(name, `${name} must be a positive duration`);
  return v.$duration;
}

function action(j: Json): MonitorAction {
  const call = isCall(j) ? j : undefined;
  const kind = call?.$call ?? nameOf(j);
  const arg = (param: string): Json | undefined => call?.args[0] ?? call?.named[param];
  switch (kind) {
    case "alert": {
      const u = arg("url");
      if (typeof u === "string") return { kind, url: { literal: u } };
      if (u !== undefined && isCall(u) && u.$call === "env" && typeof u.args[0] === "string")
        return { kind, url: { env: u.args[0] } };
      throw new MonitorConfigError("on_breach", 'alert takes the webhook URL: alert(env("ALERT_URL"))');
    }
    case "rollback": {
      const d = nameOf(arg("deployment"));
      if (!d) throw new MonitorConfigError("on_breach", "rollback takes the deployment: rollback(churn_api)");
      return { kind, deployment: d };
    }
    case "retrain": {
      const m = nameOf(arg("model"));
      if (!m) throw new MonitorConfigError("on_breach", "retrain takes the model: retrain(churn_model)");
      return { kind, model: m };
    }
  }
  throw new MonitorConfigError("on_breach", `unknown action ${String(kind)}: alert, rollback or retrain`);
}

/** Decodes a monitor's attributes and assertions; throws MonitorConfigError naming the attribute. */
export function decodeMonitorConfig(
  name: string,
  attrs: Record<string, Json>,
  assertions: readonly Json[],
): MonitorConfig {
  const deployment = nameOf(attrs.deployment);
  if (!deployment) throw new MonitorConfigError("deployment", "deployment must name a deploy block");
  const last = attrs.last;
  let window: MonitorConfig["window"];
  if (last !== undefined) {
    // `window` always carries its default here; writing both is refused by the check at validate
    if (typeof last !== "number" || !Number.isInteger(last) || last < 1)
      throw new MonitorConfigError("last", "last must be a positive whole number of rows");
    window = { last };
  } else window = { seconds: seconds(attrs, "window", MONITOR_DEFAULTS.windowSeconds) };
  const minRows = attrs.min_rows ?? MONITOR_DEFAULTS.minRows;
  if (typeof minRows !== "number" || !Number.isInteger(minRows) || minRows < 1)
    throw new MonitorConfigError("min_rows", "min_rows must be a positive whole number");
  const reference = nameOf(attrs.reference) ?? MONITOR_DEFAULTS.reference;
  if (reference !== "train" && reference !== "valid" && reference !== "test")
    throw new MonitorConfigError("reference", "reference is train, valid or test");
  const ob = attrs.on_breach;
  const onBreach = ob === undefined ? [] : Array.isArray(ob) ? ob.map(action) : [action(ob)];
  if (!assertions.length)
    throw new MonitorConfigError("assert", "a monitor needs at least one assertion: drift(column) < 0.2");
  return {
    name,
    deployment,
    window,
    minRows,
    scheduleSeconds: seconds(attrs, "schedule", MONITOR_DEFAULTS.scheduleSeconds),
    cooldownSeconds: seconds(attrs, "cooldown", MONITOR_DEFAULTS.cooldownSeconds),
    reference,
    onBreach,
    assertions: [...assertions],
  };
}

/** `window 1d` / `last 10000 rows`, for messages and the plan. */
export function windowText(w: MonitorConfig["window"]): string {
  if ("last" in w) return `last ${w.last} rows`;
  const s = w.seconds;
  for (const [u, size] of [
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
  ] as const)
    if (s >= size && Number.isInteger(s / size)) return `window ${s / size}${u}`;
  return `window ${s}s`;
}
