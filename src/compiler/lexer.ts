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

const mlspecLexer = new Lexer(allTokens, { positionTracking: "full", ensureOptimizations: true });

interface LexResult {
  tokens: IToken[];
  comments: IToken[];
}

/** Tokenises a whole file. Total: every character ends up in a token, a comment or whitespace. */
export function lex(text: string): LexResult {
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
