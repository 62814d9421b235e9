// The AST's spans as one small object each: the two parsers build every node's Span as a FlatSpan,
// which holds its two offsets and its file's SourceLines (where the file's lines start) and makes
// `file`, `start` and `end` on demand, instead of three objects (a span and two positions) or
// seven fields. The AST of a large project is mostly spans, and the collector copies every object
// of it while it is young; reading a span (diagnostics, the LSP, fmt) is rare. It serialises
// (toJSON) exactly as a plain Span does.
import type { Pos, Span } from "../ir/span.js";

/** The offsets at which the lines of one file start: an offset's line and column. */
export class SourceLines {
  /** Line n (1-based) starts at offset starts[n - 1]. Private: equal texts give equal SourceLines. */
  readonly #starts: number[];
  /** The text's length: pos() clamps to it. */
  readonly length: number;

  constructor(
    readonly file: string,
    text: string,
  ) {
    const starts = [0];
    // Line breaks as chevrotain (and the scanner) count them: \n, \r\n and a lone \r.
    if (text.indexOf("\r") < 0) {
      for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
    } else {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
      }
    }
    this.#starts = starts;
    this.length = text.length;
  }

  /** The position of `offset`, clamped to the text. */
  pos(offset: number): Pos {
    const o = Math.max(0, Math.min(offset, this.length));
    const starts = this.#starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { offset: o, line: lo + 1, column: o - starts[lo]! + 1 };
  }
}

/** A Span of one object; `file`, `start` and `end` are made on each read. */
export class FlatSpan implements Span {
  constructor(
    readonly lines: SourceLines,
    readonly startOffset: number,
    /** Exclusive. */
    readonly endOffset: number,
  ) {}

  get file(): string {
    return this.lines.file;
  }

  get start(): Pos {
    return this.lines.pos(this.startOffset);
  }

  /** Exclusive end. */
  get end(): Pos {
    return this.lines.pos(this.endOffset);
  }

  /** The plain Span's JSON: `{"file":…,"start":{…},"end":{…}}`. */
  toJSON(): Span {
    return { file: this.file, start: this.start, end: this.end };
  }
}

/** From the start of `a` to the end of `b`, or of `a` when `b` ends before `a` starts. */
export function spanBetween(lines: SourceLines, a: Span, b: Span): FlatSpan {
  if (a instanceof FlatSpan && b instanceof FlatSpan) {
    const end = b.endOffset >= a.startOffset ? b.endOffset : a.endOffset;
    // spans are never changed, so a join that is `a` itself (a one-part reference) shares it
    if (end === a.endOffset && a.lines === lines) return a;
    return new FlatSpan(lines, a.startOffset, end);
  }
  const start = a.start.offset;
  const end = b.end.offset;
  return new FlatSpan(lines, start, end >= start ? end : a.end.offset);
}
