// The .mlspec token set and the chevrotain lexer built from it (one instance, reused).
// Malformed input never stops the lexer: bad characters, unterminated strings and bad number
// suffixes become tokens of their own, which the parser accepts and the AST builder reports.
import type { IToken, TokenType } from "chevrotain";
import { createToken, createTokenInstance, Lexer } from "./chevrotain.js";

const IDENT_PATTERN = /[A-Za-z_][A-Za-z0-9_]*/;

const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /[ \t\r\n\f\v]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
const HashComment = createToken({
  name: "HashComment",
  pattern: /#[^\n\r]*/,
  group: "comments",
  start_chars_hint: ["#"],
});
const SlashComment = createToken({
  name: "SlashComment",
  pattern: /\/\/[^\n\r]*/,
  group: "comments",
  start_chars_hint: ["/"],
});

/** A double-quoted string on one line; escapes are decoded (and checked) by the AST builder. */
export const StringLit = createToken({
  name: "StringLit",
  pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*"/,
  start_chars_hint: ['"'],
});
/** A string that reaches the end of its line without a closing quote. */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*/,
  start_chars_hint: ['"'],
});

const DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
/** `250ms`, `30s`, `15m`, `1h`, `7d`, `2w`: one token, so `15m` never reads as `15` then `m`. */
export const Duration = createToken({
  name: "Duration",
  pattern: /\d+(?:\.\d+)?(?:ms|s|m|h|d|w)(?![A-Za-z0-9_])/,
  start_chars_hint: DIGITS,
});
/** `10%`, `12.5%`: the sign directly after the number. `a % b` (or `10 % 3`) is modulo. */
export const Percent = createToken({
  name: "Percent",
  pattern: /\d+(?:\.\d+)?%(?![A-Za-z0-9_(])/,
  start_chars_hint: DIGITS,
});
export const NumberLit = createToken({
  name: "NumberLit",
  pattern: /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![A-Za-z_])/,
  start_chars_hint: DIGITS,
});
/** A number glued to letters that are not a duration unit (`5min`, `3x`): reported, not split. */
export const BadNumber = createToken({
  name: "BadNumber",
  pattern: /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[A-Za-z_][A-Za-z0-9_]*/,
  start_chars_hint: DIGITS,
});

/** Every infix operator; precedence is applied by the AST builder, not by nested grammar rules. */
export const BinaryOp = createToken({ name: "BinaryOp", pattern: Lexer.NA });
export const PrefixOp = createToken({ name: "PrefixOp", pattern: Lexer.NA });
const CompareOp = createToken({ name: "CompareOp", pattern: Lexer.NA, categories: [BinaryOp] });
const AddOp = createToken({ name: "AddOp", pattern: Lexer.NA, categories: [BinaryOp] });
const MulOp = createToken({ name: "MulOp", pattern: Lexer.NA, categories: [BinaryOp] });

export const Ident = createToken({ name: "Ident", pattern: IDENT_PATTERN });
/**
 * A name in backticks, for a column whose name is not an identifier: `` `Monthly Charges` ``,
 * `` `x.1` ``. `lex` hands it on as an Ident whose image is the name inside the backticks (its
 * offsets keep them), so the parser and everything after it see a name like any other.
 */
export const QuotedIdent = createToken({
  name: "QuotedIdent",
  pattern: /`[^`\n\r]+`/,
  start_chars_hint: ["`"],
});
const keyword = (name: string, word: string, categories: TokenType[] = []): TokenType =>
  createToken({ name, pattern: new RegExp(word), longer_alt: Ident, categories });
export const And = keyword("And", "and", [BinaryOp]);
export const Or = keyword("Or", "or", [BinaryOp]);
export const Not = keyword("Not", "not", [PrefixOp]);
export const True = keyword("True", "true");
export const False = keyword("False", "false");
export const Null = keyword("Null", "null");
/** Words that can never be names. */
export const KEYWORDS: readonly string[] = ["and", "or", "not", "true", "false", "null"];

