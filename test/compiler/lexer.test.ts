import { describe, expect, it } from "vitest";
import { lex } from "../../src/compiler/lexer.js";

const kinds = (src: string) => lex(src).tokens.map((t) => `${t.tokenType.name}:${t.image}`);

describe("lexer", () => {
  it("reads durations and percentages as single tokens", () => {
    expect(kinds("250ms 30s 15m 1h 7d 2w 10% 12.5%")).toEqual([
      "Duration:250ms",
      "Duration:30s",
      "Duration:15m",
      "Duration:1h",
      "Duration:7d",
      "Duration:2w",
      "Percent:10%",
      "Percent:12.5%",
    ]);
  });

  it("reads `%` after a space as modulo and directly after a number as a percentage", () => {
    expect(kinds("a % b 10 % 3 10%")).toEqual([
      "Ident:a",
      "Modulo:%",
      "Ident:b",
      "NumberLit:10",
      "Modulo:%",
      "NumberLit:3",
      "Percent:10%",
    ]);
  });

  it("reads integers, decimals and exponents as numbers", () => {
    expect(kinds("42 3.25 1e-3 2.5E+10")).toEqual([
      "NumberLit:42",
      "NumberLit:3.25",
      "NumberLit:1e-3",
      "NumberLit:2.5E+10",
    ]);
  });

  it("keeps keywords apart from names that start with them", () => {
    expect(kinds("and andy not notes true truely null nullable or order")).toEqual([
      "And:and",
      "Ident:andy",
      "Not:not",
      "Ident:notes",
      "True:true",
      "Ident:truely",
      "Null:null",
      "Ident:nullable",
      "Or:or",
      "Ident:order",
    ]);
  });

  it("puts both comment styles in the comments group with their positions", () => {
    const r = lex("a = 1 # one\n// two\nb = 2");
    expect(r.comments.map((c) => [c.image, c.startLine, c.startColumn])).toEqual([
      ["# one", 1, 7],
      ["// two", 2, 1],
    ]);
    expect(r.tokens.map((t) => t.image)).toEqual(["a", "=", "1", "b", "=", "2"]);
  });

  it("turns malformed input into tokens instead of failing", () => {
    expect(kinds('x = $ "open\ny = 5min')).toEqual([
      "Ident:x",
      "Eq:=",
      "BadChar:$",
      'UnterminatedString:"open',
      "Ident:y",
      "Eq:=",
      "BadNumber:5min",
    ]);
  });

  it("distinguishes every comparison operator from `=`", () => {
    expect(kinds("== != <= >= < > =")).toEqual([
      "EqEq:==",
      "NotEq:!=",
      "LtEq:<=",
      "GtEq:>=",
      "Lt:<",
      "Gt:>",
      "Eq:=",
    ]);
  });
});
