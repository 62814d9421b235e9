// The deployable bundle: a directory holding `model.onnx` (preprocessing + model in one graph) and
// `bundle.json` (its typed description). Defines the format, writes it atomically and validates it on read.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { decodeModel, DType } from "../onnx/builder.js";
import { MlcError, type MlcErrorOptions } from "../ir/errors.js";
import { isObj } from "../ir/graph-ir.js";

const BUNDLE_FORMAT_VERSION = 1;
export const BUNDLE_JSON = "bundle.json";
export const BUNDLE_ONNX = "model.onnx";
/** A factorisation model's retrieval file (src/ml/recommend/retrieval.ts), which /v1/recommend reads. */
export const BUNDLE_RETRIEVAL = "retrieval.bin";
/** A re-ranker's training history (src/ml/recommend/rerank-features.ts), which /v1/recommend reads. */
export const BUNDLE_HISTORY = "history.bin";

/** The raw column types a bundle accepts. */
export const INPUT_TYPES = ["int", "float", "bool", "string", "category", "timestamp"] as const;
export type InputType = (typeof INPUT_TYPES)[number];

/**
 * The ONNX element type of the graph input fed for each column type.
 * Numbers and booleans travel as float (bool as 0/1, null as NaN); text as string (null as "").
 * Timestamps travel as double Unix epoch milliseconds (float32 cannot resolve them), as the feature pipeline reads them.
 */
export const ONNX_INPUT_TYPE: Record<InputType, "float" | "double" | "string"> = {
  int: "float",
  float: "float",
  bool: "float",
  string: "string",
  category: "string",
  timestamp: "double",
};

export interface BundleInput {
  name: string;
  type: InputType;
  nullable: boolean;
  /** For category (optionally string) columns: the values seen in the labelled rows. */
  values?: string[];
  /**
   * `error`: a value outside `values` is refused (400, or a batch-scoring data error); absent: it
   * is scored, and the model's encoding decides (`onehot`'s fallback column, `ordinal`'s null).
   */
  unseen?: "error";
}

export type BundleTask =
  | {
      kind: "binary";
      /** [negative, positive]; default ["false", "true"] */ classes?: [string, string];
      /** default 0.5 */ threshold?: number;
    }
  | { kind: "multiclass"; classes: string[] }
  | { kind: "regression" }
  | {
      kind: "anomaly";
      /** Scores at or above it are anomalies (calibrated on validation scores); absent: score only. */
      threshold?: number;
    }
  | { kind: "ranking" };

type BundleTaskKind = BundleTask["kind"];

export interface BundleMeta {
  format_version: 1;
  deployment: string;
  model: string;
  /** Model version in the registry: a positive integer, increasing per model. */
  version: number;
  task: BundleTask;
  inputs: BundleInput[];
  output: { name: "score"; width: number };
  /** Evaluation metrics of this version (e.g. { "test.auc": 0.91 }); informational. */
  metrics: Record<string, number>;
  lineage: { run_id: string; artifact: string };
  /** ISO-8601 creation time. */
  created: string;
  /** sha256 (hex) of model.onnx; filled in by buildBundleDir and verified by loadBundle. */
  onnx_sha256?: string;
  /** The retrieval file of a factorisation model, with its sha256; filled in by buildBundleDir. */
  retrieval?: { file: typeof BUNDLE_RETRIEVAL; sha256: string };
  /** The history file of a re-ranker (a model with a `history` block), with its sha256; filled in by buildBundleDir. */
  history?: { file: typeof BUNDLE_HISTORY; sha256: string };
}

/** Files a bundle may carry beside model.onnx. */
export interface BundleExtras {
  retrieval?: Uint8Array;
  history?: Uint8Array;
}

export interface LoadedBundle {
  dir: string;
  meta: BundleMeta;
  onnx: Uint8Array;
}

/** A bundle that cannot be read or does not match the format; the message names the file and field. */
export class BundleError extends MlcError {
  constructor(message: string, opts?: MlcErrorOptions) {
    super("MLC2303", message, opts);
  }
}

const TASK_KINDS: readonly BundleTaskKind[] = ["binary", "multiclass", "regression", "anomaly", "ranking"];

const isStrArr = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");

