import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { grammarFiles, serializedGrammar } from "../../src/compiler/grammar-docs.js";
import { allTokens } from "../../src/compiler/lexer.js";
import { repoRoot } from "./corpus.js";

describe("grammar/", () => {
  const files = grammarFiles();

  it.each(Object.keys(files))(
    "grammar/%s is up to date with the parser (regenerate with `npm run grammar`)",
    (name) => {
      expect(readFileSync(join(repoRoot, "grammar", name), "utf8")).toBe(files[name]);
    },
  );

  it("lists every token and every rule", () => {
    const md = files["grammar.md"]!;
    for (const t of allTokens) expect(md).toContain(`| ${t.name} |`);
    for (const r of serializedGrammar() as { name: string }[])
      expect(md).toMatch(new RegExp(`^${r.name} = `, "m"));
  });

  it("railroad.html works offline: its stylesheet and scripts are inline, no http(s) resource", () => {
    const html = files["railroad.html"]!;
    expect(html).not.toMatch(/\b(src|href)\s*=\s*['"]?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*['"]?(https?:)?\/\//i);
    expect(html).not.toMatch(/<script[^>]*\bsrc\s*=/i);
    expect(html).not.toMatch(/<link\b/i);
    // the diagram code that the page calls is there
    expect(html).toContain("drawDiagramsFromSerializedGrammar: function");
    expect(html).toContain("function ComplexDiagram");
  });

  it("embeds the serialised grammar in the railroad diagram", () => {
    expect(files["railroad.html"]).toContain("window.serializedGrammar");
    expect(files["railroad.html"]).toContain('"name": "bodyItem"');
  });
});
