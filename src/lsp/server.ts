// The .mlspec language server (`mlc lsp`): diagnostics as the user types, hover and completion,
// over JSON-RPC on any pair of streams (stdio for editors, in-memory streams in tests).
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  CompletionItemKind,
  createConnection,
  DiagnosticSeverity,
  MarkupKind,
  ProposedFeatures,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type Diagnostic as LspDiagnostic,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { Diagnostic } from "../compiler/diagnostic.js";
import { completionsAt, hoverAt, projectDiagnostics } from "./analysis.js";

const COMPLETION_KIND = {
  block: CompletionItemKind.Class,
  attribute: CompletionItemKind.Property,
  builtin: CompletionItemKind.Function,
} as const;

function toLsp(d: Diagnostic): LspDiagnostic {
  return {
    range: {
      start: { line: d.span.start.line - 1, character: d.span.start.column - 1 },
      end: { line: d.span.end.line - 1, character: d.span.end.column - 1 },
    },
    severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: "mlc",
    message: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message,
    ...(d.related?.length
      ? {
          relatedInformation: d.related.map((r) => ({
            message: r.message,
            location: {
              uri: pathToFileURL(r.span.file).href,
              range: {
                start: { line: r.span.start.line - 1, character: r.span.start.column - 1 },
                end: { line: r.span.end.line - 1, character: r.span.end.column - 1 },
              },
            },
          })),
        }
      : {}),
  };
}

/** Serves one client on these streams until it exits; returns the connection (tests dispose it). */
export function startLanguageServer(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Connection {
  const connection = createConnection(
    ProposedFeatures.all,
    new StreamMessageReader(input),
    new StreamMessageWriter(output),
  );
  const documents = new TextDocuments(TextDocument);
  const pathOf = (uri: string) => fileURLToPath(uri);

  const validate = (uri: string) => {
    const dir = dirname(pathOf(uri));
    const open = new Map(documents.all().map((d) => [pathOf(d.uri), d.getText()]));
    let byFile: Map<string, Diagnostic[]>;
    try {
      byFile = projectDiagnostics(dir, open);
    } catch (e) {
      connection.console.error(`mlc lsp: cannot check ${dir}: ${(e as Error).message}`);
      return;
    }
    for (const [path, ds] of byFile)
      void connection.sendDiagnostics({ uri: pathToFileURL(path).href, diagnostics: ds.map(toLsp) });
  };

  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      completionProvider: { triggerCharacters: [" ", "="] },
    },
    serverInfo: { name: "mlc", version: "0.1.0" },
  }));
  documents.onDidChangeContent((e) => validate(e.document.uri));
  connection.onHover((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return null;
    const md = hoverAt(pathOf(doc.uri), doc.getText(), doc.offsetAt(p.position));
    return md ? { contents: { kind: MarkupKind.Markdown, value: md } } : null;
  });
  connection.onCompletion((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return [];
    return completionsAt(pathOf(doc.uri), doc.getText(), doc.offsetAt(p.position)).map((c) => ({
      label: c.label,
      kind: COMPLETION_KIND[c.kind],
      detail: c.detail,
      documentation: { kind: MarkupKind.Markdown, value: c.doc },
    }));
  });
  documents.listen(connection);
  connection.listen();
  return connection;
}
