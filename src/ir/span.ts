// Source positions. Every AST node and every diagnostic carries a Span so that messages
// can point at file:line:col with a caret. Lines and columns are 1-based; offsets 0-based.

export interface Pos {
  offset: number;
  line: number;
  column: number;
}

export interface Span {
  file: string;
  start: Pos;
  /** Exclusive end. */
  end: Pos;
}

export function spanCovering(a: Span, b: Span): Span {
  return {
    file: a.file,
    start: a.start.offset <= b.start.offset ? a.start : b.start,
    end: a.end.offset >= b.end.offset ? a.end : b.end,
  };
}