const EqEq = createToken({ name: "EqEq", pattern: /==/, categories: [CompareOp] });
const NotEq = createToken({ name: "NotEq", pattern: /!=/, categories: [CompareOp] });
const LtEq = createToken({ name: "LtEq", pattern: /<=/, categories: [CompareOp] });
const GtEq = createToken({ name: "GtEq", pattern: />=/, categories: [CompareOp] });
const Lt = createToken({ name: "Lt", pattern: /</, categories: [CompareOp] });
const Gt = createToken({ name: "Gt", pattern: />/, categories: [CompareOp] });
export const Eq = createToken({ name: "Eq", pattern: /=/ });
export const LBrace = createToken({ name: "LBrace", pattern: /\{/ });
export const RBrace = createToken({ name: "RBrace", pattern: /\}/ });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/ });
export const RBracket = createToken({ name: "RBracket", pattern: /\]/ });
export const LParen = createToken({ name: "LParen", pattern: /\(/ });
export const RParen = createToken({ name: "RParen", pattern: /\)/ });
export const Comma = createToken({ name: "Comma", pattern: /,/ });
export const Dot = createToken({ name: "Dot", pattern: /\./ });
export const Star = createToken({ name: "Star", pattern: /\*/, categories: [MulOp] });
const Slash = createToken({ name: "Slash", pattern: /\//, categories: [MulOp] });
const Modulo = createToken({ name: "Modulo", pattern: /%/, categories: [MulOp] });
const Plus = createToken({ name: "Plus", pattern: /\+/, categories: [AddOp] });
export const Minus = createToken({ name: "Minus", pattern: /-/, categories: [AddOp, PrefixOp] });
/**
 * Characters that are not part of the language. Not lexed by a pattern (a catch-all would switch off
 * chevrotain's first-character optimisation): `lex` turns each lexing error into one such token, so
 * one stray `$` costs one diagnostic, not a cascade of parse errors.
 */
export const BadChar = createToken({ name: "BadChar", pattern: Lexer.NA });

/** In lexing order: earlier patterns win. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  HashComment,
  SlashComment,
  StringLit,
  UnterminatedString,
  Duration,
  Percent,
  NumberLit,
  BadNumber,
  And,
  Or,
  Not,
  True,
  False,
  Null,
  Ident,
  QuotedIdent,
  EqEq,
  NotEq,
  LtEq,
  GtEq,
  Lt,
  Gt,
  Eq,
  LBrace,
  RBrace,
  LBracket,
  RBracket,
  LParen,
  RParen,
  Comma,
  Dot,
  Star,
  Slash,
  Modulo,
  Plus,
  Minus,
  BadChar,
  BinaryOp,
  PrefixOp,
  CompareOp,
  AddOp,
  MulOp,
];

let lexerInstance: InstanceType<typeof Lexer> | undefined;
/** chevrotain's lexer, built on first use (only the equivalence test uses it). */
const mlspecLexer = {
  tokenize: (text: string) =>
    (lexerInstance ??= new Lexer(allTokens, {
      positionTracking: "full",
      ensureOptimizations: true,
    })).tokenize(text),
};

interface LexResult {
  tokens: IToken[];
  comments: IToken[];
}

/**
 * The tokens of a file as columns of numbers, one entry per token (no object per token): what the
 * fast parser reads. `kinds` holds indexes into `allTokens`; a backticked name keeps the kind
 * QuotedIdent here (its name is what the backticks enclose). Every token lies on one line.
 */
export interface TokenColumns {
  count: number;
  kinds: Uint8Array;
  starts: Int32Array;
  /** Exclusive end offsets. */
  ends: Int32Array;
  lines: Int32Array;
  columns: Int32Array;
  comments: IToken[];
  /** Whether some token is a BadChar, BadNumber or UnterminatedString (each one a diagnostic). */
  malformed: boolean;
}

/** Tokenises a whole file. Total: every character ends up in a token, a comment or whitespace. */
export function lex(text: string): LexResult {
  return tokensOf(text, scan(text));
}

/** The tokens of `scan(text)` as chevrotain tokens (what chevrotain's parser reads). */
export function tokensOf(text: string, c: TokenColumns): LexResult {
  const tokens: IToken[] = new Array<IToken>(c.count);
  for (let i = 0; i < c.count; i++) {
    const k = c.kinds[i]!;
    const start = c.starts[i]!;
    const end = c.ends[i]!;
    const quoted = k === K.QuotedIdent;
    const type = quoted ? Ident : allTokens[k]!;
    const image = quoted ? text.slice(start + 1, end - 1) : text.slice(start, end);
    const column = c.columns[i]!;
    tokens[i] = {
      image,
      startOffset: start,
      endOffset: end - 1,
      startLine: c.lines[i]!,
      endLine: c.lines[i]!,
      startColumn: column,
      endColumn: column + end - start - 1,
      tokenTypeIdx: type.tokenTypeIdx!,
      tokenType: type,
    };
  }
  return { tokens, comments: c.comments };
}

/** Indexes into `allTokens` of the token types the scanner and the fast parser name. */
export const K = Object.fromEntries(allTokens.map((t, i) => [t.name, i])) as Record<string, number> & {
  Ident: number;
  QuotedIdent: number;
  BadChar: number;
  BadNumber: number;
  UnterminatedString: number;
  StringLit: number;
};

/**
 * A hand-written scanner over character codes (several times chevrotain's lexer, and no object
 * per token): it yields exactly the tokens of `lexWithChevrotain` below, which
 * test/compiler/scanner.test.ts checks over the corpus and its mutations. The number-like tokens
 * are matched with the token definitions' own patterns, so the definitions above stay the one
 * description of the tokens.
 */
export function scan(text: string): TokenColumns {
  const n = text.length;
  let cap = (n >> 2) + 16;
  let kinds = new Uint8Array(cap);
  let starts = new Int32Array(cap);
  let ends = new Int32Array(cap);
  let lines = new Int32Array(cap);
  let columns = new Int32Array(cap);
  let count = 0;
  let malformed = false;
  const comments: IToken[] = [];
  let offset = 0;
  let line = 1;
  let lineStart = 0;
  while (offset < n) {
    const c = text.charCodeAt(offset);
    let kind = -1;
    let end = offset + 1;
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) {
      // whitespace (skipped): line breaks as chevrotain counts them, \n, \r\n and a lone \r
      while (offset < n) {
        const w = text.charCodeAt(offset);
        if (w === 10) {
          line++;
          lineStart = offset + 1;
        } else if (w === 13) {
          if (text.charCodeAt(offset + 1) === 10) offset++;
          line++;
          lineStart = offset + 1;
        } else if (w !== 32 && w !== 9 && w !== 12 && w !== 11) break;
        offset++;
      }
      continue;
    } else if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) {
      while (end < n && IDENT_PART[text.charCodeAt(end)] === 1) end++;
      kind = K.Ident;
      if (end - offset <= 5 && (c === 97 || c === 111 || c === 110 || c === 116 || c === 102)) {
        const keyword = KEYWORD_KIND.get(text.slice(offset, end));
        if (keyword !== undefined) kind = keyword;
      }
    } else if (c >= 48 && c <= 57) {
      for (let p = 0; p < NUMBER_PATTERNS.length; p++) {
        const re = NUMBER_PATTERNS[p]!;
        re.lastIndex = offset;
        if (re.test(text)) {
          kind = NUMBER_KINDS[p]!;
          end = re.lastIndex;
          break;
        }
      }
    } else if (c === 35 || (c === 47 && text.charCodeAt(offset + 1) === 47)) {
      while (end < n && text.charCodeAt(end) !== 10 && text.charCodeAt(end) !== 13) end++;
      const column = offset - lineStart + 1;
      const type = c === 35 ? HashComment : SlashComment;
      comments.push({
        image: text.slice(offset, end),
        startOffset: offset,
        endOffset: end - 1,
        startLine: line,
        endLine: line,
        startColumn: column,
        endColumn: column + end - offset - 1,
        tokenTypeIdx: type.tokenTypeIdx!,
        tokenType: type,
      });
      offset = end;
      continue;
    } else if (c === 34) {
      // a string: escapes are checked by the AST builder; a `\` at the end of the line escapes nothing
      kind = K.UnterminatedString;
      while (end < n) {
        const s = text.charCodeAt(end);
        if (s === 34) {
          end++;
          kind = K.StringLit;
          break;
        }
        if (s === 10 || s === 13) break;
        if (s === 92) {
          const e = text.charCodeAt(end + 1);
          if (end + 1 >= n || e === 10 || e === 13) break;
          end += 2;
        } else end++;
      }
    } else if (c === 96) {
      QUOTED_IDENT.lastIndex = offset;
      if (QUOTED_IDENT.test(text)) {
        end = QUOTED_IDENT.lastIndex;
        kind = K.QuotedIdent;
      }
    } else if (c < 128) {
      const next = text.charCodeAt(offset + 1);
      if (next === 61 && (c === 61 || c === 33 || c === 60 || c === 62)) {
        kind = c === 61 ? K.EqEq! : c === 33 ? K.NotEq! : c === 60 ? K.LtEq! : K.GtEq!;
        end = offset + 2;
      } else kind = PUNCTUATION[c]!;
    }
    if (kind === -1 || kind === undefined) {
      // A run of characters that start no token: one BadChar, up to where some token could start.
      while (end < n && !canStartToken(text, end)) end++;
      kind = K.BadChar;
    }
    if (kind === K.BadChar || kind === K.BadNumber || kind === K.UnterminatedString) malformed = true;
    if (count === cap) {
      cap *= 2;
      kinds = grow(kinds, new Uint8Array(cap));
      starts = grow(starts, new Int32Array(cap));
      ends = grow(ends, new Int32Array(cap));
      lines = grow(lines, new Int32Array(cap));
      columns = grow(columns, new Int32Array(cap));
    }
    kinds[count] = kind;
    starts[count] = offset;
    ends[count] = end;
    lines[count] = line;
    columns[count] = offset - lineStart + 1;
    count++;
    offset = end;
  }
  return { count, kinds, starts, ends, lines, columns, comments, malformed };
}

