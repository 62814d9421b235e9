// The VS Code extension folder (editors/vscode) wires the generated grammar and `mlc lsp` together:
// its manifest declares the language for .mlspec with the grammar's scope, packaging copies the
// generated grammar it names, and activate() starts a language client running `npx mlc lsp` over
// stdio for mlspec documents (the `vscode` modules are stood in for, as VS Code provides them).
import { existsSync, readFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../runtime/subprocess-build.js";

const dir = join(repoRoot, "editors/vscode");
const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
  main: string;
  contributes: {
    languages: { id: string; extensions: string[]; configuration: string }[];
    grammars: { language: string; scopeName: string; path: string }[];
  };
  scripts: Record<string, string>;
};

describe("editors/vscode", () => {
  it("declares .mlspec with the generated grammar's scope, and packages that grammar", () => {
    const [lang] = manifest.contributes.languages;
    expect(lang).toMatchObject({ id: "mlspec", extensions: [".mlspec"] });
    JSON.parse(readFileSync(join(dir, lang!.configuration), "utf8"));
    const grammar = JSON.parse(readFileSync(join(repoRoot, "editors/mlspec.tmLanguage.json"), "utf8")) as {
      scopeName: string;
    };
    const [g] = manifest.contributes.grammars;
    expect(g).toMatchObject({
      language: "mlspec",
      scopeName: grammar.scopeName,
      path: "./syntaxes/mlspec.tmLanguage.json",
    });
    expect(manifest.scripts["vscode:prepublish"]).toBe(
      "mkdir -p syntaxes && cp ../mlspec.tmLanguage.json syntaxes/",
    );
    expect(existsSync(join(dir, manifest.main))).toBe(true);
  });

  it("activate() starts `npx mlc lsp` for mlspec documents, and deactivate() stops it", async () => {
    const started: { id: string; server: unknown; client: unknown }[] = [];
    let stopped = 0;
    const fakes: Record<string, unknown> = {
      vscode: { workspace: { getConfiguration: () => ({ get: (_k: string, d: unknown) => d }) } },
      "vscode-languageclient/node": {
        LanguageClient: class {
          constructor(id: string, _name: string, server: unknown, client: unknown) {
            started.push({ id, server, client });
          }
          start() {
            return Promise.resolve();
          }
          stop() {
            stopped++;
            return Promise.resolve();
          }
        },
      },
    };
    const M = Module as typeof Module & { _load: (request: string, ...rest: unknown[]) => unknown };
    const load = M._load;
    M._load = (request, ...rest) => (request in fakes ? fakes[request] : load(request, ...rest));
    try {
      const ext = createRequire(join(dir, "package.json"))(join(dir, manifest.main)) as {
        activate(ctx: { subscriptions: unknown[] }): Promise<void>;
        deactivate(): Promise<void> | undefined;
      };
      const ctx = { subscriptions: [] as unknown[] };
      await ext.activate(ctx);
      expect(started).toEqual([
        {
          id: "mlspec",
          server: { command: "npx", args: ["mlc", "lsp"], options: { shell: process.platform === "win32" } },
          client: { documentSelector: [{ scheme: "file", language: "mlspec" }] },
        },
      ]);
      expect(ctx.subscriptions).toHaveLength(1);
      await ext.deactivate();
      expect(stopped).toBe(1);
    } finally {
      M._load = load;
    }
  });
});
