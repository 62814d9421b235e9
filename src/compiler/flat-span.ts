// The AST's spans as one object each: the two parsers build every node's Span as a FlatSpan,
// which holds the six numbers of its two positions as fields and makes `start` and `end` on
// demand, instead of three objects (a span and two positions). The AST of a large project is
// mostly spans, and the collector copies every object of it while it is young; reading a span
// (diagnostics, the LSP, fmt) is rare. It serialises (toJSON) exactly as a plain Span does.
import type { Pos, Span } from "../ir/span.js";

/** A Span of one object; `start` and `end` are fresh Pos objects on each read. */
export class FlatSpan implements Span {
  constructor(
    readonly file: string,
    readonly startOffset: number,
    readonly startLine: number,
    readonly startColumn: number,
    readonly endOffset: number,
    readonly endLine: number,
    readonly endColumn: number,
  ) {}

  get start(): Pos {
    return { offset: this.startOffset, line: this.startLine, column: this.startColumn };
  }

  /** Exclusive end. */
  get end(): Pos {
    return { offset: this.endOffset, line: this.endLine, column: this.endColumn };
  }

  /** The plain Span's JSON: `{"file":…,"start":{…},"end":{…}}`. */
  toJSON(): Span {
    return { file: this.file, start: this.start, end: this.end };
  }
}

/** The FlatSpan from `start` to `end` in `file`. */
export function flatSpan(file: string, start: Pos, end: Pos): FlatSpan {
  return new FlatSpan(file, start.offset, start.line, start.column, end.offset, end.line, end.column);
}

/** From the start of `a` to the end of `b`, or of `a` when `b` ends before `a` starts. */
export function spanBetween(file: string, a: Span, b: Span): FlatSpan {
  if (a instanceof FlatSpan && b instanceof FlatSpan) {
    const e = b.endOffset >= a.startOffset ? b : a;
    // spans are never changed, so a join that is `a` itself (a one-part reference) shares it
    if (e.endOffset === a.endOffset && a.file === file) return a;
    return new FlatSpan(file, a.startOffset, a.startLine, a.startColumn, e.endOffset, e.endLine, e.endColumn);
  }
  const start = a.start;
  const end = b.end;
  return flatSpan(file, start, end.offset >= start.offset ? end : a.end);
}