/** Validates parsed bundle.json content; returns every problem found ("field: problem"), empty when valid. */
export function validateBundleMeta(m: unknown): string[] {
  const errs: string[] = [];
  if (!isObj(m)) return ["bundle.json must be a JSON object"];
  if (m.format_version !== BUNDLE_FORMAT_VERSION)
    errs.push(`format_version: expected ${BUNDLE_FORMAT_VERSION}, got ${JSON.stringify(m.format_version)}`);
  for (const k of ["deployment", "model", "created"] as const) {
    if (typeof m[k] !== "string" || m[k] === "") errs.push(`${k}: expected a non-empty string`);
  }
  if (typeof m.version !== "number" || !Number.isInteger(m.version) || m.version < 1)
    errs.push("version: expected a positive integer");
  let expectedWidth: number | undefined;
  const task = m.task;
  if (!isObj(task) || !TASK_KINDS.includes(task.kind as BundleTaskKind)) {
    errs.push(`task.kind: expected one of ${TASK_KINDS.join(", ")}`);
  } else if (task.kind === "binary") {
    expectedWidth = 1;
    if (task.classes !== undefined && !(isStrArr(task.classes) && task.classes.length === 2))
      errs.push("task.classes: a binary task needs exactly two class names [negative, positive]");
    if (
      task.threshold !== undefined &&
      !(typeof task.threshold === "number" && task.threshold > 0 && task.threshold < 1)
    )
      errs.push("task.threshold: expected a number in (0, 1)");
  } else if (task.kind === "anomaly") {
    if (
      task.threshold !== undefined &&
      !(typeof task.threshold === "number" && Number.isFinite(task.threshold))
    )
      errs.push("task.threshold: expected a finite number");
  } else if (task.kind === "multiclass") {
    if (!isStrArr(task.classes) || task.classes.length < 2)
      errs.push("task.classes: a multiclass task needs at least two class names");
    else {
      expectedWidth = task.classes.length;
      if (new Set(task.classes).size !== task.classes.length)
        errs.push("task.classes: class names must be distinct");
    }
  } else {
    expectedWidth = 1;
  }
  if (!Array.isArray(m.inputs) || m.inputs.length === 0) {
    errs.push("inputs: expected a non-empty list");
  } else {
    const seen = new Set<string>();
    m.inputs.forEach((inp: unknown, i: number) => {
      const at = `inputs[${i}]`;
      if (!isObj(inp)) return void errs.push(`${at}: expected an object`);
      if (typeof inp.name !== "string" || inp.name === "")
        errs.push(`${at}.name: expected a non-empty string`);
      else if (seen.has(inp.name)) errs.push(`${at}.name: duplicate input '${inp.name}'`);
      else seen.add(inp.name);
      if (!INPUT_TYPES.includes(inp.type as InputType))
        errs.push(`${at}.type: expected one of ${INPUT_TYPES.join(", ")}, got ${JSON.stringify(inp.type)}`);
      if (typeof inp.nullable !== "boolean") errs.push(`${at}.nullable: expected true or false`);
      if (inp.values !== undefined) {
        if (!isStrArr(inp.values) || inp.values.length === 0)
          errs.push(`${at}.values: expected a non-empty list of strings`);
        else if (inp.type !== "category" && inp.type !== "string")
          errs.push(`${at}.values: only category and string inputs have allowed values`);
      }
      if (inp.unseen !== undefined) {
        if (inp.unseen !== "error")
          errs.push(`${at}.unseen: expected "error", got ${JSON.stringify(inp.unseen)}`);
        else if (inp.values === undefined) errs.push(`${at}.unseen: "error" needs the input's \`values\``);
      }
    });
  }
  const out = m.output;
  if (!isObj(out) || out.name !== "score") errs.push(`output.name: expected "score"`);
  else if (typeof out.width !== "number" || !Number.isInteger(out.width) || out.width < 1)
    errs.push("output.width: expected a positive integer");
  else if (expectedWidth !== undefined && out.width !== expectedWidth)
    errs.push(`output.width: the task needs width ${expectedWidth}, got ${out.width}`);
  if (!isObj(m.metrics) || !Object.values(m.metrics).every((v) => typeof v === "number"))
    errs.push("metrics: expected an object of numbers");
  if (!isObj(m.lineage) || typeof m.lineage.run_id !== "string" || typeof m.lineage.artifact !== "string")
    errs.push("lineage: expected { run_id: string, artifact: string }");
  if (
    m.onnx_sha256 !== undefined &&
    !(typeof m.onnx_sha256 === "string" && /^[0-9a-f]{64}$/.test(m.onnx_sha256))
  )
    errs.push("onnx_sha256: expected 64 hex digits");
  if (
    m.retrieval !== undefined &&
    !(
      isObj(m.retrieval) &&
      m.retrieval.file === BUNDLE_RETRIEVAL &&
      typeof m.retrieval.sha256 === "string" &&
      /^[0-9a-f]{64}$/.test(m.retrieval.sha256)
    )
  )
    errs.push(`retrieval: expected { file: "${BUNDLE_RETRIEVAL}", sha256: 64 hex digits }`);
  if (
    m.history !== undefined &&
    !(
      isObj(m.history) &&
      m.history.file === BUNDLE_HISTORY &&
      typeof m.history.sha256 === "string" &&
      /^[0-9a-f]{64}$/.test(m.history.sha256)
    )
  )
    errs.push(`history: expected { file: "${BUNDLE_HISTORY}", sha256: 64 hex digits }`);
  return errs;
}

