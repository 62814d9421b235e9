// KServe's Open Inference Protocol (v2), transport-free: model metadata, and inference from named input
// tensors (one per bundle input) turned into the records /v1/predict scores, validated by the same
// encoder and scored by the same runner, answered as output tensors. REST (oip-rest.ts) and gRPC
// (oip-grpc.ts) only decode and encode; every decision is here.
import { taskClasses, type BundleInput, type BundleMeta } from "./bundle.js";
import type { Routing } from "./live-deployment.js";
import type { ModelRunner } from "./model-runner.js";
import { isLookupProblem, type OnlineView } from "./online-lookup.js";
import { predictionFormatter, type Prediction } from "./prediction-format.js";
import { armGroups, type ArmGroup, type MissingKey } from "./arm-groups.js";
import { mlcVersion } from "./app-root.js";
import { isProblem } from "./record-encoder.js";

/** What the protocol needs from the server it runs in. */
export interface OipContext {
  /** The deployment served: the protocol's model name. */
  deployment: string;
  /** Most rows in one request. */
  maxBatch: number;
  /** What serves now; undefined while the first version loads. */
  routing(): Routing | undefined;
  /** True once shutdown began: the server is no longer ready. */
  draining(): boolean;
  /** Told of every scored request, to count and log its predictions as /v1/predict's are. */
  scored?(s: ScoredRequest): void;
}

export interface ScoredRequest {
  runner: ModelRunner;
  /** stable, canary/shadow (the candidate) or the experiment arm's name. */
  arm: string;
  /** The experiment that chose the arm, if one did. */
  experiment?: string;
  /** Each record's row in the request, when the arms split it; absent: the records are the rows in order. */
  rows?: readonly number[];
  /** The records as scored (online-filled inputs included). */
  records: readonly unknown[];
  scores: Float32Array;
  /** The server's id of the request (the protocol's `id` is the client's and need not be unique). */
  requestId: string;
  /** Epoch ms the request arrived. */
  received: number;
}

/** A protocol error: `status` is the HTTP status; gRPC maps it to a status code. */
export interface OipError {
  status: 400 | 404 | 500 | 503;
  message: string;
}

export const isOipError = (v: unknown): v is OipError =>
  typeof v === "object" && v !== null && "status" in v && "message" in v && !("outputs" in v);

export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

/** An input tensor as a transport decoded it: its elements flattened in row-major order. */
export interface InputTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: readonly unknown[];
}

export interface InferRequest {
  id?: string;
  inputs: readonly InputTensor[];
  /** Names of the outputs wanted; absent = all. */
  outputs?: readonly string[];
}

export interface OutputTensor {
  name: string;
  datatype: "FP64" | "BYTES" | "BOOL";
  shape: number[];
  data: (number | string | boolean | null)[];
  /** Protocol parameters: a classifier's `classes` (a JSON list, in the column order of `probabilities`). */
  parameters?: Record<string, string>;
}

export interface InferResponse {
  model_name: string;
  /** The version that scored every row; versions joined by `+` when a canary or experiment split them. */
  model_version: string;
  id: string;
  outputs: OutputTensor[];
  /** When a canary or an experiment routed the request: each row's arm and version, comma-separated. */
  parameters?: Record<string, string>;
}

/** The protocol's server metadata. */
export interface ServerMetadata {
  name: string;
  version: string;
  extensions: string[];
}

/** The protocol's datatype of each bundle input type (timestamps travel as epoch milliseconds). */
const INPUT_DATATYPE: Record<BundleInput["type"], string> = {
  int: "INT64",
  float: "FP32",
  bool: "BOOL",
  string: "BYTES",
  category: "BYTES",
  timestamp: "INT64",
};

const NUMERIC = [
  "FP16",
  "FP32",
  "FP64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
];
const INTEGER = NUMERIC.filter((d) => d.includes("INT"));

/** The datatypes accepted for each input type. */
const ACCEPTED: Record<BundleInput["type"], readonly string[]> = {
  int: NUMERIC,
  float: NUMERIC,
  bool: ["BOOL"],
  string: ["BYTES"],
  category: ["BYTES"],
  timestamp: [...INTEGER, "FP64", "BYTES"],
};

