// Tuning trials fitted by `mlc worker` processes (`mlc apply --trial-workers`). The study stays in
// the applying process: it proposes each trial and records it. A worker fits one trial from the
// study's description and its rows (objects of the shared store), deciding pruning itself from the
// same inputs the study would use (the trials visible to it), and answers the objective values with
// every progress report; the study replays the reports, so its record equals a local run's.
// A cross-validated search (`cv.*` objectives) sends the folds instead of train/valid rows, and the
// worker scores a trial with the same crossValidate call the applying process would make.
import { createHash } from "node:crypto";
import { loadEstimator } from "../../ml/algorithms.js";
import type { Dataset, Params, Progress, Task } from "../../ml/estimator.js";
import { metricFor } from "../../ml/metrics/index.js";
import { prunerFor, type PrunerConfig, type TrialRecord } from "../../ml/tune/index.js";
import { canonicalJson } from "../../ir/expr-json.js";
import type { ArtifactAccess, TrialQueue } from "../../ir/executor.js";
import { isObj, type Json } from "../../ir/graph-ir.js";
import { objectiveKey, objectiveScorer, type RankingCut, type TuneObjective } from "./objective-values.js";
import { crossValidate, type CvScore, type FoldData } from "./cross-validate.js";

/** Everything a worker needs to fit a trial of the study besides its rows. */
export interface RemoteTrialSpec {
  algorithm: string;
  task: Task;
  objectives: TuneObjective[];
  ranking?: RankingCut;
  k?: number;
  pruner: PrunerConfig;
  /** A cross-validated search: trials are scored on the study's folds (no pruning, no valid rows). */
  cv?: boolean;
}

/** The rows a study's trials fit on: train and valid rows, or the folds of a cross-validated search. */
export type StudyRows = { train: Dataset; valid: Dataset } | { folds: readonly FoldData[] };

/**
 * A cross-validated trial's objective values: `cv.<metric>` means over the folds, `model.bytes` the first
 * fold's model size. The one rule of local and remote cross-validated trials.
 */
export function cvObjectiveValues(objectives: readonly TuneObjective[], cv: CvScore): Record<string, number> {
  return Object.fromEntries(
    objectives.map((o) => [objectiveKey(o), o.split === "cv" ? cv.metrics[`cv.${o.metric}`]! : cv.bytes]),
  );
}

/** The metric names a cross-validated search measures on the folds. */
export const cvMetricNames = (objectives: readonly TuneObjective[]): string[] =>
  objectives.filter((o) => o.split === "cv").map((o) => o.metric);

/** One trial: parameters, the fit's seed, and the trials visible to it (for the pruner). */
export interface RemoteTrialTask {
  index: number;
  params: Params;
  seed: number;
  history: TrialRecord[];
}

export type RemoteTrialAnswer = { values: Record<string, number>; progress: Progress[] } | { error: string };

/**
 * The value a progress report is pruned on: the learner's per-round metric oriented like the first
 * objective (a metric of the opposite direction negated); undefined for a metric of unknown direction.
 * The one rule of local and remote trials.
 */
export function prunedValue(p: Progress, primary: TuneObjective): number | undefined {
  const direction = p.metric
    ? p.metric.name === primary.metric
      ? primary.direction
      : metricFor(p.metric.name.replace(/^m(?=logloss$)/, ""))?.direction
    : undefined;
  if (!p.metric || !direction) return undefined;
  return direction === primary.direction ? p.metric.value : -p.metric.value;
}

// ---- rows as bytes: a JSON header line, then each array's bytes (little-endian, as typed arrays are here)

interface DatasetHeader {
  nRows: number;
  names: string[];
  y: boolean;
  weight: boolean;
  group: boolean;
}

export function encodeDataset(ds: Dataset): Uint8Array {
  const header: DatasetHeader = {
    nRows: ds.X.nRows,
    names: [...ds.X.names],
    y: !!ds.y,
    weight: !!ds.weight,
    group: !!ds.group,
  };
  const head = new TextEncoder().encode(JSON.stringify(header) + "\n");
  const parts: Uint8Array[] = [head];
  const raw = (a: Float32Array | Float64Array | Int32Array) =>
    parts.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  for (const c of ds.X.columns) raw(c);
  if (ds.y) raw(ds.y);
  if (ds.weight) raw(ds.weight);
  if (ds.group) raw(ds.group);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export function decodeDataset(bytes: Uint8Array): Dataset {
  const nl = bytes.indexOf(10);
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(0, nl))) as DatasetHeader;
  let at = nl + 1;
  // copied out so each array is aligned, whatever the header's length
  const take = <T>(n: number, width: number, make: (b: ArrayBuffer) => T): T => {
    const b = new Uint8Array(bytes.subarray(at, at + n * width)).buffer;
    at += n * width;
    return make(b);
  };
  const columns = h.names.map(() => take(h.nRows, 4, (b) => new Float32Array(b)));
  const y = h.y ? take(h.nRows, 8, (b) => new Float64Array(b)) : undefined;
  const weight = h.weight ? take(h.nRows, 8, (b) => new Float64Array(b)) : undefined;
  const group = h.group ? take(h.nRows, 4, (b) => new Int32Array(b)) : undefined;
  if (at !== bytes.byteLength) throw new Error(`trial rows: ${bytes.byteLength - at} bytes left over`);
  return {
    X: { nRows: h.nRows, columns, names: h.names },
    ...(y ? { y } : {}),
    ...(weight ? { weight } : {}),
    ...(group ? { group } : {}),
  };
}

// ---- the worker's half