const DTYPE_NAME: Record<number, string> = Object.fromEntries(Object.entries(DType).map(([k, v]) => [v, k]));

/**
 * Checks that the ONNX graph's signature matches bundle.json: one [N, 1] input per column with the
 * element type the column type travels as, and a float `score` output of the declared width.
 */
function checkOnnxSignature(onnx: Uint8Array, meta: BundleMeta): string[] {
  let model;
  try {
    model = decodeModel(onnx);
  } catch (e) {
    return [`model.onnx: not a valid ONNX model (${(e as Error).message})`];
  }
  const errs: string[] = [];
  const graph = model.graph;
  if (!graph) return ["model.onnx: the model has no graph"];
  const initNames = new Set((graph.initializer ?? []).map((t) => t.name));
  const graphInputs = new Map(
    (graph.input ?? []).filter((v) => !initNames.has(v.name ?? "")).map((v) => [v.name ?? "", v]),
  );
  for (const inp of meta.inputs) {
    const vi = graphInputs.get(inp.name);
    if (!vi) {
      errs.push(`model.onnx: no graph input named '${inp.name}'`);
      continue;
    }
    const tt = vi.type?.tensorType;
    const want = ONNX_INPUT_TYPE[inp.type];
    if (tt?.elemType !== DType[want])
      errs.push(
        `model.onnx: input '${inp.name}' is ${DTYPE_NAME[tt?.elemType ?? -1] ?? "unknown"}, a ${inp.type} column needs ${want}`,
      );
    const dims = tt?.shape?.dim ?? [];
    const last = dims[1];
    if (dims.length !== 2 || !(last && Number(last.dimValue) === 1))
      errs.push(`model.onnx: input '${inp.name}' must have shape [N, 1]`);
    graphInputs.delete(inp.name);
  }
  for (const extra of graphInputs.keys())
    errs.push(`model.onnx: graph input '${extra}' is not described in bundle.json inputs`);
  const score = (graph.output ?? []).find((o) => o.name === "score");
  if (!score) errs.push("model.onnx: no graph output named 'score'");
  else {
    const tt = score.type?.tensorType;
    if (tt?.elemType !== DType.float) errs.push("model.onnx: output 'score' must be float");
    const w = tt?.shape?.dim?.[1];
    if (
      w &&
      w.dimValue !== undefined &&
      w.dimValue !== null &&
      Number(w.dimValue) !== 0 &&
      Number(w.dimValue) !== meta.output.width
    ) {
      errs.push(
        `model.onnx: output 'score' has width ${Number(w.dimValue)}, bundle.json says ${meta.output.width}`,
      );
    }
  }
  return errs;
}

const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/**
 * Writes a bundle directory atomically: everything goes to a sibling temporary directory that is
 * renamed into place, so a reader never sees half a bundle. An existing bundle at `dir` is replaced.
 * Returns the metadata as written (with onnx_sha256).
 */
