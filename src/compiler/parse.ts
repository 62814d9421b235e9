// Text of one .mlspec file → SpecFile AST plus syntax diagnostics. Total: never throws.
// Top-level blocks are parsed one at a time so that an error in one block cannot swallow the next.
import type { IRecognitionException, IToken } from "chevrotain";
import type { Block, BodyItem, Comment, SpecFile } from "./ast.js";
import { AstBuilder, badCharHint, printable, tokenSpanOf } from "./cst-to-ast.js";
import type { Diagnostic, Result } from "./diagnostic.js";
import { SyntaxCode, diagnostic } from "./diagnostic-codes.js";
import {
  BadChar,
  BadNumber,
  Eq,
  Ident,
  KEYWORDS,
  LBrace,
  LBracket,
  LParen,
  Minus,
  Not,
  RBrace,
  RBracket,
  RParen,
  UnterminatedString,
  scan,
  tokensOf,
} from "./lexer.js";
import { parseBlocksFast } from "./fast-parse.js";
import { SourceLines } from "./flat-span.js";
import { mlspecParser } from "./parser.js";
import type { Pos, Span } from "../ir/span.js";
import { KEYWORD_TYPES, decodeSyntaxMessage } from "./syntax-messages.js";
import { pushAll } from "./push-all.js";

interface Segment {
  tokens: IToken[];
  /** A lone `}` at top level. */
  stray: boolean;
}

/**
 * @param options.fastPath false parses the chevrotain way only: the reference the fast path
 * (fast-parse.ts) is tested against.
 */
export function parseFile(
  path: string,
  text: string,
  options: { fastPath?: boolean } = {},
): Result<SpecFile> {
  try {
    return parseUnchecked(path, text, options.fastPath ?? true);
  } catch (e) {
    // Last resort: a bug in the parser must not take the caller down with it.
    const at: Pos = { offset: 0, line: 1, column: 1 };
    const span: Span = { file: path, start: at, end: at };
    return {
      value: emptyFile(path, text),
      diagnostics: [
        diagnostic(
          SyntaxCode.internal,
          span,
          `internal parser failure: ${(e as Error)?.message ?? String(e)}`,
          { hint: "this is a bug in mlc; please report it with the file" },
        ),
      ],
    };
  }
}

function parseUnchecked(path: string, text: string, fastPath: boolean): Result<SpecFile> {
  const columns = scan(text);
  const lines = new SourceLines(path, text);
  // Most files have no error: the fast parser builds their AST straight from the token columns.
  const fast = fastPath ? parseBlocksFast(lines, text, columns) : undefined;
  if (fast) return { value: specFile(path, text, fast, columns.comments, lines), diagnostics: [] };
  // The others are parsed block by block by chevrotain, with error recovery where needed.
  const { tokens, comments } = tokensOf(text, columns);
  const builder = new AstBuilder(lines);
  builder.sourceOf = (s) => text.slice(s.start.offset, s.end.offset);
  const fastParser = mlspecParser(false);
  const blocks: Block[] = [];
  const diagnostics: Diagnostic[] = lexicalDiagnostics(path, tokens);
  const parseDiagnostics: Diagnostic[] = [];

  for (const seg of segments(tokens)) {
    const first = seg.tokens[0]!;
    if (seg.stray) {
      diagnostics.push(
        diagnostic(
          SyntaxCode.strayCloseBrace,
          tokenSpanOf(path, first),
          "unexpected `}`: no block is open here",
          { hint: "remove it, or check the `{` of the block above" },
        ),
      );
      continue;
    }
    const tooDeep = deepestNesting(seg.tokens);
    if (tooDeep) {
      diagnostics.push(
        diagnostic(
          SyntaxCode.nestingTooDeep,
          tokenSpanOf(path, tooDeep),
          `nesting deeper than ${MAX_NESTING} levels`,
          { hint: "split the expression into several attributes" },
        ),
      );
      continue;
    }
    builder.nextToken = (t) => seg.tokens[seg.tokens.indexOf(t) + 1];
    // Error recovery costs time at every repetition: a block is parsed without it first, and
    // again with it only when that found an error (the recovering parse reports and patches up).
    let parser = fastParser;
    parser.startParse(seg.tokens);
    let cst = parser.block();
    if (parser.errors.length) {
      parser = mlspecParser(true);
      parser.startParse(seg.tokens);
      cst = parser.block();
    }
    const before = builder.diagnostics.length;
    const block = builder.block(cst);
    const segDiags: Diagnostic[] = builder.diagnostics.slice(before);
    const parseErrors = parser.errors.map((e) => parseErrorDiagnostic(e, seg, path, lines));
    // A missing `}` at the end of a block that already has an error (e.g. a string that ate the `}`)
    // is a consequence, not news.
    const segEnd = seg.tokens[seg.tokens.length - 1]!.endOffset ?? 0;
    const lexicalInSeg = diagnostics.some(
      (d) => d.span.start.offset >= first.startOffset && d.span.start.offset <= segEnd,
    );
    const others =
      segDiags.length +
      parseErrors.filter((d) => d.code !== SyntaxCode.unclosedBlock).length +
      (lexicalInSeg ? 1 : 0);
    for (const d of parseErrors)
      if (d.code !== SyntaxCode.unclosedBlock || others === 0) parseDiagnostics.push(d);
    pushAll(diagnostics, segDiags);
    // Items chevrotain had to patch up around a parse error are guesses: leave them out, so that
    // later stages do not report echoes of the syntax error.
    if (block && parseErrors.length)
      pruneAround(
        block,
        parseErrors.map((d) => d.span.start),
      );
    if (block) blocks.push(block);
  }

  return {
    value: specFile(path, text, blocks, comments, lines),
    diagnostics: withParseErrors(diagnostics, parseDiagnostics),
  };
}

