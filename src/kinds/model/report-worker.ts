// Worker thread of report-thread.ts: computes a tree model's mean |SHAP| per feature (and, asked, the
// partial dependence of its top features, drawing their charts), draws the
// report's charts (vega; those known early ahead of the report) and evaluates splits with their bootstrap intervals off the main thread, so
// they overlap the model's robustness suites and ONNX checks. The same functions run as on the main
// thread, so the bytes are the same; runs only as compiled .js. Its lane (workerData) says whether it
// draws charts: only then does it load vega. Each job's module loads at the worker's start when its
// lane runs that job, else at the first such job: the evaluate lane never loads TreeSHAP, the report
// JSON's renderer or the ONNX builder they import.
import { parentPort, workerData } from "node:worker_threads";
import type { ReportJob, ReportLane, ReportReply } from "./report-shared.js";

const port = parentPort!;
const post = (m: ReportReply, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
const lane = (workerData as { lane?: ReportLane } | undefined)?.lane ?? "report";

/** A module import started once, on first use (or at start for this lane's jobs). */
function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= load());
}
const shap = lazy(() => import("../../ml/tree-shap.js"));
const explain = lazy(() =>
  Promise.all([import("./report-explain.js"), import("../../ml/tree/ensemble.js")]).then(([own, trees]) => ({
    ...own,
    ...trees,
  })),
);
const report = lazy(() => import("../../ml/report/index.js"));
const evaluation = lazy(() => import("./evaluate.js"));
// vega and vega-lite load while the first job is waiting (about half a second of module loading).
const engine = lazy(() => Promise.all([import("vega"), import("vega-lite")]).catch(() => undefined));
const preload = lane === "report" ? [shap(), explain(), report(), engine()] : [evaluation()];
// a failed load is reported by the job that needs the module
for (const p of preload) p.catch(() => {});

port.on("message", (job: ReportJob) => {
  const run = async (): Promise<void> => {
    if (job.kind === "importance") {
      const values = (await shap()).meanAbsShap(job.ensemble, job.X);
      const p = job.partial;
      if (!p) return post({ kind: "importance", id: job.id, values }, [values.buffer as ArrayBuffer]);
      // the partial dependence as the main thread takes it (TreeModel.predict: the link of the margins)
      const { treeShapImportanceSection, topPartialDependence, applyLink, predictMargin } = await explain();
      const e = job.ensemble;
      const { section, order } = treeShapImportanceSection(values, job.X.names);
      const partial = topPartialDependence(
        { outputWidth: e.nOutputs, predict: (X) => applyLink(e.link, predictMargin(e, X), e.nOutputs) },
        p.X,
        order,
        p.seed,
      );
      post({ kind: "importance", id: job.id, values, partial }, [values.buffer as ArrayBuffer]);
      if (p.model) {
        // their charts, kept for the report's render (what prerenderReportCharts would send later)
        const { buildReportJson, renderReportHtml } = await report();
        await engine();
        await renderReportHtml(
          buildReportJson({
            model: p.model,
            splits: {},
            importance: section,
            ...(partial.length ? { partialDependence: partial } : {}),
          }),
        );
      }
    } else if (job.kind === "evaluate") {
      post({
        kind: "evaluate",
        id: job.id,
        metrics: (await evaluation()).evaluateSplit(job.split, job.task, job.input, job.opts),
      });
    } else if (job.kind === "prerender") {
      // the charts this input decides, drawn now and kept (vega-charts.ts) for the report's render job
      const { buildReportJson, renderReportHtml } = await report();
      await engine();
      await renderReportHtml(buildReportJson(job.input));
      post({ kind: "prerender", id: job.id });
    } else {
      const { renderReportHtml } = await report();
      await engine();
      post({ kind: "render", id: job.id, html: await renderReportHtml(job.report) });
    }
  };
  run().catch((e: unknown) =>
    post({ kind: "error", id: job.id, message: e instanceof Error ? e.message : String(e) }),
  );
});
post({ kind: "ready" });