export function buildBundleDir(
  dir: string,
  onnxBytes: Uint8Array,
  meta: BundleMeta,
  extras: BundleExtras = {},
): BundleMeta {
  // a retrieval entry describes the file written here, never one copied from another bundle's meta
  const { retrieval: _copied, history: _copiedHistory, ...rest } = meta;
  const full: BundleMeta = {
    ...rest,
    onnx_sha256: sha256Hex(onnxBytes),
    ...(extras.retrieval
      ? { retrieval: { file: BUNDLE_RETRIEVAL, sha256: sha256Hex(extras.retrieval) } }
      : {}),
    ...(extras.history ? { history: { file: BUNDLE_HISTORY, sha256: sha256Hex(extras.history) } } : {}),
  };
  const errs = [...validateBundleMeta(full)];
  if (errs.length === 0) errs.push(...checkOnnxSignature(onnxBytes, full));
  if (errs.length) throw new BundleError(`cannot build bundle ${dir}:\n  ${errs.join("\n  ")}`);
  const target = resolve(dir);
  mkdirSync(dirname(target), { recursive: true });
  const suffix = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${suffix}`);
  mkdirSync(tmp);
  try {
    writeFileSync(join(tmp, BUNDLE_ONNX), onnxBytes);
    if (extras.retrieval) writeFileSync(join(tmp, BUNDLE_RETRIEVAL), extras.retrieval);
    if (extras.history) writeFileSync(join(tmp, BUNDLE_HISTORY), extras.history);
    writeFileSync(join(tmp, BUNDLE_JSON), JSON.stringify(full, null, 2) + "\n");
    if (existsSync(target)) {
      // rename() cannot replace a non-empty directory: move the old one aside first.
      const old = join(dirname(target), `.${basename(target)}.old-${suffix}`);
      renameSync(target, old);
      renameSync(tmp, target);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, target);
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return full;
}

/** What publishBundle did: wrote the bundle, found the same one there, or set a damaged one aside first. */
export type PublishOutcome =
  | { action: "written" }
  | { action: "kept"; meta: BundleMeta }
  | { action: "repaired"; damaged: string; movedTo: string };

/**
 * Writes a registry version's bundle once. A bundle already at `dir` is never overwritten with other
 * content: the same model (same ONNX bytes) is kept as it is; a different one is refused with a
 * BundleError (a version number was about to be reused, e.g. after the state was lost). A damaged
 * bundle (unreadable bundle.json, or this model's bytes corrupted) is moved aside, never deleted, and rebuilt.
 */
export function publishBundle(
  dir: string,
  onnxBytes: Uint8Array,
  meta: BundleMeta,
  extras: BundleExtras = {},
): PublishOutcome {
  const target = resolve(dir);
  if (!existsSync(target)) {
    buildBundleDir(target, onnxBytes, meta, extras);
    return { action: "written" };
  }
  const sha = sha256Hex(onnxBytes);
  let recorded: Partial<BundleMeta> | undefined;
  try {
    recorded = JSON.parse(readFileSync(join(target, BUNDLE_JSON), "utf8")) as Partial<BundleMeta>;
  } catch {
    recorded = undefined;
  }
  const claims =
    recorded && typeof recorded === "object"
      ? (recorded.onnx_sha256 ?? recorded.lineage?.artifact)
      : undefined;
  if (typeof claims === "string" && claims !== sha)
    throw new BundleError(
      `refusing to overwrite bundle ${target}: it holds ${recorded?.model ?? "a model"} version ${recorded?.version ?? "?"} ` +
        `(model.onnx sha256 ${claims.slice(0, 12)}, created ${recorded?.created ?? "?"}), and this apply built a different ` +
        `model (sha256 ${sha.slice(0, 12)}) under the same version number. Version numbers are never reused; this happens when ` +
        `the state was lost or replaced: see "Lost state" in specs/state-store.md (mlc state rebuild, or mlc apply --force-new-state).`,
    );
  let loaded: LoadedBundle | undefined;
  let damage = "";
  try {
    loaded = loadBundle(target);
  } catch (e) {
    if (!(e instanceof BundleError)) throw e;
    // Unreadable, or the same model's bytes damaged: nothing else is recorded there.
    damage = e.message;
  }
  if (loaded) {
    if (loaded.meta.model !== meta.model || loaded.meta.version !== meta.version)
      throw new BundleError(
        `refusing to overwrite bundle ${target}: it holds ${loaded.meta.model} version ${loaded.meta.version}, not ${meta.model} version ${meta.version}`,
      );
    if (extras.retrieval && !loaded.meta.retrieval)
      return { action: "kept", meta: addRetrieval(target, loaded.meta, extras.retrieval) };
    return { action: "kept", meta: loaded.meta };
  }
  const movedTo = join(dirname(target), `.${basename(target)}.damaged-${Date.now()}`);
  renameSync(target, movedTo);
  buildBundleDir(target, onnxBytes, meta, extras);
  return { action: "repaired", damaged: damage, movedTo };
}

/**
 * A bundle written before bundles carried retrieval files gains its version's file: nothing stored
 * changes, the file is added and bundle.json rewritten with its entry (each by temp + rename).
 */
function addRetrieval(dir: string, meta: BundleMeta, bytes: Uint8Array): BundleMeta {
  const suffix = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const next: BundleMeta = { ...meta, retrieval: { file: BUNDLE_RETRIEVAL, sha256: sha256Hex(bytes) } };
  const write = (name: string, content: Uint8Array | string): void => {
    const tmp = join(dir, `.${name}.tmp-${suffix}`);
    writeFileSync(tmp, content);
    renameSync(tmp, join(dir, name));
  };
  write(BUNDLE_RETRIEVAL, bytes);
  write(BUNDLE_JSON, JSON.stringify(next, null, 2) + "\n");
  return next;
}

/** Reads and validates a bundle directory; throws BundleError with a clear message when it is not usable. */
export function loadBundle(dir: string): LoadedBundle {
  const abs = resolve(dir);
  let text: string;
  try {
    text = readFileSync(join(abs, BUNDLE_JSON), "utf8");
  } catch (e) {
    throw new BundleError(
      `bundle ${abs}: cannot read ${BUNDLE_JSON} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new BundleError(`bundle ${abs}: ${BUNDLE_JSON} is not valid JSON (${(e as Error).message})`);
  }
  const errs = validateBundleMeta(parsed);
  if (errs.length) throw new BundleError(`bundle ${abs}: invalid ${BUNDLE_JSON}:\n  ${errs.join("\n  ")}`);
  const meta = parsed as BundleMeta;
  let onnx: Uint8Array;
  try {
    onnx = readFileSync(join(abs, BUNDLE_ONNX));
  } catch (e) {
    throw new BundleError(
      `bundle ${abs}: cannot read ${BUNDLE_ONNX} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  if (meta.onnx_sha256 !== undefined && sha256Hex(onnx) !== meta.onnx_sha256) {
    throw new BundleError(
      `bundle ${abs}: ${BUNDLE_ONNX} does not match onnx_sha256 in ${BUNDLE_JSON} (corrupt or modified)`,
    );
  }
  const sig = checkOnnxSignature(onnx, meta);
  if (sig.length)
    throw new BundleError(
      `bundle ${abs}: ${BUNDLE_ONNX} does not match ${BUNDLE_JSON}:\n  ${sig.join("\n  ")}`,
    );
  return { dir: abs, meta, onnx };
}

/**
 * The retrieval file of a loaded bundle, checked against its sha256 in bundle.json; undefined when the
 * bundle has none (not a factorisation model, or built before bundles carried one).
 */
export function readBundleRetrieval(bundle: { dir: string; meta: BundleMeta }): Uint8Array | undefined {
  return readBundleFile(bundle, "retrieval");
}

/**
 * The history file of a loaded re-ranker's bundle, checked against its sha256 in bundle.json; undefined
 * when the bundle has none (not a model with a `history` block).
 */
export function readBundleHistory(bundle: { dir: string; meta: BundleMeta }): Uint8Array | undefined {
  return readBundleFile(bundle, "history");
}

function readBundleFile(
  bundle: { dir: string; meta: BundleMeta },
  entry: "retrieval" | "history",
): Uint8Array | undefined {
  const r = bundle.meta[entry];
  if (!r) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(join(bundle.dir, r.file));
  } catch (e) {
    throw new BundleError(
      `bundle ${bundle.dir}: cannot read ${r.file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  if (sha256Hex(bytes) !== r.sha256)
    throw new BundleError(
      `bundle ${bundle.dir}: ${r.file} does not match ${entry}.sha256 in ${BUNDLE_JSON} (corrupt or modified)`,
    );
  return bytes;
}

/** The conventional place of a version's bundle inside a project (the deploy executor writes here). */
export function bundleDirFor(projectDir: string, deployment: string, version: number): string {
  return join(resolve(projectDir), ".mlc", "bundles", deployment, `v${version}`);
}

/** Class names a classifier's predictions are labelled with. */
export function taskClasses(task: BundleTask): string[] | undefined {
  if (task.kind === "binary") return task.classes ?? ["false", "true"];
  if (task.kind === "multiclass") return task.classes;
  return undefined;
}