/** The output tensors a bundle answers with, by task. */
function outputMetadata(meta: BundleMeta): TensorMetadata[] {
  const task = meta.task;
  switch (task.kind) {
    case "binary":
    case "multiclass":
      return [
        { name: "label", datatype: "BYTES", shape: [-1] },
        { name: "probabilities", datatype: "FP64", shape: [-1, taskClasses(task)!.length] },
      ];
    case "regression":
      return [{ name: "value", datatype: "FP64", shape: [-1] }];
    case "anomaly":
      return [
        { name: "score", datatype: "FP64", shape: [-1] },
        ...(task.threshold !== undefined ? [{ name: "anomaly", datatype: "BOOL", shape: [-1] }] : []),
      ];
    case "ranking":
      return [{ name: "score", datatype: "FP64", shape: [-1] }];
  }
}

interface Served {
  runner: ModelRunner;
  arm: string;
  online?: OnlineView;
}

/** Every version the routing serves, stable first, with its arm, runner and online table. */
function servedRunners(r: Routing): Served[] {
  const out: Served[] = [
    { runner: r.stable, arm: "stable", ...(r.stableOnline ? { online: r.stableOnline } : {}) },
  ];
  if (r.candidate)
    out.push({
      runner: r.candidate,
      arm: r.rollout?.kind ?? "canary",
      ...(r.candidateOnline ? { online: r.candidateOnline } : {}),
    });
  for (const [arm, a] of r.experiment?.arms ?? []) out.push({ ...a, arm });
  const seen = new Set<number>();
  return out.filter((x) => !seen.has(x.runner.version) && seen.add(x.runner.version));
}

/** The runner a request addresses: its model must be the deployment; no version = the stable one. */
function resolveModel(
  ctx: OipContext,
  name: string,
  version: string | undefined,
): (Served & { routing: Routing }) | OipError {
  if (name !== ctx.deployment)
    return {
      status: 404,
      message: `unknown model '${name.slice(0, 100)}'; this server serves '${ctx.deployment}'`,
    };
  const routing = ctx.routing();
  if (!routing) return { status: 503, message: `model '${name}' is still loading` };
  const served = servedRunners(routing);
  if (version === undefined || version === "") return { ...served[0]!, routing };
  const hit = served.find((s) => String(s.runner.version) === version);
  if (!hit)
    return {
      status: 404,
      message: `model '${name}' has no version '${version.slice(0, 40)}' being served; served: ${served.map((s) => s.runner.version).join(", ")}`,
    };
  return { ...hit, routing };
}

export function serverLive(): boolean {
  return true;
}

export function serverReady(ctx: OipContext): boolean {
  return !ctx.draining() && ctx.routing() !== undefined;
}

/** Whether the model (and version) is loaded and the server takes requests; unknown model: a 404. */
export function modelReady(ctx: OipContext, name: string, version?: string): boolean | OipError {
  const m = resolveModel(ctx, name, version);
  if (isOipError(m)) return m.status === 503 ? false : m;
  return !ctx.draining();
}

export function modelMetadata(ctx: OipContext, name: string, version?: string): ModelMetadata | OipError {
  const m = resolveModel(ctx, name, version);
  if (isOipError(m)) return m;
  const meta = m.runner.meta;
  return {
    name: ctx.deployment,
    versions: version
      ? [String(m.runner.version)]
      : servedRunners(m.routing).map((s) => String(s.runner.version)),
    platform: "onnx",
    inputs: meta.inputs.map((i) => ({ name: i.name, datatype: INPUT_DATATYPE[i.type], shape: [-1] })),
    outputs: outputMetadata(meta),
  };
}

const shapeText = (s: readonly number[]): string => `[${s.join(", ")}]`;

