// The model report's worker thread (report-worker.ts): TreeSHAP importance starts as soon as the
// model is fitted and the charts are drawn there, beside the main thread's evaluation, robustness
// suites and ONNX checks. Without the compiled worker (vitest runs the .ts), or when it fails, the
// same functions run on the main thread: the report's bytes are the same either way.
import type { Worker } from "node:worker_threads";
import type { TrainedModel } from "../../ml/estimator.js";
import type { Matrix } from "../../ml/matrix.js";
import { renderReportHtml, type ReportJson } from "../../ml/report/index.js";
import { TreeModel } from "../../ml/tree/model.js";
import { meanAbsShap } from "../../ml/tree-shap.js";
import { compiledWorkerUrl, startReadyWorker } from "../../threads/worker-start.js";
import type { ReportJob, ReportReply } from "./report-shared.js";

/**
 * The worker is shared by the model nodes of a process (vega loads once, ~0.45 s of CPU) and ends
 * itself after this long without a job; it never keeps the process alive either.
 */
const IDLE_MS = 30_000;

export interface ReportThread {
  /** Mean |SHAP| per feature of a tree model on X; undefined when the model is not a tree ensemble. */
  importance(model: TrainedModel, X: Matrix): Promise<Float64Array | undefined>;
  /** The report's HTML (renderReportHtml). */
  render(report: ReportJson): Promise<string>;
}

/** Jobs that cannot be sent (no worker, a failure on the way) run on the main thread. */
const inline: ReportThread = {
  importance: async (model, X) => (model instanceof TreeModel ? meanAbsShap(model.ensemble, X) : undefined),
  render: (report) => renderReportHtml(report),
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

let shared: Shared | undefined;
let nextId = 0;

/** The running worker for `url`, started when there is none (or it ended). */
function sharedWorker(url: URL): Shared {
  if (shared && !shared.ended && shared.url === url.href) return shared;
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
  st.started = startReadyWorker(url, undefined, {
    isReady: (m) => (m as ReportReply).kind === "ready",
    timeoutMs: 30_000,
    unref: true,
  }).then((w) => {
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
  shared = st;
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

/** The report thread (started now if it is not running: it loads vega while the caller goes on); `workerUrl` null: everything inline. */
export function startReportThread(
  workerUrl: URL | null = compiledWorkerUrl(import.meta.url, "report-worker.js"),
): ReportThread {
  if (!workerUrl) return inline;
  const st = sharedWorker(workerUrl);
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
    async render(report) {
      const r = await send(st, { kind: "render", id: nextId++, report });
      return r?.kind === "render" ? r.html : inline.render(report);
    },
  };
}
