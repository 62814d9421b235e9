// A window of a deployment's prediction log as typed columns: per model input (numbers as Float64Array
// with NaN for null, categories as string | null), the outputs, latencies, times and request ids.
// What the monitor's drift tests (src/ml/drift: ProfileColumn) and quality measures read.
import { taskClasses, type BundleInput, type BundleTask } from "../bundle.js";
import type { PredictionLogEntry } from "../prediction-log.js";
import type { LogQuery, PredictionSink } from "../log/types.js";

/** A column as the drift profile takes it: numbers (NaN = null) or category labels (null = null). */
export type LogColumn =
  { kind: "numeric"; values: Float64Array } | { kind: "categorical"; values: (string | null)[] };

/** Which rows: those logged in the last `seconds` before `now`, or the newest `last` rows. */
export type WindowSpec = { seconds: number; now?: Date } | { last: number };

export interface LogWindow {
  rows: number;
  /** Request ids per row (a batch request's rows share one; `index` tells them apart, -1 for a single record). */
  requestIds: string[];
  index: Int32Array;
  /** Request time per row, epoch ms. */
  times: Float64Array;
  /** Request latency per row (the same for every row of a request), ms. */
  latencyMs: Float64Array;
  modelVersions: Int32Array;
  arms: string[];
  /** Experiment and arm per row, null when the request was not in one. */
  experiments: (string | null)[];
  experimentArms: (string | null)[];
  /** One column per model input the log holds (fields excluded from the log are absent). */
  inputs: Record<string, LogColumn>;
  /** Other request fields asked for (entity keys to join labels by), as text; null where absent. */
  fields: Record<string, (string | null)[]>;
  /**
   * Per input, rows whose value did not fit the input's type (a number column given text…): they
   * count here and are NaN/null in the column. Requests the server rejected are never logged.
   */
  wrongTypes: Record<string, number>;
  /**
   * The outputs: `class` (classifiers), `score` (binary: P(positive class); anomaly, ranking),
   * `value` (regression), `probability.<class>` (multiclass).
   */
  outputs: Record<string, LogColumn>;
  /** Predictions laid out as the metrics take them (`MetricInput.pred`): n × width, NaN where missing. */
  pred: Float64Array;
  width: number;
  /** The window's bounds: its start and end (ms) for a time window, the first and last row's times otherwise. */
  from: number;
  to: number;
}

/** How a model input is read: numbers (int, float, timestamp as epoch ms, bool as 1/0) or categories. */
export function columnKind(input: BundleInput): LogColumn["kind"] {
  return input.type === "string" || input.type === "category" ? "categorical" : "numeric";
}

