// Run reports: report.json (versioned data) and a self-contained report.html with inline SVG
// charts. Re-exports only.
export { buildReportJson, downsample, jsonSafe, REPORT_VERSION, type FairnessSection, type PredictionsInput, type ReportInput, type ReportJson, type XY } from "./report-json.js";
export { renderReportHtml } from "./report-html.js";
export { reportJsonText, writeReport } from "./write.js";
export { barChart, esc, fmt, heatmap, lineChart, niceTicks, PALETTE, type BarChartOptions, type HeatmapOptions, type LineChartOptions, type Series } from "./svg.js";
