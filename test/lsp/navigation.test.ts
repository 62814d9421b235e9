// Go-to-definition, find-references, rename and formatting over the protocol, across two files of
// one project: blocks, source columns reached through a features block, and features read downstream.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client } from "./lsp-client.js";

const DATA = `source customers {
  file = "data/customers.csv"
  schema {
    tenure  = int
    churned = bool
  }
}

features f {
  from   = customers
  t      = log1p(tenure)
  tenure = tenure
  twice  = t * 2
}
`;

const MODEL = `split s {
  from   = f
  method = stratified(churned)
  train  = 60%
  valid  = 20%
  test   = 20%
}

model m {
  task     = classify(churned)
  data     = s
  features = [f.t, f.twice]
}
`;

type Loc = { uri: string; range: { start: { line: number; character: number }; end: unknown } };
type Edit = { range: { start: { line: number; character: number } }; newText: string };

describe("mlc lsp navigation", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlc-lsp-nav-"));
  const data = pathToFileURL(join(dir, "a.mlspec")).href;
  const model = pathToFileURL(join(dir, "b.mlspec")).href;
  const c = client();
  const at = (uri: string, line: number, character: number) => ({
    textDocument: { uri },
    position: { line, character },
  });
  const where = (l: Loc) => `${l.uri === data ? "a" : "b"}:${l.range.start.line}:${l.range.start.character}`;

  beforeAll(async () => {
    writeFileSync(join(dir, "a.mlspec"), DATA);
    writeFileSync(join(dir, "b.mlspec"), MODEL);
    const init = (await c.request("initialize", { processId: null, rootUri: null, capabilities: {} })) as {
      capabilities: Record<string, unknown>;
    };
    expect(init.capabilities).toMatchObject({
      definitionProvider: true,
      referencesProvider: true,
      renameProvider: true,
      documentFormattingProvider: true,
    });
    c.notify("initialized", {});
    c.notify("textDocument/didOpen", {
      textDocument: { uri: data, languageId: "mlspec", version: 1, text: DATA },
    });
    c.notify("textDocument/didOpen", {
      textDocument: { uri: model, languageId: "mlspec", version: 1, text: MODEL },
    });
  });
  afterAll(() => c.connection.dispose());

  it("goes to a block, a feature in another file, and a source column through the features block", async () => {
    const def = async (uri: string, line: number, ch: number) =>
      (await c.request("textDocument/definition", at(uri, line, ch))) as Loc | null;
    // `f` in `from = f` (b.mlspec line 1) → features f's name (a.mlspec line 8, after "features ")
    expect(where((await def(model, 1, 11))!)).toBe("a:8:9");
    // `twice` in `[f.t, f.twice]` → its declaration in a.mlspec line 12
    expect(where((await def(model, 11, 22))!)).toBe("a:12:2");
    // `churned` in classify(churned): the model reads s → f → customers' schema (a.mlspec line 4)
    expect(where((await def(model, 9, 23))!)).toBe("a:4:4");
    // `tenure` on the right of `tenure = tenure` is the source's column, not the feature itself
    expect(where((await def(data, 11, 13))!)).toBe("a:3:4");
    // a keyword or a number is nothing
    expect(await def(model, 3, 11)).toBeNull();
  });

  it("finds every reference of a feature and of a block, across files", async () => {
    const refs = async (uri: string, line: number, ch: number, includeDeclaration: boolean) =>
      (
        (await c.request("textDocument/references", {
          ...at(uri, line, ch),
          context: { includeDeclaration },
        })) as Loc[]
      )
        .map(where)
        .sort();
    // t: declared in a, used by twice (a) and by the model (b)
    expect(await refs(data, 10, 2, true)).toEqual(["a:10:2", "a:12:11", "b:11:16"]);
    expect(await refs(data, 10, 2, false)).toEqual(["a:12:11", "b:11:16"]);
    // f: declared in a; `from = f` and two `f.` prefixes in b
    expect(await refs(model, 1, 11, false)).toEqual(["b:11:14", "b:11:19", "b:1:11"].sort());
  });

  it("renames a feature everywhere, and refuses a name that is taken or invalid", async () => {
    const rename = (newName: string) => c.request("textDocument/rename", { ...at(data, 10, 2), newName });
    const r = (await rename("log_tenure")) as { changes: Record<string, Edit[]> };
    const edits = Object.entries(r.changes).flatMap(([uri, es]) =>
      es.map(
        (e) => `${uri === data ? "a" : "b"}:${e.range.start.line}:${e.range.start.character}=${e.newText}`,
      ),
    );
    expect(edits.sort()).toEqual(["a:10:2=log_tenure", "a:12:11=log_tenure", "b:11:16=log_tenure"]);
    expect(((await rename("twice")) as { error: { message: string } }).error.message).toContain(
      "already has a column 'twice'",
    );
    // a column may take a name that is no identifier (written in backticks), but not one with a backtick
    expect(((await rename("a`b")) as { error: { message: string } }).error.message).toContain(
      "not a valid name",
    );
    const quoted = (await rename("2x")) as { changes: Record<string, Edit[]> };
    expect(Object.values(quoted.changes).flatMap((es) => es.map((e) => e.newText))).toEqual([
      "`2x`",
      "`2x`",
      "`2x`",
    ]);
    // a block's name stays an identifier
    const block = await c.request("textDocument/rename", { ...at(model, 1, 11), newName: "2x" });
    expect((block as { error: { message: string } }).error.message).toContain("not a valid name");
  });

  it("formats a document as mlc fmt does, and leaves a canonical one alone", async () => {
    const messy = DATA.replace("  t      = log1p(tenure)", "  t = log1p( tenure )");
    c.notify("textDocument/didChange", {
      textDocument: { uri: data, version: 2 },
      contentChanges: [{ text: messy }],
    });
    const edits = (await c.request("textDocument/formatting", {
      textDocument: { uri: data },
      options: { tabSize: 2, insertSpaces: true },
    })) as Edit[];
    expect(edits).toHaveLength(1);
    expect(edits[0]!.newText).toBe(DATA);
    c.notify("textDocument/didChange", {
      textDocument: { uri: data, version: 3 },
      contentChanges: [{ text: DATA }],
    });
    expect(
      await c.request("textDocument/formatting", {
        textDocument: { uri: data },
        options: { tabSize: 2, insertSpaces: true },
      }),
    ).toEqual([]);
  });
});
