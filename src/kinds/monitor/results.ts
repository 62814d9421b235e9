// What a monitor keeps in the state store's record collections, with its one encode/decode pair:
// its registration (`monitors`, by name: the configuration apply recorded), every run (`monitor_runs`,
// key `NAME/000001`: time, window, statistics and outcome per assertion, the actions taken) and the
// time of its last alert sent (`monitor_alerts`, by name: the cooldown survives restarts).
import { MlcError } from "../../ir/errors.js";
import { isObj, type Json } from "../../ir/graph-ir.js";
import type { MonitorAction, MonitorConfig } from "./config.js";

export const MONITORS = "monitors";
export const MONITOR_RUNS = "monitor_runs";
export const MONITOR_ALERTS = "monitor_alerts";

export interface MonitorRegistration {
  config: MonitorConfig;
  /** The project's seed: the bootstrap intervals of `live.*` are seeded with it. */
  seed: number;
  registered: string;
  runId?: string;
}

export type AssertionStatus = "PASS" | "BREACH" | "NOT ENOUGH DATA";
export type RunOutcome = "pass" | "breach" | "not_enough_data";

export interface AssertionOutcome {
  text: string;
  status: AssertionStatus;
  /** Every check the assertion read, by its text (`drift(total_day_minutes, wasserstein)`), with its value. */
  values: Record<string, number>;
  /** The literal the check is compared with, when the assertion is one comparison. */
  threshold?: number;
  /** Rows the assertion's checks read (labelled rows for `live.*`, requests for `latency.*`). */
  rows: number;
  /** Why there was not enough data, or what a default chose. */
  note?: string;
}

export interface ActionOutcome {
  kind: MonitorAction["kind"];
  /** `done`, `failed`, or `skipped` (an alert inside the cooldown). */
  outcome: "done" | "failed" | "skipped";
  detail: string;
  at: string;
}

export interface MonitorRun {
  monitor: string;
  seq: number;
  at: string;
  deployment: string;
  modelVersion: number;
  window: { from: string | null; to: string | null; rows: number; spec: string };
  outcome: RunOutcome;
  assertions: AssertionOutcome[];
  actions: ActionOutcome[];
}

function actionJson(a: MonitorAction): Json {
  switch (a.kind) {
    case "alert":
      return { kind: a.kind, url: "env" in a.url ? { env: a.url.env } : { literal: a.url.literal } };
    case "rollback":
      return { kind: a.kind, deployment: a.deployment };
    case "retrain":
      return { kind: a.kind, model: a.model };
  }
}

export function encodeRegistration(r: MonitorRegistration): Json {
  const c = r.config;
  return {
    config: {
      name: c.name,
      deployment: c.deployment,
      window: "last" in c.window ? { last: c.window.last } : { seconds: c.window.seconds },
      minRows: c.minRows,
      scheduleSeconds: c.scheduleSeconds,
      cooldownSeconds: c.cooldownSeconds,
      reference: c.reference,
      onBreach: c.onBreach.map(actionJson),
      assertions: c.assertions,
    },
    seed: r.seed,
    registered: r.registered,
    ...(r.runId ? { runId: r.runId } : {}),
  };
}

/** A monitor record in state that cannot be read (written by another version of mlc, or damaged). */
export class MonitorRecordError extends MlcError {
  constructor(message: string) {
    super("MLC2370", message, { hint: "run mlc apply again: it registers the monitor anew" });
  }
}

const str = (o: Record<string, Json>, k: string): string => {
  const v = o[k];
  if (typeof v !== "string") throw new MonitorRecordError(`monitor record: ${k} is not text`);
  return v;
};
const num = (o: Record<string, Json>, k: string): number => {
  const v = o[k];
  if (typeof v !== "number") throw new MonitorRecordError(`monitor record: ${k} is not a number`);
  return v;
};

function decodeAction(j: Json): MonitorAction {
  if (!isObj(j)) throw new MonitorRecordError("monitor record: an action is not an object");
  const kind = str(j, "kind");
  if (kind === "alert") {
    const u = j.url;
    if (isObj(u) && typeof u.env === "string") return { kind, url: { env: u.env } };
    if (isObj(u) && typeof u.literal === "string") return { kind, url: { literal: u.literal } };
    throw new MonitorRecordError("monitor record: alert without a URL");
  }
  if (kind === "rollback") return { kind, deployment: str(j, "deployment") };
  if (kind === "retrain") return { kind, model: str(j, "model") };
  throw new MonitorRecordError(`monitor record: unknown action ${kind}`);
}

