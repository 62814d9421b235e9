// Messages between report-thread.ts (main thread) and report-worker.ts: a TreeSHAP importance job
// (the tree ensemble as plain data, the explained rows) and a chart-rendering job (the report JSON).
import type { ReportJson } from "../../ml/report/index.js";
import type { TreeEnsemble } from "../../ml/tree/ensemble.js";
import type { Matrix } from "../../ml/matrix.js";

export type ReportJob =
  | { kind: "importance"; id: number; ensemble: TreeEnsemble; X: Matrix }
  | { kind: "render"; id: number; report: ReportJson };

export type ReportReply =
  | { kind: "ready" }
  | { kind: "importance"; id: number; values: Float64Array }
  | { kind: "render"; id: number; html: string }
  | { kind: "error"; id: number; message: string };
