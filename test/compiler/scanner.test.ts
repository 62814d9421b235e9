// The hand-written scanner (`lex`) against chevrotain's lexer built from the same token definitions
// (`lexWithChevrotain`): the same tokens, comments and positions on every corpus file, on seeded
// mutations of them, on the bench's generated project and on random character soup.
import { describe, expect, it } from "vitest";
import type { IToken } from "chevrotain";
import { lex, lexWithChevrotain } from "../../src/compiler/lexer.js";
import { generateProject } from "../../bench/parse/index.js";
import { corpus } from "./corpus.js";
import { BUILTIN, INSERTS, mutate, rng } from "./mutations.js";

const shown = (ts: IToken[]) =>
  ts.map((t) => ({
    type: t.tokenType.name,
    idx: t.tokenTypeIdx,
    image: t.image,
    pos: [t.startOffset, t.endOffset, t.startLine, t.endLine, t.startColumn, t.endColumn],
  }));

function expectSameTokens(text: string, what: string): void {
  const a = lex(text);
  const b = lexWithChevrotain(text);
  expect(shown(a.tokens), what).toEqual(shown(b.tokens));
  expect(shown(a.comments), what).toEqual(shown(b.comments));
}

describe("scanner: the same tokens as chevrotain's lexer", () => {
  const files = [...corpus(), ...BUILTIN.map((text, i) => ({ path: `builtin-${i}.mlspec`, text }))];

  it("on every corpus file and 40 mutations of each", () => {
    files.forEach((f, index) => {
      expectSameTokens(f.text, f.path);
      const r = rng(0x5ca1 + index);
      for (let m = 0; m < 40; m++) {
        let text = f.text;
        for (let k = 0; k < 1 + r(3); k++) {
          const lexed = lexWithChevrotain(text);
          const pieces = [...lexed.tokens, ...lexed.comments].map((t) => ({
            start: t.startOffset,
            end: t.endOffset! + 1,
          }));
          text = mutate(text, pieces, r);
        }
        expectSameTokens(text, `${f.path} mutation ${m}: ${JSON.stringify(text)}`);
      }
    });
  });

  it("on the bench's generated project", () => {
    for (const f of generateProject(140)) expectSameTokens(f.text, f.path);
  });

  it("on random soup of token pieces and odd characters", () => {
    const r = rng(0x50a9);
    const pieces = [
      ...INSERTS,
      "`",
      "`a b`",
      "`x",
      "!",
      "!!=",
      "\\",
      '"a\\"b"',
      '"a\\',
      '"\\u00e9"',
      "12e",
      "15min",
      "1.5",
      "1.",
      "2.5E+10x",
      "10%x",
      "10%(",
      "3ms",
      "7dd",
      "_x9",
      "android",
      "\r",
      "\f\v",
      "\u2028",
      "é",
      "~",
      "^",
      "?",
      "a",
      "0",
    ];
    for (let m = 0; m < 3000; m++) {
      let text = "";
      for (let k = 0; k < 1 + r(12); k++) text += pieces[r(pieces.length)]! + (r(3) === 0 ? " " : "");
      expectSameTokens(text, JSON.stringify(text));
    }
  });
});