/** The records the tensors hold, one per row, keyed by input name; or the first problem. */
function tensorsToRecords(
  ctx: OipContext,
  inputs: readonly BundleInput[],
  tensors: readonly InputTensor[],
  /** The field a canary or experiment routes by: accepted as a tensor even when the model does not read it. */
  routingKey?: string,
): Record<string, unknown>[] | OipError {
  if (tensors.length === 0) return { status: 400, message: "the request has no inputs" };
  const byName = new Map(inputs.map((i) => [i.name, i]));
  const keyOnly = routingKey !== undefined && !byName.has(routingKey) ? routingKey : undefined;
  if (keyOnly !== undefined) byName.set(keyOnly, { name: keyOnly, type: "string", nullable: true });
  const seen = new Set<string>();
  let n: number | undefined;
  let first = "";
  for (const t of tensors) {
    const name = String(t.name);
    const inp = byName.get(name);
    if (!inp)
      return {
        status: 400,
        message: `unknown input '${name.slice(0, 100)}'; the model's inputs are ${inputs.map((i) => i.name).join(", ")}${routingKey !== undefined && keyOnly === undefined ? "" : routingKey !== undefined ? ` (and the routing key '${routingKey}')` : ""}`,
      };
    if (seen.has(name)) return { status: 400, message: `input '${name}' is given twice` };
    seen.add(name);
    if (name !== keyOnly && !ACCEPTED[inp.type].includes(t.datatype))
      return {
        status: 400,
        message: `input '${name}' has datatype ${String(t.datatype).slice(0, 20)}; the model's '${name}' (${inp.type}) takes ${ACCEPTED[inp.type].length > 3 ? INPUT_DATATYPE[inp.type] + " or another numeric type" : ACCEPTED[inp.type].join(" or ")}`,
      };
    const s = t.shape;
    if (!(s.length === 1 || (s.length === 2 && s[1] === 1)) || !s.every((d) => Number.isInteger(d) && d >= 0))
      return { status: 400, message: `input '${name}' has shape ${shapeText(s)}; expected [n] or [n, 1]` };
    if (t.data.length !== s[0])
      return {
        status: 400,
        message: `input '${name}' has shape ${shapeText(s)} but ${t.data.length} element${t.data.length === 1 ? "" : "s"}`,
      };
    if (n === undefined) {
      n = s[0]!;
      first = name;
    } else if (s[0] !== n)
      return { status: 400, message: `input '${name}' has ${s[0]} rows but input '${first}' has ${n}` };
    const bad = badElement(t);
    if (bad !== undefined)
      return { status: 400, message: `input '${name}' element ${bad.index}: ${bad.message}` };
  }
  if (n === 0) return { status: 400, message: "the inputs have no rows" };
  if (n! > ctx.maxBatch)
    return { status: 400, message: `at most ${ctx.maxBatch} rows per request, got ${n}` };
  const records: Record<string, unknown>[] = Array.from({ length: n! }, () => ({}));
  for (const t of tensors) for (let r = 0; r < n!; r++) records[r]![t.name] = t.data[r];
  return records;
}

/** The first element whose JSON type does not match the tensor's datatype (null is left to the encoder). */
function badElement(t: InputTensor): { index: number; message: string } | undefined {
  const want = t.datatype === "BYTES" ? "string" : t.datatype === "BOOL" ? "boolean" : "number";
  for (let i = 0; i < t.data.length; i++) {
    const v = t.data[i];
    if (v === null) continue;
    if (typeof v !== want)
      return { index: i, message: `expected a ${want} for datatype ${t.datatype}, got ${describe(v)}` };
    if (want === "number" && INTEGER.includes(t.datatype) && !Number.isInteger(v))
      return { index: i, message: `expected an integer for datatype ${t.datatype}, got ${String(v)}` };
  }
  return undefined;
}

const describe = (v: unknown): string =>
  typeof v === "string"
    ? `'${v.slice(0, 40)}'`
    : Array.isArray(v)
      ? "an array"
      : (JSON.stringify(v) ?? typeof v);

