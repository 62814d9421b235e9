// The model report's worker threads (report-worker.ts): TreeSHAP importance starts as soon as the
// model is fitted and the charts are drawn in one (the "report" lane), and the splits' bootstrap
// evaluations run in another (the "evaluate" lane), beside the main thread's robustness suites and
// ONNX checks. Without the compiled worker (vitest runs the .ts), or when it fails, the same
// functions run on the main thread: the metrics' and the report's bytes are the same either way.
import type { Worker } from "node:worker_threads";
import type { TaskKind, TrainedModel } from "../../ml/estimator.js";
import type { PartialDependence } from "../../ml/explain/index.js";
import type { Matrix } from "../../ml/matrix.js";
import type { MetricInput } from "../../ml/metrics/index.js";
import { renderReportHtml, type ReportInput, type ReportJson } from "../../ml/report/index.js";
import { TreeModel } from "../../ml/tree/model.js";
import { meanAbsShap } from "../../ml/tree-shap.js";
import { compiledWorkerUrl, startReadyWorker } from "../../threads/worker-start.js";
import { evaluateSplit, type EvalOptions } from "./evaluate.js";
import { topPartialDependence, treeShapImportanceSection } from "./report-explain.js";
import type { PartialJob, ReportJob, ReportLane, ReportReply } from "./report-shared.js";

/**
 * Each lane's worker is shared by the model nodes of a process (vega loads once, ~0.45 s of CPU) and
 * ends itself after this long without a job; it never keeps the process alive either.
 */
const IDLE_MS = 30_000;

export interface ReportThread {
  /** Mean |SHAP| per feature of a tree model on X; undefined when the model is not a tree ensemble. */
  importance(model: TrainedModel, X: Matrix): Promise<Float64Array | undefined>;
  /**
   * The importance of `importance` and the partial dependence of the top features by it, for the
   * report of the tree model itself (no calibrator): on `partial.X`'s rows, seeded by `partial.seed`;
   * with `partial.model` (the report's model header) the worker also draws their charts ahead of the
   * report. Inline: both on the main thread, no charts. Undefined when the model is not a tree ensemble.
   */
  explain(
    model: TrainedModel,
    X: Matrix,
    partial: PartialJob,
  ): Promise<{ values: Float64Array; partial: PartialDependence[] } | undefined>;
  /** The report's HTML (renderReportHtml). */
  render(report: ReportJson): Promise<string>;
  /**
   * Draws the charts of `input` (a report input of what is known early: predictions, decision,
   * tuning) in the report lane now, so that `render` of the report holding them finds them drawn.
   * Changes no bytes; inline, it does nothing (the main thread would only draw them twice).
   */
  prerender(input: ReportInput): void;
  /** A split's metrics with bootstrap intervals (evaluate.ts evaluateSplit), in the evaluate lane. */
  evaluate(
    split: string,
    task: TaskKind,
    input: MetricInput,
    opts: EvalOptions,
  ): Promise<Record<string, number>>;
}

/** Jobs that cannot be sent (no worker, a failure on the way) run on the main thread. */
const inline: ReportThread = {
  importance: async (model, X) => (model instanceof TreeModel ? meanAbsShap(model.ensemble, X) : undefined),
  explain: async (model, X, partial) => {
    if (!(model instanceof TreeModel)) return undefined;
    const values = meanAbsShap(model.ensemble, X);
    const { order } = treeShapImportanceSection(values, X.names);
    return { values, partial: topPartialDependence(model, partial.X, order, partial.seed) };
  },
  render: (report) => renderReportHtml(report),
  prerender: () => undefined,
  evaluate: async (split, task, input, opts) => evaluateSplit(split, task, input, opts),
};

interface Shared {
  url: string;
  started: Promise<Worker | null>;
  pending: Map<number, (r: ReportReply | undefined) => void>;
  idle?: NodeJS.Timeout;
  ended: boolean;
  /** After a job's answer: let go of the worker when no job is out (set once it started). */
  rest(): void;
}

const shared = new Map<ReportLane, Shared>();
let nextId = 0;

