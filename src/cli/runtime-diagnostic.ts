// Run-time diagnostics (MLC2xxx) for people and for tools: rendered like the compiler's
// (`file:line:col`, source line, caret, hint) when the failing block is known; the `--json` form.
import { readFileSync } from "node:fs";
import {
  diagnosticsToJson,
  renderDiagnostics,
  type DiagnosticLocationJson,
  type RenderOptions,
} from "../compiler/diagnostic-render.js";
import type { Diagnostic } from "../compiler/diagnostic.js";
import type { Span } from "../ir/span.js";
import { isInternal, type ErrorDetails, type RuntimeDiagnostic } from "../ir/errors.js";

export interface RuntimeDiagnosticJson extends Partial<DiagnosticLocationJson> {
  code: string;
  severity: "error";
  message: string;
  node: string | null;
  hint: string | null;
  details: ErrorDetails | null;
}

/** The source text of a span's file: from the compile's sources, else read from disk (none when unreadable). */
function sourcesFor(file: string, sources: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
  if (sources.has(file)) return sources;
  try {
    return new Map([[file, readFileSync(file, "utf8")]]);
  } catch {
    return sources;
  }
}

/** The compiler's Diagnostic for a run-time one that has a span (same layout, same JSON fields). */
function asCompilerDiagnostic(d: RuntimeDiagnostic, span: Span): Diagnostic {
  const cd: Diagnostic = { code: d.code, severity: "error", message: d.message, span };
  if (d.hint) cd.hint = d.hint;
  return cd;
}

/**
 * The text form, ending in "\n". With a span: the compiler's layout. Without: `mlc: error CODE: …`.
 * An internal error (a bug in mlc) is followed by its stack; no other diagnostic shows one.
 */
export function renderRuntimeDiagnostic(
  d: RuntimeDiagnostic,
  sources: ReadonlyMap<string, string>,
  opts: RenderOptions,
): string {
  let out: string;
  if (d.span) {
    out = renderDiagnostics([asCompilerDiagnostic(d, d.span)], sourcesFor(d.span.file, sources), opts);
  } else {
    out = `mlc: error ${d.code}: ${d.message}\n`;
    if (d.hint) out += `hint: ${d.hint}\n`;
  }
  const stack = d.details?.["stack"];
  if (isInternal(d) && typeof stack === "string") out += `${stack}\n`;
  return out;
}

/** The `--json` form: the compiler's diagnostic fields (a location only with a span), `node` and `details`. */
export function runtimeDiagnosticToJson(d: RuntimeDiagnostic): RuntimeDiagnosticJson {
  const located = d.span ? diagnosticsToJson([asCompilerDiagnostic(d, d.span)])[0] : undefined;
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    node: d.node ?? null,
    ...(located
      ? {
          file: located.file,
          line: located.line,
          column: located.column,
          endLine: located.endLine,
          endColumn: located.endColumn,
        }
      : {}),
    hint: d.hint ?? null,
    details: d.details ?? null,
  };
}