function specFile(
  path: string,
  text: string,
  blocks: Block[],
  comments: IToken[],
  lines: SourceLines,
): SpecFile {
  const fileComments: Comment[] = comments.map((c) => ({
    text: c.image.replace(/\s+$/, ""),
    span: tokenSpanOf(path, c),
  }));
  return {
    path,
    text,
    blocks,
    comments: fileComments,
    span: { file: path, start: lines.pos(0), end: lines.pos(text.length) },
  };
}

function emptyFile(path: string, text: string): SpecFile {
  const lines = new SourceLines(path, text);
  return {
    path,
    text,
    blocks: [],
    comments: [],
    span: { file: path, start: lines.pos(0), end: lines.pos(text.length) },
  };
}

/** Splits the token stream into top-level blocks by brace depth (with a fallback for a missing `}`). */
function segments(tokens: IToken[]): Segment[] {
  const out: Segment[] = [];
  const n = tokens.length;
  let i = 0;
  while (i < n) {
    if (tokens[i]!.tokenType === RBrace) {
      out.push({ tokens: [tokens[i]!], stray: true });
      i++;
      continue;
    }
    const start = i;
    let depth = 0;
    let closed = false;
    while (i < n) {
      const t = tokens[i]!;
      // Before the first `{`, a new block head on a later line ends a junk segment (`model churn` + newline).
      if (depth === 0 && i > start && t.startLine! > tokens[i - 1]!.endLine! && isBlockHead(tokens, i)) break;
      i++;
      if (t.tokenType === LBrace) depth++;
      else if (t.tokenType === RBrace && --depth === 0) {
        closed = true;
        break;
      }
    }
    if (closed || depth === 0) {
      out.push({ tokens: tokens.slice(start, i), stray: false });
      continue;
    }
    // Unclosed at end of file: split at block heads that start a line in column 1.
    let pieceStart = start;
    for (let j = start + 1; j < i; j++) {
      if (tokens[j]!.startColumn === 1 && isBlockHead(tokens, j)) {
        pushAll(out, segments(tokens.slice(pieceStart, j)));
        pieceStart = j;
      }
    }
    if (pieceStart === start) out.push({ tokens: tokens.slice(start, i), stray: false });
    else pushAll(out, segments(tokens.slice(pieceStart, i)));
  }
  return out;
}

/** Brackets and prefix operators nest recursion in the parser; past this, a diagnostic, not a stack overflow. */
const MAX_NESTING = 200;

/** The first token that goes deeper than MAX_NESTING, if any. */
function deepestNesting(tokens: IToken[]): IToken | undefined {
  let depth = 0;
  let prefixRun = 0;
  for (const t of tokens) {
    const type = t.tokenType;
    if (type === LBrace || type === LParen || type === LBracket) depth++;
    else if (type === RBrace || type === RParen || type === RBracket) depth--;
    prefixRun = type === Minus || type === Not ? prefixRun + 1 : 0;
    if (depth > MAX_NESTING || prefixRun > MAX_NESTING) return t;
  }
  return undefined;
}

/** Removes the items of `block` (recursively) that touch a parse error position. */
function pruneAround(block: Block, at: Pos[]): void {
  const touches = (i: BodyItem): boolean =>
    at.some(
      (p) =>
        (p.offset >= i.span.start.offset && p.offset <= i.span.end.offset) || p.line === i.span.start.line,
    );
  block.body = block.body.filter((item) => {
    if (item.type === "block") {
      pruneAround(item, at);
      return true;
    }
    return !touches(item);
  });
}

/** `kind {` or `kind name {`, all on one line. */
function isBlockHead(tokens: IToken[], i: number): boolean {
  const a = tokens[i]!;
  if (a.tokenType !== Ident) return false;
  const b = tokens[i + 1];
  if (!b || b.startLine !== a.startLine) return false;
  if (b.tokenType === LBrace) return true;
  const c = tokens[i + 2];
  return b.tokenType === Ident && c !== undefined && c.tokenType === LBrace && c.startLine === a.startLine;
}

