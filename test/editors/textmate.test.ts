// editors/mlspec.tmLanguage.json is what src/editors/textmate.ts generates from the lexer's tokens
// and the schemas (`npm run textmate`), and its rules read a spec as the lexer does.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { textMateGrammar, textMateJson } from "../../src/editors/textmate.js";

type Rule = { name?: string; match: string; captures?: Record<string, { name: string }> };
type Grammar = { repository: Record<string, Rule & { patterns?: Rule[] }> };

const g = textMateGrammar() as Grammar;
const tokenScope = (text: string): string | undefined =>
  g.repository.tokens!.patterns!.find((r) => new RegExp(`^(?:${r.match})`).exec(text)?.[0] === text)?.name;

describe("the TextMate grammar", () => {
  it("is current: editors/mlspec.tmLanguage.json matches the lexer (run `npm run textmate`)", () => {
    expect(readFileSync(join(__dirname, "../../editors/mlspec.tmLanguage.json"), "utf8")).toBe(
      textMateJson(),
    );
  });

  it("scopes literals, keywords and comments as the lexer splits them", () => {
    expect(tokenScope("7d")).toBe("constant.numeric.duration.mlspec");
    expect(tokenScope("80%")).toBe("constant.numeric.percent.mlspec");
    expect(tokenScope("1.5e3")).toBe("constant.numeric.mlspec");
    expect(tokenScope('"data/x.csv"')).toBe("string.quoted.double.mlspec");
    expect(tokenScope("# a note")).toBe("comment.line.number-sign.mlspec");
    expect(tokenScope("not")).toBe("keyword.operator.logical.mlspec");
    expect(tokenScope("notes")).toBeUndefined();
    expect(tokenScope(">=")).toBe("keyword.operator.comparison.mlspec");
  });

  it("names block headers, attributes and built-ins from the schemas", () => {
    const header = new RegExp(g.repository["block-header"]!.match).exec("model churn {");
    expect(header?.slice(1, 3)).toEqual(["model", "churn"]);
    expect(new RegExp(g.repository.attribute!.match).exec("  algorithm = gbdt")?.[1]).toBe("algorithm");
    expect(new RegExp(g.repository.attribute!.match).exec("  test.auc == 1")).toBeNull();
    const builtin = new RegExp(g.repository.builtin!.match);
    expect(builtin.exec("t = log1p(tenure)")?.[1]).toBe("log1p");
    expect(builtin.exec("artifacts = s3 {")?.[1]).toBe("s3");
  });
});
