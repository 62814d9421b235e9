// The .mlspec language server (`mlc lsp`): diagnostics as the user types, hover and completion,
// over JSON-RPC on any pair of streams (stdio for editors, in-memory streams in tests).
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  CompletionItemKind,
  createConnection,
  DiagnosticSeverity,
  ErrorCodes,
  ResponseError,
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
import type { Span } from "../ir/span.js";
import { formatExpr, formatText } from "../compiler/format.js";
import { nameText } from "../compiler/lexer.js";
import { completionsAt, hoverAt, parsedProject, projectDiagnostics, quotedNameAt } from "./analysis.js";
import {
  columnAt,
  columnsVisibleAt,
  definitionAt,
  namesInScope,
  referencesAt,
  renameAt,
  type VisibleColumn,
} from "./symbols.js";

/** A column's hover: its name as written, the block declaring it, and its type or expression. */
function columnHover(c: VisibleColumn): string {
  return `**${nameText(c.column)}**: column of \`${c.block}\` = \`${formatExpr(c.declaration.value)}\``;
}

const COMPLETION_KIND = {
  block: CompletionItemKind.Class,
  attribute: CompletionItemKind.Property,
  builtin: CompletionItemKind.Function,
  reference: CompletionItemKind.Reference,
  column: CompletionItemKind.Field,
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

const rangeOf = (s: Span) => ({
  start: { line: s.start.line - 1, character: s.start.column - 1 },
  end: { line: s.end.line - 1, character: s.end.column - 1 },
});
const locationOf = (s: Span) => ({ uri: pathToFileURL(s.file).href, range: rangeOf(s) });

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
      definitionProvider: true,
      referencesProvider: true,
      renameProvider: true,
      documentFormattingProvider: true,
    },
    serverInfo: { name: "mlc", version: "0.1.0" },
  }));
  documents.onDidChangeContent((e) => validate(e.document.uri));
  /** The project around a document, with every open document's unsaved text, and the offset of a position. */
  const at = (uri: string, position: { line: number; character: number }) => {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    const path = pathOf(uri);
    const open = new Map(documents.all().map((d) => [pathOf(d.uri), d.getText()]));
    return { project: parsedProject(dirname(path), open), path, offset: doc.offsetAt(position) };
  };
  connection.onHover((p) => {
    const doc = documents.get(p.textDocument.uri);
    const a = at(p.textDocument.uri, p.position);
    if (!doc || !a) return null;
    const column = columnAt(a.project, a.path, a.offset);
    const md = column
      ? columnHover(column)
      : hoverAt(pathOf(doc.uri), doc.getText(), doc.offsetAt(p.position));
    return md ? { contents: { kind: MarkupKind.Markdown, value: md } } : null;
  });
  connection.onCompletion((p) => {
    const doc = documents.get(p.textDocument.uri);
    const a = at(p.textDocument.uri, p.position);
    if (!doc || !a) return [];
    const text = doc.getText();
    // the columns the block can read, in the form a spec writes them (backticks where needed); inside
    // an open backtick only they fit, and they replace it from the backtick on
    const quoted = quotedNameAt(text, a.offset);
    const columns = columnsVisibleAt(a.project, a.path, a.offset).map((c) => ({
      label: nameText(c.column),
      kind: CompletionItemKind.Field,
      detail: `column of ${c.block}`,
      documentation: { kind: MarkupKind.Markdown, value: columnHover(c) },
      ...(quoted
        ? {
            filterText: "`" + c.column,
            textEdit: {
              range: { start: doc.positionAt(quoted.start), end: p.position },
              newText: nameText(c.column),
            },
          }
        : {}),
    }));
    if (quoted) return columns;
    return [
      ...columns,
      ...completionsAt(pathOf(doc.uri), text, a.offset, {
        // other blocks a reference may name; the columns are offered above, quoted where needed
        blocks: namesInScope(a.project, a.path, a.offset).blocks,
        columns: [],
      }).map((c) => ({
        label: c.label,
        kind: COMPLETION_KIND[c.kind],
        detail: c.detail,
        documentation: { kind: MarkupKind.Markdown, value: c.doc },
      })),
    ];
  });
  connection.onDefinition((p) => {
    const a = at(p.textDocument.uri, p.position);
    const span = a && definitionAt(a.project, a.path, a.offset);
    return span ? locationOf(span) : null;
  });
  connection.onReferences((p) => {
    const a = at(p.textDocument.uri, p.position);
    return a ? referencesAt(a.project, a.path, a.offset, p.context.includeDeclaration).map(locationOf) : [];
  });
  connection.onRenameRequest((p) => {
    const a = at(p.textDocument.uri, p.position);
    if (!a) return null;
    const r = renameAt(a.project, a.path, a.offset, p.newName);
    if (!r.ok) throw new ResponseError(ErrorCodes.InvalidParams, r.message);
    const changes: Record<string, { range: ReturnType<typeof rangeOf>; newText: string }[]> = {};
    for (const e of r.edits)
      (changes[pathToFileURL(e.span.file).href] ??= []).push({ range: rangeOf(e.span), newText: e.text });
    return { changes };
  });
  connection.onDocumentFormatting((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return [];
    // a file that does not parse comes back unchanged (its diagnostics say why): no edit
    const formatted = formatText(pathOf(doc.uri), doc.getText());
    if (formatted.value === doc.getText()) return [];
    return [
      {
        range: { start: { line: 0, character: 0 }, end: doc.positionAt(doc.getText().length) },
        newText: formatted.value,
      },
    ];
  });
  documents.listen(connection);
  connection.listen();
  return connection;
}
