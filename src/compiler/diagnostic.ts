// Diagnostics are values, never exceptions (as HCL's hcl.Diagnostics): every user mistake
// is returned alongside a result. `throw` is reserved for bugs in mlc itself.
import type { Span } from "../ir/span.js";

export type Severity = "error" | "warning";

/** A code like "MLC1001". Codes are registered in diagnostic-codes.ts with a one-line summary. */
export type DiagnosticCode = `MLC${number}`;

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  /** What is wrong. */
  span: Span;
  /** Where it sits (e.g. the enclosing block, or the other duplicate). */
  related?: { message: string; span: Span }[];
  hint?: string;
}

export interface Result<T> {
  value: T;
  diagnostics: Diagnostic[];
}

export const hasErrors = (ds: readonly Diagnostic[]): boolean => ds.some((d) => d.severity === "error");