/** NaN travels as null in JSON: intermediate values come back as numbers. */
function reviveHistory(history: TrialRecord[]): TrialRecord[] {
  return history.map((t) => ({
    ...t,
    intermediate: t.intermediate.map(([s, v]) => [s, v === null ? NaN : v] as [number, number]),
  }));
}

/** Fits one trial as the study would (same pruning decisions) and answers the values and the progress reports. */
export async function fitRemoteTrial(
  spec: RemoteTrialSpec,
  rows: StudyRows,
  task: RemoteTrialTask,
  signal?: AbortSignal,
): Promise<RemoteTrialAnswer> {
  const estimator = await loadEstimator(spec.algorithm);
  if (!estimator) return { error: `unknown algorithm ${spec.algorithm}` };
  if ("folds" in rows) {
    // As the applying process scores a cross-validated trial: k fits, one after another, same seed.
    try {
      const cv = await crossValidate(
        estimator,
        rows.folds,
        task.params,
        spec.task,
        { seed: task.seed, ...(signal ? { signal } : {}) },
        cvMetricNames(spec.objectives),
        spec.k,
      );
      return { values: cvObjectiveValues(spec.objectives, cv), progress: [] };
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  }
  const { train, valid } = rows;
  const primary = spec.objectives[0]!;
  const pruner = prunerFor(spec.pruner);
  const history = reviveHistory(task.history);
  const intermediate: Array<[number, number]> = [];
  const progress: Progress[] = [];
  let pruned = false;
  // Study.runTrial's `report`, with the history the study hands the pruner for this trial.
  const onProgress = (p: Progress): "stop" | undefined => {
    progress.push(p);
    const value = prunedValue(p, primary);
    if (value === undefined) return undefined;
    intermediate.push([p.iteration, value]);
    if (!pruned && pruner && !Number.isNaN(value))
      pruned = pruner.shouldPrune({ index: task.index, intermediate }, history, primary.direction);
    return pruned ? "stop" : undefined;
  };
  try {
    const score = objectiveScorer(spec.objectives, valid, spec.ranking, spec.k);
    const model = await estimator.fit(train, valid, task.params, spec.task, {
      seed: task.seed,
      threads: 1,
      onProgress,
      ...(signal ? { signal } : {}),
    });
    return { values: score(model), progress };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** A study's rows from its objects (`get` verifies each against its hash); throws when one is missing. */
export async function loadStudyRows(
  spec: RemoteTrialSpec,
  data: Record<string, string | undefined>,
  get: (hash: string) => Promise<Uint8Array>,
): Promise<StudyRows> {
  if (!spec.cv) {
    if (!data.train || !data.valid) throw new Error("the study names no train and valid rows");
    return { train: decodeDataset(await get(data.train)), valid: decodeDataset(await get(data.valid)) };
  }
  const folds: FoldData[] = [];
  for (let i = 0; data[`fold.${i}.train`] !== undefined; i++) {
    const held = data[`fold.${i}.held`];
    if (!held) throw new Error(`the study names no held-out rows for fold ${i}`);
    folds.push({
      train: decodeDataset(await get(data[`fold.${i}.train`]!)),
      held: decodeDataset(await get(held)),
    });
  }
  if (folds.length < 2)
    throw new Error(`a cross-validated study needs at least 2 folds, it names ${folds.length}`);
  return { folds };
}

// ---- the study's half

export interface RemoteStudy {
  /** Fits trial `index` on a worker; `onProgress` receives the worker's reports again, in order, up to a "stop". */
  fit(
    index: number,
    params: Params,
    seed: number,
    history: readonly TrialRecord[],
    onProgress: (p: Progress) => void | "stop",
  ): Promise<Record<string, number>>;
}

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

/** Stores the rows in the shared store and registers the study; the id is a hash of everything that decides its trials. */
export async function openRemoteStudy(
  queue: TrialQueue,
  artifacts: ArtifactAccess,
  model: string,
  spec: RemoteTrialSpec,
  rows: StudyRows,
  signal?: AbortSignal,
): Promise<RemoteStudy> {
  const data: Record<string, string> = {};
  if ("folds" in rows)
    for (const [i, f] of rows.folds.entries()) {
      data[`fold.${i}.train`] = await artifacts.put(encodeDataset(f.train));
      data[`fold.${i}.held`] = await artifacts.put(encodeDataset(f.held));
    }
  else {
    data.train = await artifacts.put(encodeDataset(rows.train));
    data.valid = await artifacts.put(encodeDataset(rows.valid));
  }
  const specJson = JSON.parse(JSON.stringify(spec)) as Json;
  const id = sha(canonicalJson({ model, spec: specJson, data }));
  await queue.open({ id, model, spec: specJson, data });
  return {
    async fit(index, params, seed, history, onProgress) {
      const task: RemoteTrialTask = { index, params, seed, history: [...history] };
      const answer = await queue.run(id, index, JSON.parse(JSON.stringify(task)) as Json, signal);
      if (!isObj(answer)) throw new Error(`trial ${index}: the worker's answer is not an object`);
      if (typeof answer.error === "string") throw new Error(answer.error);
      const values = answer.values;
      const reports = answer.progress;
      if (!isObj(values) || !Array.isArray(reports))
        throw new Error(`trial ${index}: the worker's answer has no values`);
      for (const p of reports as unknown as Progress[]) {
        const metric = p.metric ? { ...p.metric, value: p.metric.value ?? NaN } : undefined;
        if (onProgress({ ...p, ...(metric ? { metric } : {}) }) === "stop") break;
      }
      return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "number" ? v : NaN]));
    },
  };
}