/** Scores the tensors' rows with the addressed version, as /v1/predict scores the same records. */
export async function infer(
  ctx: OipContext,
  name: string,
  version: string | undefined,
  req: InferRequest,
  /** The server's id of this request: the answer's `id` when the request has none, and the log's request id. */
  fallbackId: string,
): Promise<InferResponse | OipError> {
  const received = Date.now();
  const m = resolveModel(ctx, name, version);
  if (isOipError(m)) return m;
  const meta = m.runner.meta;
  const available = outputMetadata(meta);
  const wanted = req.outputs;
  if (wanted) {
    const unknown = wanted.find((o) => !available.some((a) => a.name === o));
    if (unknown !== undefined)
      return {
        status: 400,
        message: `unknown output '${String(unknown).slice(0, 100)}'; the model's outputs are ${available.map((a) => a.name).join(", ")}`,
      };
  }
  // no version named: rows go where /v1/predict sends the same records (a canary's key, an experiment's arm)
  const routed = version === undefined || version === "";
  const key = routingKeyOf(m.routing);
  const recs = tensorsToRecords(ctx, meta.inputs, req.inputs, key);
  if (isOipError(recs)) return recs;
  const groups: ArmGroup[] | MissingKey = routed
    ? armGroups(m.routing, recs)
    : [{ arm: m.arm, runner: m.runner, ...(m.online ? { online: m.online } : {}) }];
  if ("missing" in groups)
    return {
      status: 400,
      message: `${rowOf(groups.index)}experiment '${m.routing.experiment?.route.name ?? ""}' routes by '${groups.missing}': send it as an input tensor named '${groups.missing}'`,
    };
  const preds: Prediction[] = new Array(recs.length);
  const rowArm: string[] = new Array(recs.length);
  const rowVersion: number[] = new Array(recs.length);
  for (const g of groups) {
    const rows = g.rows ?? recs.map((_, i) => i);
    let records: unknown[] = g.rows ? rows.map((i) => recs[i]) : recs;
    const at = (index: number | undefined): number | undefined =>
      index === undefined ? undefined : rows[index];
    if (g.online) {
      const fill = await g.online.fill(records, true).catch(() => undefined);
      if (!fill) return { status: 503, message: "the online feature store could not be read" };
      if (isLookupProblem(fill))
        return {
          status: fill.status,
          message: `${rowOf(at(fill.index))}input '${fill.field}': ${fill.message}`,
        };
      records = fill.records;
    }
    const enc = g.runner.encoder.encodeRecords(records, true);
    if (isProblem(enc))
      return { status: 400, message: `${rowOf(at(enc.index))}input '${enc.field}': ${enc.message}` };
    let scores: Float32Array;
    try {
      scores = await g.runner.score(enc);
    } catch {
      return { status: 500, message: "the model failed to score this request" };
    }
    ctx.scored?.({
      runner: g.runner,
      arm: g.arm,
      ...(g.experiment !== undefined ? { experiment: g.experiment } : {}),
      ...(g.rows ? { rows: g.rows } : {}),
      records,
      scores,
      requestId: fallbackId,
      received,
    });
    const f = predictionFormatter(g.runner.meta);
    rows.forEach((i, j) => {
      preds[i] = f.format(scores, j);
      rowArm[i] = g.arm;
      rowVersion[i] = g.runner.version;
    });
  }
  const outputs = outputTensors(meta, preds).filter((o) => !wanted || wanted.includes(o.name));
  const versions = [...new Set(rowVersion)].sort((a, b) => a - b);
  const split = routed && (m.routing.experiment !== undefined || m.routing.rollout?.kind === "canary");
  return {
    model_name: ctx.deployment,
    model_version: versions.join("+"),
    id: req.id !== undefined && req.id !== "" ? req.id : fallbackId,
    outputs,
    ...(split ? { parameters: { arms: rowArm.join(","), model_versions: rowVersion.join(",") } } : {}),
  };
}

/** The request field a canary or an experiment routes by, when one is running. */
function routingKeyOf(r: Routing): string | undefined {
  if (r.experiment) return r.experiment.route.key;
  if (r.rollout?.kind === "canary" && r.candidate) return r.rollout.key;
  return undefined;
}

/** The server's metadata: mlc and its version; no protocol extensions. */
export function serverMetadata(): ServerMetadata {
  return { name: "mlc", version: mlcVersion(), extensions: [] };
}

const rowOf = (index: number | undefined): string => (index === undefined ? "" : `row ${index}, `);

/** The predictions /v1/predict would return for these scores, as tensors. */
function outputTensors(meta: BundleMeta, preds: readonly Prediction[]): OutputTensor[] {
  const n = preds.length;
  const task = meta.task;
  const classes = taskClasses(task);
  if (classes) {
    const probs: number[] = [];
    const labels: string[] = [];
    for (const p of preds as { label: string; probabilities: Record<string, number> }[]) {
      labels.push(p.label);
      for (const c of classes) probs.push(p.probabilities[c]!);
    }
    return [
      { name: "label", datatype: "BYTES", shape: [n], data: labels },
      {
        name: "probabilities",
        datatype: "FP64",
        shape: [n, classes.length],
        data: probs.map(finite),
        parameters: { classes: JSON.stringify(classes) },
      },
    ];
  }
  if (task.kind === "regression")
    return [
      {
        name: "value",
        datatype: "FP64",
        shape: [n],
        data: (preds as readonly { value: number }[]).map((p) => finite(p.value)),
      },
    ];
  const out: OutputTensor[] = [
    {
      name: "score",
      datatype: "FP64",
      shape: [n],
      data: (preds as readonly { score: number }[]).map((p) => finite(p.score)),
    },
  ];
  if (task.kind === "anomaly" && task.threshold !== undefined)
    out.push({
      name: "anomaly",
      datatype: "BOOL",
      shape: [n],
      data: (preds as readonly { anomaly: boolean }[]).map((p) => p.anomaly),
    });
  return out;
}

/** A non-finite score has no JSON form: null, as /v1/predict writes it. */
const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
