// Run reports: report.json (versioned data) and a self-contained report.html with inline SVG
// charts (vega-lite, rendered on the server). Re-exports only.
export {
  buildReportJson,
  downsample,
  jsonSafe,
  REPORT_FAIRNESS_PICK,
  REPORT_VERSION,
  type FairnessSection,
  type PredictionsInput,
  type ReportInput,
  type ReportJson,
  type XY,
} from "./report-json.js";
export { renderReportHtml } from "./report-html.js";
export { reportJsonText, writeDriftReport, writeReport } from "./write.js";
export { renderDriftReportHtml, type DriftReportInput, type LiveMetricSeries } from "./drift-report.js";
export { categoryShares, histogramBins, type CategoryShare, type HistogramBin } from "./drift-charts.js";
export { countText, esc, fmt } from "./html-format.js";
export {
  barChart,
  barChartSpec,
  compileSpec,
  heatmap,
  heatmapSpec,
  lineChart,
  lineChartSpec,
  PALETTE,
  renderSvg,
  scatterChart,
  scatterSpec,
  type BarChartOptions,
  type HeatmapOptions,
  type LineChartOptions,
  type ScatterOptions,
  type ScatterPoint,
  type Series,
} from "./vega-charts.js";
