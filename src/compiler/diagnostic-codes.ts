// The registry of diagnostic codes: one entry per code with its default severity and a one-line
// summary (used by docs and conformance tests). MLC1001–1099: syntax and loading; MLC1100+: checking.
import type { Diagnostic, DiagnosticCode, Severity } from "./diagnostic.js";
import type { Span } from "./span.js";

export interface CodeInfo {
  severity: Severity;
  summary: string;
}

export const DIAGNOSTIC_CODES: Record<DiagnosticCode, CodeInfo> = {
  // — syntax (lexer, parser, AST building) —
  MLC1001: { severity: "error", summary: "a character that is not part of the language" },
  MLC1002: { severity: "error", summary: "a string without its closing quote on the same line" },
  MLC1003: { severity: "error", summary: "an invalid escape sequence in a string" },
  MLC1004: { severity: "error", summary: "a malformed number or duration (`5min`, `3x`)" },
  MLC1005: { severity: "error", summary: "a token where the grammar expects something else" },
  MLC1006: { severity: "error", summary: "a name followed by a value without `=` (`trees 400`)" },
  MLC1007: { severity: "error", summary: "an attribute without a value after `=`" },
  MLC1008: { severity: "error", summary: "a block that is not closed with `}`" },
  MLC1009: { severity: "error", summary: "a `}` with no open block" },
  MLC1010: { severity: "error", summary: "chained comparisons (`a < b < c`)" },
  MLC1011: { severity: "error", summary: "a number too large to represent" },
  MLC1012: { severity: "error", summary: "a `*` that is not the last part of a reference, or a call on a `*` path" },
  // — loading a project —
  MLC1020: { severity: "error", summary: "a directory or file that cannot be read" },
  MLC1021: { severity: "error", summary: "a directory without any `.mlspec` file" },
  MLC1022: { severity: "error", summary: "a path that is neither a directory nor a `.mlspec` file" },
  MLC1023: { severity: "error", summary: "a file that is not valid UTF-8" },
  MLC1099: { severity: "error", summary: "an internal parser failure (a bug in mlc; please report it)" },
};

/** Named syntax codes, so call sites read as what they mean. */
export const SyntaxCode = {
  unexpectedCharacter: "MLC1001",
  unterminatedString: "MLC1002",
  invalidEscape: "MLC1003",
  invalidNumber: "MLC1004",
  unexpectedToken: "MLC1005",
  missingEquals: "MLC1006",
  missingValue: "MLC1007",
  unclosedBlock: "MLC1008",
  strayCloseBrace: "MLC1009",
  chainedComparison: "MLC1010",
  numberTooLarge: "MLC1011",
  misplacedStar: "MLC1012",
  unreadable: "MLC1020",
  noSpecFiles: "MLC1021",
  notASpecPath: "MLC1022",
  invalidUtf8: "MLC1023",
  internal: "MLC1099",
} as const satisfies Record<string, DiagnosticCode>;

/** A diagnostic with the severity registered for its code. */
export function diagnostic(code: DiagnosticCode, span: Span, message: string, extra?: { hint?: string; related?: Diagnostic["related"] }): Diagnostic {
  const d: Diagnostic = { code, severity: DIAGNOSTIC_CODES[code]?.severity ?? "error", message, span };
  if (extra?.hint) d.hint = extra.hint;
  if (extra?.related?.length) d.related = extra.related;
  return d;
}
