// Worker thread of report-thread.ts: computes a tree model's mean |SHAP| per feature, draws the
// report's charts (vega) and evaluates splits with their bootstrap intervals off the main thread, so
// they overlap the model's robustness suites and ONNX checks. The same functions run as on the main
// thread, so the bytes are the same; runs only as compiled .js. Its lane (workerData) says whether it
// draws charts: only then does it load vega.
import { parentPort, workerData } from "node:worker_threads";
import { renderReportHtml } from "../../ml/report/index.js";
import { meanAbsShap } from "../../ml/tree-shap.js";
import { evaluateSplit } from "./evaluate.js";
import type { ReportJob, ReportLane, ReportReply } from "./report-shared.js";

const port = parentPort!;
const post = (m: ReportReply, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
const lane = (workerData as { lane?: ReportLane } | undefined)?.lane ?? "report";
// vega and vega-lite load while the first job is waiting (about half a second of module loading).
const engine =
  lane === "report" ? Promise.all([import("vega"), import("vega-lite")]).catch(() => undefined) : undefined;

port.on("message", (job: ReportJob) => {
  const run = async (): Promise<void> => {
    if (job.kind === "importance") {
      const values = meanAbsShap(job.ensemble, job.X);
      post({ kind: "importance", id: job.id, values }, [values.buffer as ArrayBuffer]);
    } else if (job.kind === "evaluate") {
      post({
        kind: "evaluate",
        id: job.id,
        metrics: evaluateSplit(job.split, job.task, job.input, job.opts),
      });
    } else {
      await engine;
      post({ kind: "render", id: job.id, html: await renderReportHtml(job.report) });
    }
  };
  run().catch((e: unknown) =>
    post({ kind: "error", id: job.id, message: e instanceof Error ? e.message : String(e) }),
  );
});
post({ kind: "ready" });
