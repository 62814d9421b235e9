// Parses a `POST /v1/feedback` body: one label (`{request_id, label}` or `{key, time, label}`) or an
// experiment outcome (`metric` and `value` instead of `label`), or a batch (`{items: [...]}`), labels
// checked against the model's task. A problem names the field, as a 400 does.
import { taskClasses, type BundleTask } from "./bundle.js";
import { feedbackId, type Label, type StoredFeedback } from "./log/types.js";

export interface FeedbackProblem {
  field: string;
  message: string;
}

export interface ParsedFeedback {
  items: StoredFeedback[];
  /** Whether the body was a batch (`items`). */
  batched: boolean;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The label as stored: a class name for classifiers, a number otherwise (anomaly: 1 = anomaly). */
export function normaliseLabel(v: unknown, task: BundleTask): Label | { expected: string } {
  const bad = (what: string): { expected: string } => ({
    expected: `expected ${what}, got ${JSON.stringify(v) ?? "nothing"}`,
  });
  switch (task.kind) {
    case "binary": {
      const [neg, pos] = taskClasses(task) as [string, string];
      if (v === true || v === 1) return pos;
      if (v === false || v === 0) return neg;
      if (typeof v === "string" && (v === neg || v === pos)) return v;
      return bad(`"${neg}" or "${pos}" (or true/false, 1/0)`);
    }
    case "multiclass": {
      const classes = taskClasses(task)!;
      if (typeof v === "string" && classes.includes(v)) return v;
      return bad(`one of ${classes.map((c) => JSON.stringify(c)).join(", ")}`);
    }
    case "anomaly":
      if (v === true || v === 1) return 1;
      if (v === false || v === 0) return 0;
      return bad("true/false or 1/0 (1 = anomaly)");
    case "regression":
    case "ranking":
      return typeof v === "number" && Number.isFinite(v) ? v : bad("a finite number");
  }
}

const FIELDS = ["request_id", "index", "key", "time", "label", "metric", "value"];
const METRIC_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** An experiment outcome's metric name and value (a boolean counts 1/0). */
function parseOutcome(metric: unknown, value: unknown): { metric: string; value: number } | FeedbackProblem {
  if (typeof metric !== "string" || !METRIC_RE.test(metric))
    return {
      field: "metric",
      message: 'expected the experiment metric\'s name (letters, digits, _; at most 64), e.g. "converted"',
    };
  if (value === true || value === false) return { metric, value: value ? 1 : 0 };
  if (typeof value !== "number" || !Number.isFinite(value))
    return {
      field: "value",
      message: `expected the outcome as a finite number (0/1 or true/false for a binary metric), got ${JSON.stringify(value) ?? "nothing"}`,
    };
  return { metric, value };
}

/** The problem `{field, message}`, or the label or outcome stored; `received` stamps every item. */
function parseItem(
  v: unknown,
  at: string,
  task: BundleTask,
  received: string,
): StoredFeedback | FeedbackProblem {
  const f = (name: string): string => (at ? `${at}.${name}` : name);
  if (!isObj(v))
    return {
      field: at || "body",
      message:
        "expected a JSON object {request_id, label} or {key, time, label} (or metric and value for label)",
    };
  for (const k of Object.keys(v))
    if (!FIELDS.includes(k))
      return { field: f(k), message: `unknown field '${k}' (expected ${FIELDS.join(", ")})` };
  const outcome = Object.hasOwn(v, "metric") || Object.hasOwn(v, "value");
  let what: { label: Label } | { metric: string; value: number };
  if (outcome) {
    if (Object.hasOwn(v, "label"))
      return {
        field: f("label"),
        message: "give label, or metric and value (an experiment outcome), not both",
      };
    const r = parseOutcome(v.metric, v.value);
    if ("field" in r) return { field: f(r.field), message: r.message };
    what = r;
  } else {
    if (!Object.hasOwn(v, "label"))
      return { field: f("label"), message: "label (or metric and value) is required" };
    const label = normaliseLabel(v.label, task);
    if (typeof label === "object") return { field: f("label"), message: label.expected };
    what = { label };
  }
  const metric = "metric" in what ? what.metric : undefined;
  const hasId = Object.hasOwn(v, "request_id");
  const hasKey = Object.hasOwn(v, "key");
  if (hasId === hasKey)
    return {
      field: f(hasId ? "key" : "request_id"),
      message: hasId ? "give request_id or key, not both" : "request_id (or key and time) is required",
    };
  if (hasId) {
    if (typeof v.request_id !== "string" || v.request_id === "" || v.request_id.length > 128)
      return { field: f("request_id"), message: "expected the request id a prediction returned (a string)" };
    if (v.time !== undefined) return { field: f("time"), message: "time goes with key, not with request_id" };
    if (v.index !== undefined && !(Number.isInteger(v.index) && (v.index as number) >= 0))
      return { field: f("index"), message: "expected the row's position in the batch request (0, 1, …)" };
    const index = v.index as number | undefined;
    const base = { request_id: v.request_id, ...(index !== undefined ? { index } : {}) };
    return { id: feedbackId(base, metric), received, ...base, ...what };
  }
  const key = v.key;
  if (!isObj(key) || Object.keys(key).length === 0)
    return { field: f("key"), message: 'expected the entity key as an object, e.g. {"customer_id": "c-1"}' };
  for (const [k, kv] of Object.entries(key))
    if (!(
      typeof kv === "string" ||
      typeof kv === "boolean" ||
      (typeof kv === "number" && Number.isFinite(kv))
    ))
      return { field: f(`key.${k}`), message: "expected a string, number or boolean" };
  if (v.index !== undefined)
    return { field: f("index"), message: "index goes with request_id, not with key" };
  const t =
    typeof v.time === "number" ? new Date(v.time) : typeof v.time === "string" ? new Date(v.time) : undefined;
  if (!t || Number.isNaN(t.getTime()))
    return {
      field: f("time"),
      message: "expected the outcome's time (ISO-8601, or milliseconds since 1970)",
    };
  const base = { key: key as Record<string, string | number | boolean>, time: t.toISOString() };
  return { id: feedbackId(base, metric), received, ...base, ...what };
}

const isProblem = (x: StoredFeedback | FeedbackProblem): x is FeedbackProblem =>
  "message" in x && !("id" in x);

/** At most this many labels in one batch. */
export const MAX_FEEDBACK_ITEMS = 10_000;

export function parseFeedback(
  body: unknown,
  task: BundleTask,
  received: Date = new Date(),
): ParsedFeedback | FeedbackProblem {
  const at = received.toISOString();
  if (isObj(body) && Object.hasOwn(body, "items")) {
    const items = body.items;
    if (Object.keys(body).length > 1)
      return { field: Object.keys(body).find((k) => k !== "items")!, message: "a batch holds only items" };
    if (!Array.isArray(items) || items.length === 0)
      return { field: "items", message: "expected a non-empty list of labels" };
    if (items.length > MAX_FEEDBACK_ITEMS)
      return {
        field: "items",
        message: `at most ${MAX_FEEDBACK_ITEMS} labels per request, got ${items.length}`,
      };
    const out: StoredFeedback[] = [];
    for (let i = 0; i < items.length; i++) {
      const r = parseItem(items[i], `items[${i}]`, task, at);
      if (isProblem(r)) return r;
      out.push(r);
    }
    return { items: out, batched: true };
  }
  const r = parseItem(body, "", task, at);
  return isProblem(r) ? r : { items: [r], batched: false };
}

export const isFeedbackProblem = (x: ParsedFeedback | FeedbackProblem): x is FeedbackProblem =>
  "message" in x;
