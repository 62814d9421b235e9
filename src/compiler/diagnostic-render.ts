// Diagnostics for people (`path:line:col: error MLC1006: …`, source line, caret, hint, notes)
// and for tools (a JSON array with the same fields). Formatting only; no decisions.
import type { Diagnostic } from "./diagnostic.js";
import type { Span } from "../ir/span.js";

export interface RenderOptions {
  color: boolean;
}

const ANSI = {
  reset: "\x1b[0m",
  bold: "\x1b[1m",
  red: "\x1b[31m",
  yellow: "\x1b[33m",
  cyan: "\x1b[36m",
  blue: "\x1b[34m",
};

const location = (s: Span): string => `${s.file}:${s.start.line}:${s.start.column}`;

/** Renders every diagnostic, each followed by its source excerpt; lines end with "\n". */
export function renderDiagnostics(
  ds: readonly Diagnostic[],
  sources: ReadonlyMap<string, string>,
  opts: RenderOptions,
): string {
  const paint = (code: string, s: string): string => (opts.color ? code + s + ANSI.reset : s);
  const lineCache = new Map<string, string[]>();
  const linesOf = (file: string): string[] | undefined => {
    let lines = lineCache.get(file);
    if (!lines) {
      const text = sources.get(file);
      if (text === undefined) return undefined;
      lines = text.split(/\r\n|\r|\n/);
      lineCache.set(file, lines);
    }
    return lines;
  };

  let out = "";
  for (const d of ds) {
    const sev =
      d.severity === "error"
        ? paint(ANSI.bold + ANSI.red, `error ${d.code}`)
        : paint(ANSI.bold + ANSI.yellow, `warning ${d.code}`);
    out += `${paint(ANSI.bold, location(d.span) + ":")} ${sev}: ${paint(ANSI.bold, d.message)}\n`;
    out += excerpt(
      d.span,
      linesOf(d.span.file),
      (s) => paint(ANSI.blue, s),
      (s) => paint(ANSI.bold + (d.severity === "error" ? ANSI.red : ANSI.yellow), s),
    );
    if (d.hint) out += `${paint(ANSI.cyan, "hint:")} ${d.hint}\n`;
    for (const r of d.related ?? []) {
      out += `${paint(ANSI.bold, location(r.span) + ":")} ${paint(ANSI.cyan, "note")}: ${r.message}\n`;
      out += excerpt(
        r.span,
        linesOf(r.span.file),
        (s) => paint(ANSI.blue, s),
        (s) => paint(ANSI.cyan, s),
      );
    }
  }
  return out;
}

/** The source line under a span and a `^~~~` marker (at least one `^`). Empty when the line is unknown. */
function excerpt(
  span: Span,
  lines: string[] | undefined,
  gutterPaint: (s: string) => string,
  caretPaint: (s: string) => string,
): string {
  if (!lines) return "";
  const line = lines[span.start.line - 1];
  if (line === undefined) return "";
  const num = String(span.start.line);
  const pad = " ".repeat(num.length);
  const startCol = Math.min(Math.max(span.start.column, 1), line.length + 1);
  const endCol =
    span.end.line === span.start.line
      ? Math.max(span.end.column, startCol + 1)
      : Math.max(line.length + 1, startCol + 1);
  const width = Math.max(1, Math.min(endCol, line.length + 1) - startCol);
  // Keep tabs in the padding so the caret lines up with what the terminal shows.
  const lead = line.slice(0, startCol - 1).replace(/[^\t]/g, " ");
  // eslint-disable-next-line no-control-regex -- control characters are what this replaces
  const shownLine = line.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, " ");
  return `${gutterPaint(` ${num} |`)} ${shownLine}\n${gutterPaint(` ${pad} |`)} ${lead}${caretPaint("^" + "~".repeat(width - 1))}\n`;
}

export interface DiagnosticLocationJson {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

interface DiagnosticJson extends DiagnosticLocationJson {
  code: string;
  severity: string;
  message: string;
  hint: string | null;
  related: (DiagnosticLocationJson & { message: string })[];
}

const loc = (s: Span): DiagnosticLocationJson => ({
  file: s.file,
  line: s.start.line,
  column: s.start.column,
  endLine: s.end.line,
  endColumn: s.end.column,
});

/** The `--json` form: one object per diagnostic, with the same fields as the terminal form. */
export function diagnosticsToJson(ds: readonly Diagnostic[]): DiagnosticJson[] {
  return ds.map((d) => ({
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...loc(d.span),
    hint: d.hint ?? null,
    related: (d.related ?? []).map((r) => ({ message: r.message, ...loc(r.span) })),
  }));
}
