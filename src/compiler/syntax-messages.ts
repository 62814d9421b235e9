// Human wording for chevrotain's parse errors ("expected `}` to close the block"), with hints.
// The provider returns JSON ({message, hint}) that parse.ts decodes into a Diagnostic.
import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { EOF } from "./chevrotain.js";
import {
  And,
  Comma,
  Dot,
  Eq,
  False,
  Ident,
  KEYWORDS,
  LBrace,
  Not,
  Null,
  Or,
  RBrace,
  RBracket,
  RParen,
  True,
  describeTokenType,
} from "./lexer.js";

interface SyntaxMessage {
  message: string;
  hint?: string;
  /**
   * Where to point: at the offending token (default), at the token before it, or just after the
   * token before it (when the offending token is on a later line, "expected `)`" belongs there).
   */
  at?: "previous" | "afterPrevious";
}

export const KEYWORD_TYPES: ReadonlySet<TokenType> = new Set([And, Or, Not, True, False, Null]);

/** A token as a message shows it: `}` or `foo`, or "end of file". */
function showToken(t: IToken | undefined): string {
  if (!t || t.tokenType === EOF || t.image === "") return "end of file";
  const img = t.image.length > 24 ? t.image.slice(0, 21) + "…" : t.image;
  return "`" + img + "`";
}

const encode = (message: string, hint?: string, at?: SyntaxMessage["at"]): string => {
  const m: SyntaxMessage = { message };
  if (hint) m.hint = hint;
  if (at) m.at = at;
  return JSON.stringify(m);
};

/** Point after `previous` when `actual` sits on a later line (or is the end of input). */
const lineAware = (actual: IToken, previous: IToken | undefined): SyntaxMessage["at"] =>
  previous &&
  previous.tokenType !== EOF &&
  !Number.isNaN(previous.startOffset) &&
  (actual.tokenType === EOF || (actual.startLine ?? 0) > (previous.endLine ?? 0))
    ? "afterPrevious"
    : undefined;

export function decodeSyntaxMessage(s: string): SyntaxMessage {
  try {
    const v = JSON.parse(s) as SyntaxMessage;
    if (typeof v.message === "string") return v;
  } catch {
    // a message chevrotain built itself: use it as it is
  }
  return { message: s };
}

const found = (t: IToken): string =>
  t.tokenType === EOF ? "reached the end of the file" : `found ${showToken(t)}`;

const keywordHint = (t: IToken): string | undefined =>
  KEYWORD_TYPES.has(t.tokenType)
    ? `\`${t.image}\` is a keyword (${KEYWORDS.join(", ")}) and cannot be used as a name`
    : undefined;

export const syntaxErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous, ruleName }) {
    if (expected === RBrace) {
      if (actual.tokenType === EOF) {
        return encode(
          ruleName === "object"
            ? "expected `}` to close `{`, reached the end of the file"
            : "expected `}` to close the block, reached the end of the file",
          "every `{` needs a matching `}`",
        );
      }
      if (ruleName === "object")
        return encode(
          `expected \`key = value\` or \`}\`, ${found(actual)}`,
          keywordHint(actual) ?? "object entries are written `key = value`",
        );
      return encode(
        `unexpected ${showToken(actual)}: expected an attribute, a nested block, an assertion or \`}\``,
        keywordHint(actual) ??
          "a block body holds `name = value` attributes, `kind { … }` blocks and conditions",
      );
    }
    if (expected === LBrace) {
      if (actual.tokenType === Eq) {
        return encode(
          `expected \`{\` after ${showToken(previous)}`,
          "attributes (`name = value`) belong inside a block: `KIND NAME { … }`",
        );
      }
      if (actual.tokenType === Ident) {
        return encode(
          `expected \`{\` after ${showToken(previous)}, ${found(actual)}`,
          "a block is written `KIND NAME { … }`; a name is a single word",
        );
      }
      return encode(
        `expected \`{\` after ${showToken(previous)}, ${found(actual)}`,
        "a block is written `KIND NAME { … }`",
      );
    }
    if (expected === Ident && ruleName === "block") {
      return encode(
        `expected a block (\`KIND NAME { … }\`), ${found(actual)}`,
        keywordHint(actual) ?? "a file is a list of blocks such as `model churn { … }`",
      );
    }
    const at = lineAware(actual, previous);
    if (expected === Eq)
      return encode(
        `expected \`=\` after ${showToken(previous)}, ${found(actual)}`,
        "entries are written `key = value`",
        at,
      );
    if (expected === RParen) {
      return encode(
        `expected \`)\` to close \`(\`, ${found(actual)}`,
        ruleName === "args" ? "separate arguments with `,`" : "every `(` needs a matching `)`",
        at,
      );
    }
    if (expected === RBracket)
      return encode(
        `expected \`,\` or \`]\` in the list, ${found(actual)}`,
        "separate list items with `,`",
        at,
      );
    if (expected === Comma) return encode(`expected \`,\`, ${found(actual)}`, undefined, at);
    return encode(`expected ${describeTokenType(expected)}, ${found(actual)}`, undefined, at);
  },

  buildNotAllInputParsedMessage({ firstRedundant }) {
    return encode(
      `unexpected ${showToken(firstRedundant)} after the end of the block`,
      "a file is a list of blocks such as `model churn { … }`",
    );
  },

  buildNoViableAltMessage({ actual, previous, ruleName }) {
    const tok = actual[0]!;
    if (previous?.tokenType === Dot)
      return encode(`expected a name or \`*\` after \`.\`, ${found(tok)}`, keywordHint(tok));
    if (ruleName === "entry")
      return encode(
        `expected \`key = value\`, ${found(tok)}`,
        keywordHint(tok) ?? "object entries are written `key = value`",
      );
    const after =
      previous && previous.tokenType !== EOF && previous.image ? ` after ${showToken(previous)}` : "";
    return encode(`expected a value${after}, ${found(tok)}`, keywordHint(tok), lineAware(tok, previous));
  },

  buildEarlyExitMessage({ actual, ruleName }) {
    return encode(`unexpected ${showToken(actual[0])} in ${ruleName}`);
  },
};