/** The number a logged value stands for in a numeric column: null → NaN; undefined when it does not fit. */
function numberOf(v: unknown, type: BundleInput["type"]): number | undefined {
  if (v === null || v === undefined) return NaN;
  if (type === "bool") return v === true || v === 1 ? 1 : v === false || v === 0 ? 0 : undefined;
  if (type === "timestamp") {
    const ms = typeof v === "number" ? v : typeof v === "string" ? Date.parse(v) : NaN;
    return Number.isNaN(ms) ? undefined : ms;
  }
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** The query a window spec reads. */
export function windowQuery(spec: WindowSpec, arms?: string[]): LogQuery {
  // by default every row a client was answered with (stable, canary, experiment arms), never shadow
  // scores nor /v1/recommend's lists (arm `recommend`: a user and k, not the model's inputs)
  const a = arms ? { arms } : { exceptArms: ["shadow", "recommend"] };
  if ("last" in spec) return { last: spec.last, ...a };
  const now = spec.now ?? new Date();
  return { since: new Date(now.getTime() - spec.seconds * 1000), until: now, ...a };
}

/** Columns from log entries (oldest first), for a model's inputs and task. */
export function logWindow(
  entries: readonly PredictionLogEntry[],
  inputs: readonly BundleInput[],
  task: BundleTask,
  bounds?: { from: number; to: number },
  fields: readonly string[] = [],
): LogWindow {
  const n = entries.length;
  const classes = taskClasses(task);
  const width = task.kind === "multiclass" ? classes!.length : 1;
  const w: LogWindow = {
    rows: n,
    requestIds: new Array<string>(n),
    index: new Int32Array(n),
    times: new Float64Array(n),
    latencyMs: new Float64Array(n),
    modelVersions: new Int32Array(n),
    arms: new Array<string>(n),
    experiments: new Array<string | null>(n),
    experimentArms: new Array<string | null>(n),
    inputs: {},
    fields: {},
    wrongTypes: {},
    outputs: {},
    pred: new Float64Array(n * width).fill(NaN),
    width,
    from: bounds?.from ?? (n ? Date.parse(entries[0]!.ts) : NaN),
    to: bounds?.to ?? (n ? Date.parse(entries[n - 1]!.ts) : NaN),
  };
  const logged = new Set<string>();
  for (const e of entries) for (const k of Object.keys(e.features ?? {})) logged.add(k);
  const cols = inputs.filter((i) => logged.has(i.name) || n === 0);
  for (const inp of cols) {
    w.inputs[inp.name] =
      columnKind(inp) === "numeric"
        ? { kind: "numeric", values: new Float64Array(n) }
        : { kind: "categorical", values: new Array<string | null>(n) };
    w.wrongTypes[inp.name] = 0;
  }
  for (const k of fields) w.fields[k] = new Array<string | null>(n).fill(null);
  const cls = classes ? new Array<string | null>(n) : undefined;
  const single = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const e = entries[r]!;
    w.requestIds[r] = e.request_id;
    w.index[r] = e.index ?? -1;
    w.times[r] = Date.parse(e.ts);
    w.latencyMs[r] = e.latency_ms;
    w.modelVersions[r] = e.model_version;
    w.arms[r] = e.arm;
    w.experiments[r] = e.experiment ?? null;
    w.experimentArms[r] = e.experiment_arm ?? null;
    const f = (e.features ?? {}) as Record<string, unknown>;
    for (const inp of cols) {
      const col = w.inputs[inp.name]!;
      const v = f[inp.name];
      if (col.kind === "numeric") {
        const x = numberOf(v, inp.type);
        if (x === undefined) w.wrongTypes[inp.name]!++;
        col.values[r] = x ?? NaN;
      } else if (v === null || v === undefined) col.values[r] = null;
      else if (typeof v === "string" || typeof v === "number" || typeof v === "boolean")
        col.values[r] = String(v);
      else {
        w.wrongTypes[inp.name]!++;
        col.values[r] = null;
      }
    }
    for (const k of fields) {
      const v = f[k];
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean")
        w.fields[k]![r] = String(v);
    }
    const out = (e.output ?? {}) as {
      label?: unknown;
      probabilities?: Record<string, unknown>;
      value?: unknown;
      score?: unknown;
    };
    if (cls) cls[r] = typeof out.label === "string" ? out.label : null;
    const num = (v: unknown): number => (typeof v === "number" ? v : NaN);
    if (task.kind === "binary") single[r] = num(out.probabilities?.[classes![1]!]);
    else if (task.kind === "multiclass")
      for (let j = 0; j < width; j++) w.pred[r * width + j] = num(out.probabilities?.[classes![j]!]);
    else single[r] = num(task.kind === "regression" ? out.value : out.score);
  }
  if (cls) w.outputs.class = { kind: "categorical", values: cls };
  if (task.kind === "multiclass")
    classes!.forEach((c, j) => {
      const v = new Float64Array(n);
      for (let r = 0; r < n; r++) v[r] = w.pred[r * width + j]!;
      w.outputs[`probability.${c}`] = { kind: "numeric", values: v };
    });
  else {
    w.pred.set(single);
    w.outputs[task.kind === "regression" ? "value" : "score"] = { kind: "numeric", values: single };
  }
  return w;
}

/** Reads a window of the log from any sink (shadow rows are left out unless `arms` says otherwise). */
export async function readLogWindow(
  sink: PredictionSink,
  spec: WindowSpec,
  model: { inputs: readonly BundleInput[]; task: BundleTask },
  opts: { arms?: string[]; fields?: readonly string[] } = {},
): Promise<LogWindow> {
  const q = windowQuery(spec, opts.arms);
  const entries = await sink.read(q);
  const bounds = q.since && q.until ? { from: q.since.getTime(), to: q.until.getTime() } : undefined;
  return logWindow(entries, model.inputs, model.task, bounds, opts.fields);
}
