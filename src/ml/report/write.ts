// Writes report.json and report.html into a run's directory (and a monitor run's drift-report.html), each to a temporary name first and
// then renamed, so a reader never sees half a report.
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { renderDriftReportHtml, type DriftReportInput } from "./drift-report.js";
import { renderReportHtml } from "./report-html.js";
import type { ReportJson } from "./report-json.js";

async function atomicWrite(file: string, data: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

/** Canonical JSON text of a report (two-space indent, trailing newline). */
export function reportJsonText(r: ReportJson): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

export async function writeReport(dir: string, r: ReportJson): Promise<{ json: string; html: string }> {
  await mkdir(dir, { recursive: true });
  const json = path.join(dir, "report.json");
  const html = path.join(dir, "report.html");
  await atomicWrite(json, reportJsonText(r));
  await atomicWrite(html, await renderReportHtml(r));
  return { json, html };
}

/** Writes `drift-report.html` into `dir` (temporary name, then rename); returns its path. */
export async function writeDriftReport(dir: string, input: DriftReportInput): Promise<string> {
  await mkdir(dir, { recursive: true });
  const html = path.join(dir, "drift-report.html");
  await atomicWrite(html, await renderDriftReportHtml(input));
  return html;
}