export function decodeRegistration(j: Json): MonitorRegistration {
  if (!isObj(j) || !isObj(j.config)) throw new MonitorRecordError("monitor record: no config");
  const c = j.config;
  const w = c.window;
  if (!isObj(w)) throw new MonitorRecordError("monitor record: no window");
  const reference = str(c, "reference");
  if (reference !== "train" && reference !== "valid" && reference !== "test")
    throw new MonitorRecordError(`monitor record: reference ${reference}`);
  if (!Array.isArray(c.onBreach) || !Array.isArray(c.assertions))
    throw new MonitorRecordError("monitor record: no actions or assertions");
  return {
    config: {
      name: str(c, "name"),
      deployment: str(c, "deployment"),
      window: typeof w.last === "number" ? { last: w.last } : { seconds: num(w, "seconds") },
      minRows: num(c, "minRows"),
      scheduleSeconds: num(c, "scheduleSeconds"),
      cooldownSeconds: num(c, "cooldownSeconds"),
      reference,
      onBreach: c.onBreach.map(decodeAction),
      assertions: c.assertions,
    },
    seed: num(j, "seed"),
    registered: str(j, "registered"),
    ...(typeof j.runId === "string" ? { runId: j.runId } : {}),
  };
}

export function encodeRun(r: MonitorRun): Json {
  return {
    monitor: r.monitor,
    seq: r.seq,
    at: r.at,
    deployment: r.deployment,
    modelVersion: r.modelVersion,
    window: { ...r.window },
    outcome: r.outcome,
    assertions: r.assertions.map((a) => ({
      text: a.text,
      status: a.status,
      values: Object.fromEntries(Object.entries(a.values).map(([k, v]) => [k, Number.isNaN(v) ? null : v])),
      ...(a.threshold !== undefined ? { threshold: a.threshold } : {}),
      rows: a.rows,
      ...(a.note ? { note: a.note } : {}),
    })),
    actions: r.actions.map((a) => ({ ...a })),
  };
}

const STATUSES: readonly AssertionStatus[] = ["PASS", "BREACH", "NOT ENOUGH DATA"];
const OUTCOMES: readonly RunOutcome[] = ["pass", "breach", "not_enough_data"];

export function decodeRun(j: Json): MonitorRun {
  if (!isObj(j) || !isObj(j.window) || !Array.isArray(j.assertions) || !Array.isArray(j.actions))
    throw new MonitorRecordError("monitor run record: malformed");
  const outcome = str(j, "outcome") as RunOutcome;
  if (!OUTCOMES.includes(outcome)) throw new MonitorRecordError(`monitor run record: outcome ${outcome}`);
  const w = j.window;
  return {
    monitor: str(j, "monitor"),
    seq: num(j, "seq"),
    at: str(j, "at"),
    deployment: str(j, "deployment"),
    modelVersion: num(j, "modelVersion"),
    window: {
      from: typeof w.from === "string" ? w.from : null,
      to: typeof w.to === "string" ? w.to : null,
      rows: num(w, "rows"),
      spec: str(w, "spec"),
    },
    outcome,
    assertions: j.assertions.map((a): AssertionOutcome => {
      if (!isObj(a) || !isObj(a.values)) throw new MonitorRecordError("monitor run record: an assertion");
      const status = str(a, "status") as AssertionStatus;
      if (!STATUSES.includes(status)) throw new MonitorRecordError(`monitor run record: status ${status}`);
      return {
        text: str(a, "text"),
        status,
        values: Object.fromEntries(
          Object.entries(a.values).map(([k, v]) => [k, typeof v === "number" ? v : NaN]),
        ),
        ...(typeof a.threshold === "number" ? { threshold: a.threshold } : {}),
        rows: num(a, "rows"),
        ...(typeof a.note === "string" ? { note: a.note } : {}),
      };
    }),
    actions: j.actions.map((a): ActionOutcome => {
      if (!isObj(a)) throw new MonitorRecordError("monitor run record: an action");
      const kind = str(a, "kind");
      const outcome = str(a, "outcome");
      if (kind !== "alert" && kind !== "rollback" && kind !== "retrain")
        throw new MonitorRecordError(`monitor run record: action ${kind}`);
      if (outcome !== "done" && outcome !== "failed" && outcome !== "skipped")
        throw new MonitorRecordError(`monitor run record: action outcome ${outcome}`);
      return { kind, outcome, detail: str(a, "detail"), at: str(a, "at") };
    }),
  };
}

/** The key of a monitor's run: its name and a zero-padded sequence number, so keys sort in run order. */
export const runKey = (monitor: string, seq: number): string => `${monitor}/${String(seq).padStart(6, "0")}`;
