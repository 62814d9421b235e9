// The one base class of every error mlc raises on purpose (MlcError: a code MLC2xxx, a hint,
// structured details, the failing block's span) and its diagnostic value. Anything else thrown is a bug.
import type { Span } from "./span.js";
import type { Json } from "./graph-ir.js";
import type { RuntimeCode } from "./runtime-codes.js";

export type ErrorDetails = { [key: string]: Json };

export interface MlcErrorOptions {
  /** What the user can do about it. */
  hint?: string;
  /** Structured facts (row, column, value, file…) for `--json` and for tools. */
  details?: ErrorDetails;
  /** The block that failed, when the thrower knows it (apply adds it otherwise). */
  span?: Span;
  node?: string;
  cause?: unknown;
}

/** A run-time failure as a value: what the CLI prints and what `--json` outputs carry. */
export interface RuntimeDiagnostic {
  code: RuntimeCode;
  severity: "error";
  message: string;
  /** The id of the failing node (`model.churn`), when known. */
  node?: string;
  span?: Span;
  hint?: string;
  details?: ErrorDetails;
}

export class MlcError extends Error {
  readonly code: RuntimeCode;
  readonly hint: string | undefined;
  readonly details: ErrorDetails | undefined;
  span: Span | undefined;
  node: string | undefined;

  constructor(code: RuntimeCode, message: string, opts: MlcErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
    this.span = opts.span;
    this.node = opts.node;
  }

  /** Names the block this error happened in, unless a layer closer to the failure already did. */
  at(node: string, span: Span | undefined): this {
    this.node ??= node;
    this.span ??= span;
    return this;
  }

  toDiagnostic(): RuntimeDiagnostic {
    const d: RuntimeDiagnostic = { code: this.code, severity: "error", message: this.message };
    if (this.node !== undefined) d.node = this.node;
    if (this.span) d.span = this.span;
    if (this.hint) d.hint = this.hint;
    if (this.details) d.details = this.details;
    return d;
  }
}

/** A user-facing failure of a node's executor (bad data, failed expectation, failed gate). */
export class NodeFailure extends MlcError {
  constructor(message: string, opts: MlcErrorOptions & { code?: RuntimeCode } = {}) {
    super(opts.code ?? "MLC2000", message, opts);
  }
}

/** An operating-system error (ENOENT, EACCES, ENOSPC…): the user's environment, not a bug in mlc. */
function isSystemError(e: unknown): e is Error & { code: string; syscall: string; path?: string } {
  return (
    e instanceof Error &&
    typeof (e as { code?: unknown }).code === "string" &&
    typeof (e as { syscall?: unknown }).syscall === "string"
  );
}

/**
 * The diagnostic for anything thrown: an MlcError's own, MLC2006 for an operating-system error,
 * and MLC2999 (with the stack in `details.stack`) for anything else, which is a bug.
 */
export function diagnosticOf(e: unknown): RuntimeDiagnostic {
  if (e instanceof MlcError) return e.toDiagnostic();
  if (isSystemError(e))
    return {
      code: "MLC2006",
      severity: "error",
      message: e.message,
      details: { errno: e.code, syscall: e.syscall, ...(e.path !== undefined ? { path: e.path } : {}) },
    };
  const err = e instanceof Error ? e : new Error(String(e));
  return {
    code: "MLC2999",
    severity: "error",
    message: `internal error: ${err.name === "Error" ? "" : `${err.name}: `}${err.message}`,
    details: { stack: err.stack ?? String(e) },
  };
}

/** True for a diagnostic that reports a bug in mlc rather than a problem of the user's. */
export const isInternal = (d: RuntimeDiagnostic): boolean => d.code === "MLC2999";
