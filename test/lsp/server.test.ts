// The language server over its JSON-RPC streams, in-process: initialize, open a document, then
// diagnostics (with ranges), hover from the schemas and completion, as an editor would see them.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client } from "./lsp-client.js";
import { hoverAt } from "../../src/lsp/analysis.js";

const SPEC = `source customers {
  file = "data/customers.csv"
  schema {
    tenure = int
    churned = bool
  }
}

features f {
  from = customers
  t    = log1p(tenure)
}
`;

describe("mlc lsp over JSON-RPC", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlc-lsp-"));
  const path = join(dir, "main.mlspec");
  const uri = pathToFileURL(path).href;
  const c = client();
  beforeAll(async () => {
    writeFileSync(path, SPEC);
    const init = (await c.request("initialize", { processId: null, rootUri: null, capabilities: {} })) as {
      capabilities: { hoverProvider: boolean; completionProvider: unknown };
    };
    expect(init.capabilities.hoverProvider).toBe(true);
    c.notify("initialized", {});
  });
  afterAll(() => c.connection.dispose());

  it("publishes the checker's diagnostics with ranges as the text changes, and clears them", async () => {
    const before = c.count();
    const bad = SPEC.replace("from = customers", "from = customer");
    c.notify("textDocument/didOpen", { textDocument: { uri, languageId: "mlspec", version: 1, text: bad } });
    const ds = await c.diagnostics(uri, before);
    expect(ds).toHaveLength(1);
    expect(ds[0]!.message).toMatch(/customer/);
    expect(ds[0]!.code).toMatch(/^MLC1\d{3}$/);
    // `customer` on line 10 (0-based 9), after "  from = ".
    expect(ds[0]!.range).toEqual({ start: { line: 9, character: 9 }, end: { line: 9, character: 17 } });
    const fixed = c.count();
    c.notify("textDocument/didChange", {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: SPEC }],
    });
    expect(await c.diagnostics(uri, fixed)).toEqual([]);
  });

  it("hovers with the reference text of attributes, block kinds and built-ins", async () => {
    const hover = async (line: number, character: number) =>
      (
        (await c.request("textDocument/hover", { textDocument: { uri }, position: { line, character } })) as {
          contents: { value: string };
        } | null
      )?.contents.value;
    expect(await hover(1, 3)).toMatch(/^\*\*file\*\*: `/); // `file` in source
    expect(await hover(0, 2)).toMatch(/^\*\*source\*\* block/);
    expect(await hover(10, 10)).toMatch(/^\*\*log1p\*\*\(/);
    expect(await hover(4, 0)).toBeFalsy();
  });

  it("completes block kinds at the top level and attributes and built-ins inside a block", async () => {
    const complete = async (line: number, character: number) =>
      (
        (await c.request("textDocument/completion", {
          textDocument: { uri },
          position: { line, character },
        })) as {
          label: string;
          kind: number;
        }[]
      ).map((i) => i.label);
    const top = await complete(7, 0);
    expect(top).toEqual(expect.arrayContaining(["source", "features", "model", "gate", "deploy"]));
    expect(top).not.toContain("log1p");
    const inFeatures = await complete(10, 2);
    expect(inFeatures).toEqual(expect.arrayContaining(["from", "log1p", "standardize"]));
    expect(inFeatures).not.toContain("file");
    // references to the project's other blocks, and the columns the block sees through `from`; its
    // own feature `t` only below its declaration (this position is on it)
    expect(inFeatures).toEqual(expect.arrayContaining(["customers", "tenure", "churned"]));
    expect(inFeatures).not.toContain("t");
    expect(inFeatures).not.toContain("f"); // not itself
    const inSource = await complete(1, 2);
    expect(inSource).toEqual(expect.arrayContaining(["f", "tenure", "churned"]));
    expect(inSource).not.toContain("t"); // a features column is not the source's
  });

  it("hovers a metric with its direction and reference text", () => {
    const text = "gate ship {\n  model = m\n  test.auc >= 0.8\n}\n";
    expect(hoverAt(path, text, text.indexOf("auc") + 1)).toMatch(
      /^\*\*auc\*\* metric \((maximize|higher is better)/,
    );
  });
});