function grow<T extends Uint8Array | Int32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

const sticky = (t: TokenType): RegExp => new RegExp((t.PATTERN as RegExp).source, "y");
/** The tokens that start with a digit, in lexing order (earlier patterns win). */
const NUMBER_TYPES = [Duration, Percent, NumberLit, BadNumber];
const NUMBER_PATTERNS = NUMBER_TYPES.map(sticky);
const NUMBER_KINDS = NUMBER_TYPES.map((t) => allTokens.indexOf(t));
const QUOTED_IDENT = sticky(QuotedIdent);
const KEYWORD_KIND = new Map<string, number>(
  [And, Or, Not, True, False, Null].map((t) => [(t.PATTERN as RegExp).source, allTokens.indexOf(t)]),
);
/** `[A-Za-z0-9_]` by character code. */
const IDENT_PART = new Uint8Array(128);
for (let ch = 0; ch < 128; ch++) if (/\w/.test(String.fromCharCode(ch))) IDENT_PART[ch] = 1;
/** The one-character tokens by character code (`=`, `<`, `>` also start two-character ones). */
const PUNCTUATION: (number | undefined)[] = [];
for (const [i, t] of allTokens.entries()) {
  const p = t.PATTERN;
  if (p instanceof RegExp && t.GROUP === undefined && /^(?:\\.|[^\\[(*+?])$/.test(p.source))
    PUNCTUATION[p.source.replace(/^\\/, "").charCodeAt(0)] = i;
}

/** Whether some token (or skipped whitespace) can start at `offset`: where a BadChar run ends. */
function canStartToken(text: string, offset: number): boolean {
  const c = text.charCodeAt(offset);
  if (c >= 128) return false;
  if (IDENT_PART[c] === 1 || PUNCTUATION[c] !== undefined) return true;
  switch (c) {
    case 32:
    case 9:
    case 10:
    case 13:
    case 12:
    case 11:
    case 35:
    case 34:
    case 47:
      return true;
    case 33: // `!` only in `!=`
      return text.charCodeAt(offset + 1) === 61;
    case 96:
      QUOTED_IDENT.lastIndex = offset;
      return QUOTED_IDENT.test(text);
  }
  return false;
}

/**
 * The same tokenisation by chevrotain's lexer, built from the token definitions: the reference
 * `lex` is tested against (test/compiler/scanner.test.ts).
 */
export function lexWithChevrotain(text: string): LexResult {
  const r = mlspecLexer.tokenize(text);
  if (text.includes("`")) unquoteNames(r.tokens);
  const comments = (r.groups["comments"] as IToken[] | undefined) ?? [];
  if (r.errors.length === 0) return { tokens: r.tokens, comments };
  // Merge one BadChar token per run of unknown characters into the (offset-sorted) token stream.
  const tokens: IToken[] = [];
  let ti = 0;
  for (const e of r.errors) {
    while (ti < r.tokens.length && r.tokens[ti]!.startOffset < e.offset) tokens.push(r.tokens[ti++]!);
    const image = text.slice(e.offset, e.offset + e.length);
    const line = e.line ?? 1;
    const column = e.column ?? 1;
    tokens.push(
      createTokenInstance(
        BadChar,
        image,
        e.offset,
        e.offset + e.length - 1,
        line,
        line,
        column,
        column + e.length - 1,
      ),
    );
  }
  while (ti < r.tokens.length) tokens.push(r.tokens[ti++]!);
  return { tokens, comments };
}

/** Each QuotedIdent becomes an Ident named by what its backticks enclose. */
function unquoteNames(tokens: IToken[]): void {
  for (const t of tokens) {
    if (t.tokenType !== QuotedIdent) continue;
    t.image = t.image.slice(1, -1);
    t.tokenType = Ident;
    t.tokenTypeIdx = Ident.tokenTypeIdx!;
  }
}

/** A name as a spec writes it: bare when it is an identifier and no keyword, else in backticks. */
export function nameText(name: string): string {
  return BARE_NAME.test(name) && !KEYWORDS.includes(name) ? name : `\`${name}\``;
}
const BARE_NAME = new RegExp(`^${IDENT_PATTERN.source}$`);

/** How a token type reads in a message: `}` for punctuation, words for the rest. */
export function describeTokenType(t: TokenType): string {
  switch (t) {
    case Ident:
      return "a name";
    case StringLit:
      return "a string";
    case NumberLit:
      return "a number";
    case CompareOp:
      return "a comparison";
    case AddOp:
      return "`+` or `-`";
    case MulOp:
      return "`*`, `/` or `%`";
  }
  const pattern = t.PATTERN;
  if (pattern instanceof RegExp) {
    const src = pattern.source.replace(/\\(.)/g, "$1");
    if (src.length <= 3 || KEYWORDS.includes(src)) return `\`${src}\``;
  }
  return t.name;
}