/** The running worker of `lane` for `url`, started when there is none (or it ended). */
function sharedWorker(url: URL, lane: ReportLane): Shared {
  const running = shared.get(lane);
  if (running && !running.ended && running.url === url.href) return running;
  const st: Shared = {
    url: url.href,
    pending: new Map(),
    ended: false,
    started: Promise.resolve(null),
    rest: () => {},
  };
  const end = (w: Worker | null): void => {
    if (st.ended) return;
    st.ended = true;
    clearTimeout(st.idle);
    for (const done of st.pending.values()) done(undefined);
    st.pending.clear();
    void w?.terminate();
  };
  st.started = startReadyWorker(
    url,
    { lane },
    {
      isReady: (m) => (m as ReportReply).kind === "ready",
      timeoutMs: 30_000,
      unref: true,
    },
  ).then((w) => {
    if (!w) {
      st.ended = true;
      return null;
    }
    // Held (ref) while a job is out, so the process waits for its answer; otherwise it never keeps
    // the process alive (a "message" listener refs it again, so this is called after attaching one).
    st.rest = (): void => {
      clearTimeout(st.idle);
      if (st.pending.size > 0) return;
      w.unref();
      st.idle = setTimeout(() => end(w), IDLE_MS).unref();
    };
    w.on("message", (m: ReportReply) => {
      if (m.kind === "ready") return;
      const done = st.pending.get(m.id);
      st.pending.delete(m.id);
      done?.(m);
      st.rest();
    });
    w.on("error", () => end(w));
    w.on("exit", () => end(w));
    st.rest();
    return w;
  });
  shared.set(lane, st);
  return st;
}

/** A reply from the worker, or undefined when it cannot give one (not started, ended, unsendable job). */
async function send(
  st: Shared,
  job: ReportJob,
  transfer: ArrayBuffer[] = [],
): Promise<ReportReply | undefined> {
  const w = await st.started;
  if (!w || st.ended) return undefined;
  clearTimeout(st.idle);
  w.ref();
  return new Promise((resolve) => {
    st.pending.set(job.id, resolve);
    try {
      w.postMessage(job, transfer);
    } catch {
      st.pending.delete(job.id);
      st.rest();
      resolve(undefined);
    }
  });
}

/**
 * The report thread (started now if it is not running: it loads vega while the caller goes on; the
 * evaluate lane starts at its first job); `workerUrl` null: everything inline.
 */
export function startReportThread(
  workerUrl: URL | null = compiledWorkerUrl(import.meta.url, "report-worker.js"),
): ReportThread {
  if (!workerUrl) return inline;
  const st = sharedWorker(workerUrl, "report");
  return {
    async importance(model, X) {
      if (!(model instanceof TreeModel)) return undefined;
      // compact copies of the columns: a view would send its whole underlying buffer
      const columns = X.columns.map((c) => c.slice());
      const job: ReportJob = {
        kind: "importance",
        id: nextId++,
        ensemble: model.ensemble,
        X: { nRows: X.nRows, names: [...X.names], columns },
      };
      const r = await send(
        st,
        job,
        columns.map((c) => c.buffer as ArrayBuffer),
      );
      return r?.kind === "importance" ? r.values : inline.importance(model, X);
    },
    async explain(model, X, partial) {
      if (!(model instanceof TreeModel)) return undefined;
      const copy = (m: Matrix): Matrix => ({
        nRows: m.nRows,
        names: [...m.names],
        columns: m.columns.map((c) => c.slice()),
      });
      const rows = copy(X);
      const all = copy(partial.X);
      const job: ReportJob = {
        kind: "importance",
        id: nextId++,
        ensemble: model.ensemble,
        X: rows,
        partial: { ...partial, X: all },
      };
      const r = await send(
        st,
        job,
        [...rows.columns, ...all.columns].map((c) => c.buffer as ArrayBuffer),
      );
      return r?.kind === "importance" && r.partial
        ? { values: r.values, partial: r.partial }
        : inline.explain(model, X, partial);
    },
    async render(report) {
      const r = await send(st, { kind: "render", id: nextId++, report });
      return r?.kind === "render" ? r.html : inline.render(report);
    },
    prerender(input) {
      // what fails here (or is never answered) is drawn by the render job instead
      void send(st, { kind: "prerender", id: nextId++, input });
    },
    async evaluate(split, task, input, opts) {
      // the input's arrays are copied (the caller keeps its predictions)
      const job: ReportJob = { kind: "evaluate", id: nextId++, split, task, input, opts };
      const r = await send(sharedWorker(workerUrl, "evaluate"), job);
      return r?.kind === "evaluate" ? r.metrics : inline.evaluate(split, task, input, opts);
    },
  };
}
