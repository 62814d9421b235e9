// The language server on backtick-quoted column names (`Monthly Charges`, `x.1`): diagnostics point
// at the quoted name, go-to-definition and references work from inside the backticks (also after
// `f.`), hover describes the column instead of a keyword that happens to be one of its words,
// completion offers the columns in the form a spec writes them, and rename writes backticks where
// the new name needs them.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client } from "./lsp-client.js";

const SPEC = `source customers {
  file = "data/customers.csv"
  schema {
    \`customer id\`     = int
    \`Monthly Charges\` = float
    \`model score\`     = nullable(float)
    churned           = bool
  }
}

features f {
  from    = customers
  monthly = log1p(\`Monthly Charges\`)
  score   = \`model score\`
  \`x.1\`   = monthly * 2
  twice   = f.\`x.1\` + 1
}
`;

type Loc = {
  uri: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
};
type Item = { label: string; kind: number; textEdit?: { newText: string; range: Loc["range"] } };

describe("mlc lsp on backtick-quoted column names", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlc-lsp-quoted-"));
  const uri = pathToFileURL(join(dir, "a.mlspec")).href;
  const c = client();
  const at = (line: number, character: number) => ({ textDocument: { uri }, position: { line, character } });
  const where = (l: Loc | null) =>
    l && `${l.range.start.line}:${l.range.start.character}-${l.range.end.character}`;
  let version = 1;
  const edit = (text: string) =>
    c.notify("textDocument/didChange", {
      textDocument: { uri, version: ++version },
      contentChanges: [{ text }],
    });

  beforeAll(async () => {
    writeFileSync(join(dir, "a.mlspec"), SPEC);
    await c.request("initialize", { processId: null, rootUri: null, capabilities: {} });
    c.notify("initialized", {});
  });
  afterAll(() => c.connection.dispose());

  it("reports a quoted name's typo on the whole quoted name, with a quoted did-you-mean", async () => {
    const before = c.count();
    c.notify("textDocument/didOpen", { textDocument: { uri, languageId: "mlspec", version, text: SPEC } });
    expect(await c.diagnostics(uri, before)).toEqual([]);
    const typo = c.count();
    edit(SPEC.replace("log1p(`Monthly Charges`)", "log1p(`Monthly Charge`)"));
    const ds = await c.diagnostics(uri, typo);
    expect(ds).toHaveLength(1);
    expect(ds[0]!.message).toContain("did you mean `Monthly Charges`?");
    // line 12, from the opening backtick (after "  monthly = log1p(") to after the closing one
    expect(ds[0]!.range).toEqual({ start: { line: 12, character: 18 }, end: { line: 12, character: 34 } });
    const fixed = c.count();
    edit(SPEC);
    expect(await c.diagnostics(uri, fixed)).toEqual([]);
  });

  it("goes to a quoted column's declaration and finds its references, also through `f.`", async () => {
    const def = async (line: number, ch: number) =>
      where((await c.request("textDocument/definition", at(line, ch))) as Loc | null);
    expect(await def(12, 26)).toBe("4:4-21"); // `Monthly Charges` in log1p(…) → the schema entry
    expect(await def(13, 16)).toBe("5:4-17"); // inside `model score`, on the word "model"
    expect(await def(15, 15)).toBe("14:2-7"); // `x.1` after f. → the feature
    const refs = (await c.request("textDocument/references", {
      ...at(14, 4),
      context: { includeDeclaration: true },
    })) as Loc[];
    expect(refs.map(where)).toEqual(["14:2-7", "15:14-19"]);
  });

  it("hovers a quoted column with its declaration, never with a keyword inside its name", async () => {
    const hover = async (line: number, ch: number) =>
      ((await c.request("textDocument/hover", at(line, ch))) as { contents: { value: string } } | null)
        ?.contents.value;
    // "model" inside `model score` is the column, not the model block kind
    expect(await hover(5, 6)).toBe("**`model score`**: column of `customers` = `nullable(float)`");
    expect(await hover(13, 14)).toBe("**`model score`**: column of `customers` = `nullable(float)`");
    expect(await hover(15, 16)).toBe("**`x.1`**: column of `f` = `monthly * 2`");
    // a plain column too, and a built-in stays a built-in
    expect(await hover(14, 12)).toBe("**monthly**: column of `f` = `log1p(`Monthly Charges`)`");
    expect(await hover(12, 13)).toMatch(/^\*\*log1p\*\*\(/);
  });

  it("completes the columns a block can read, quoted where needed, and only them inside a backtick", async () => {
    const text = SPEC.replace("  twice   = f.`x.1` + 1\n", "  twice   = f.`x.1` + 1\n  more    = `Mon\n");
    edit(text);
    const items = async (line: number, ch: number) =>
      (await c.request("textDocument/completion", at(line, ch))) as Item[];
    // inside `twice = …` (line 15): the source's columns and the features declared above
    const labels = (await items(15, 12)).map((i) => i.label);
    expect(labels).toEqual(
      expect.arrayContaining([
        "`customer id`",
        "`Monthly Charges`",
        "`model score`",
        "churned",
        "monthly",
        "`x.1`",
      ]),
    );
    expect(labels).toContain("log1p");
    expect(labels).not.toContain("twice"); // not declared above itself
    // typing `Mon on line 16: the columns alone, each replacing from the backtick
    const quoted = await items(16, 16);
    expect(quoted.map((i) => i.label)).not.toContain("log1p");
    const monthly = quoted.find((i) => i.label === "`Monthly Charges`")!;
    expect(monthly.textEdit).toEqual({
      newText: "`Monthly Charges`",
      range: { start: { line: 16, character: 12 }, end: { line: 16, character: 16 } },
    });
    edit(SPEC);
  });

  it("renames a column to a name that needs backticks, and back to an identifier", async () => {
    const rename = async (line: number, ch: number, newName: string) =>
      (await c.request("textDocument/rename", { ...at(line, ch), newName })) as {
        changes?: Record<string, { range: Loc["range"]; newText: string }[]>;
        error?: { message: string };
      };
    const edits = (r: Awaited<ReturnType<typeof rename>>) =>
      Object.values(r.changes!)
        .flat()
        .map((e) => `${e.range.start.line}:${e.range.start.character}=${e.newText}`)
        .sort();
    expect(edits(await rename(12, 2, "monthly charges"))).toEqual([
      "12:2=`monthly charges`",
      "14:12=`monthly charges`",
    ]);
    expect(edits(await rename(14, 3, "`x 2`"))).toEqual(["14:2=`x 2`", "15:14=`x 2`"]);
    expect(edits(await rename(14, 3, "x2"))).toEqual(["14:2=x2", "15:14=x2"]);
    // a block's name stays an identifier
    expect((await rename(10, 9, "my features")).error!.message).toContain("not a valid name");
  });
});