function parseErrorDiagnostic(
  e: IRecognitionException,
  seg: Segment,
  path: string,
  lines: SourceLines,
): Diagnostic {
  let { message, hint, at } = decodeSyntaxMessage(e.message);
  const t = e.token;
  const atEnd = !t || Number.isNaN(t.startOffset) || t.tokenType.name === "EOF";
  // The token before the offending one in the input (chevrotain's `previousToken` can be a
  // token skipped during re-synchronisation).
  const index = atEnd ? -1 : seg.tokens.indexOf(t);
  const prev = index > 0 ? seg.tokens[index - 1] : undefined;
  const prevReal = prev !== undefined && !Number.isNaN(prev.startOffset);
  if (prev && t.tokenType === Eq && KEYWORD_TYPES.has(prev.tokenType)) {
    message = `\`${prev.image}\` is a keyword and cannot be used as a name`;
    hint = `choose another name; the keywords are ${KEYWORDS.join(", ")}`;
    at = "previous";
  }
  let span: Span;
  if (at === "previous" && prevReal) {
    span = { file: path, start: lines.pos(prev.startOffset), end: lines.pos(prev.endOffset! + 1) };
  } else if (at === "afterPrevious" && prevReal && !atEnd) {
    const after = lines.pos(prev.endOffset! + 1);
    span = { file: path, start: after, end: after };
  } else if (!atEnd) {
    span = { file: path, start: lines.pos(t.startOffset), end: lines.pos(t.endOffset! + 1) };
  } else {
    // The end of input of this block: point just after its last real token.
    const last = lastReal(seg.tokens);
    const at = last ? lines.pos(last.endOffset! + 1) : lines.pos(0);
    span = { file: path, start: at, end: at };
  }
  const unclosed = atEnd && message.startsWith("expected `}`");
  if (unclosed) {
    const head = seg.tokens[0]!;
    const open = seg.tokens.find((x) => x.tokenType === LBrace);
    const name = seg.tokens[1]?.tokenType === Ident ? `${head.image} ${seg.tokens[1].image}` : head.image;
    const related = open
      ? [
          {
            message: `\`${name}\` opens here`,
            span: { file: path, start: lines.pos(open.startOffset), end: lines.pos(open.endOffset! + 1) },
          },
        ]
      : undefined;
    return diagnostic(SyntaxCode.unclosedBlock, span, `expected \`}\` to close \`${name}\``, {
      hint: hint ?? "every `{` needs a matching `}`",
      related,
    });
  }
  return diagnostic(SyntaxCode.unexpectedToken, span, message, hint ? { hint } : undefined);
}

function lastReal(tokens: IToken[]): IToken | undefined {
  for (let i = tokens.length - 1; i >= 0; i--) if (!Number.isNaN(tokens[i]!.startOffset)) return tokens[i];
  return undefined;
}

/**
 * Parse errors are often echoes (of a bad token, or of each other): one per line, and none on a
 * line that already has a precise diagnostic from the lexer or the AST builder.
 */
function withParseErrors(precise: Diagnostic[], parse: Diagnostic[]): Diagnostic[] {
  const taken = new Set<number>(precise.map((d) => d.span.start.line));
  const out = precise.slice();
  for (const d of parse.slice().sort((a, b) => a.span.start.offset - b.span.start.offset)) {
    if (taken.has(d.span.start.line)) continue;
    taken.add(d.span.start.line);
    out.push(d);
  }
  return out.sort((a, b) => a.span.start.offset - b.span.start.offset);
}

/** Bad characters, malformed numbers and unterminated strings, straight from the token stream. */
function lexicalDiagnostics(path: string, tokens: IToken[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.tokenType === BadChar) {
      // A run of adjacent bad characters is one mistake.
      let j = i;
      while (
        j + 1 < tokens.length &&
        tokens[j + 1]!.tokenType === BadChar &&
        tokens[j + 1]!.startOffset === tokens[j]!.endOffset! + 1
      )
        j++;
      const span = { ...tokenSpanOf(path, t), end: tokenSpanOf(path, tokens[j]!).end };
      const shown =
        j === i
          ? `character \`${printable(t.image)}\``
          : `characters \`${tokens
              .slice(i, j + 1)
              .map((x) => printable(x.image))
              .join("")}\``;
      out.push(
        diagnostic(SyntaxCode.unexpectedCharacter, span, `unexpected ${shown}`, {
          hint: badCharHint(t.image),
        }),
      );
      i = j;
    } else if (t.tokenType === BadNumber) {
      const unit = /[A-Za-z_]\w*$/.exec(t.image)![0];
      out.push(
        diagnostic(
          SyntaxCode.invalidNumber,
          tokenSpanOf(path, t),
          `invalid number \`${t.image}\`: unknown suffix \`${unit}\``,
          {
            hint: "durations are written `250ms`, `30s`, `15m`, `1h`, `7d` or `2w`; percentages `10%`",
          },
        ),
      );
    } else if (t.tokenType === UnterminatedString) {
      out.push(
        diagnostic(SyntaxCode.unterminatedString, tokenSpanOf(path, t), "unterminated string", {
          hint: 'close it with `"` on the same line; strings cannot span lines (use `\\n`)',
        }),
      );
    }
  }
  return out;
}
