// The parser is built without chevrotain's grammar checks at start-up (they depend only on the
// grammar's source and cost most of the construction time); this test runs them.
import { describe, expect, it } from "vitest";
import { MlspecParser } from "../../src/compiler/parser.js";
import { CstParser } from "../../src/compiler/chevrotain.js";
import { parseFile } from "../../src/compiler/parse.js";

describe("the .mlspec grammar", () => {
  it("passes chevrotain's grammar validations (no ambiguity, no left recursion)", () => {
    expect(() => new MlspecParser(false, true)).not.toThrow();
    expect(() => new MlspecParser(true, true)).not.toThrow();
  });

  it("takes chevrotain from one copy: the parser is a CstParser of the shim's module", () => {
    expect(new MlspecParser(false)).toBeInstanceOf(CstParser);
  });

  it("parses with the parser built without validations", () => {
    const r = parseFile("a.mlspec", 'source s {\n  path = "a.csv"\n}\n');
    expect(r.diagnostics).toEqual([]);
  });
});
