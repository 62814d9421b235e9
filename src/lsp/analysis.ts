// What the language server knows about a project, independent of the protocol: the compiler's
// diagnostics over the editor's unsaved texts, hover docs and completions from the schemas.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Block, BodyItem, Project, SpecFile } from "../compiler/ast.js";
import { allBuiltins } from "../compiler/builtins/index.js";
import { checkProject } from "../compiler/check.js";
import type { Diagnostic } from "../compiler/diagnostic.js";
import { parseFile } from "../compiler/parse.js";
import { allBlockKinds, blockKind, typeToString, type BodySchema } from "../compiler/schema/index.js";
import type { namesInScope } from "./symbols.js";

/** Every .mlspec file of `dir` (absolute paths), with the editor's unsaved text where it has one. */
function projectTexts(dir: string, open: ReadonlyMap<string, string>): Map<string, string> {
  const texts = new Map<string, string>();
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith(".mlspec"))
    .sort())
    texts.set(join(dir, name), open.get(join(dir, name)) ?? readFileSync(join(dir, name), "utf8"));
  for (const [path, text] of open)
    if (path.startsWith(join(dir, "/")) && !texts.has(path)) texts.set(path, text);
  return texts;
}

/** The project's files parsed (by recovery where they have syntax errors), with the editor's unsaved texts. */
export function parsedProject(dir: string, open: ReadonlyMap<string, string>): Project {
  return { dir, files: [...projectTexts(dir, open)].map(([path, text]) => parseFile(path, text).value) };
}

/** The compiler's diagnostics (syntax and semantic) for every file of the project, by path. */
export function projectDiagnostics(
  dir: string,
  open: ReadonlyMap<string, string>,
): Map<string, Diagnostic[]> {
  const out = new Map<string, Diagnostic[]>();
  const files: SpecFile[] = [];
  for (const [path, text] of projectTexts(dir, open)) {
    const parsed = parseFile(path, text);
    files.push(parsed.value);
    out.set(path, [...parsed.diagnostics]);
  }
  const project: Project = { dir, files };
  const syntaxErrors = [...out.values()].some((ds) => ds.some((d) => d.severity === "error"));
  for (const d of checkProject(project).diagnostics) {
    // A file with syntax errors was parsed by recovery: its semantic diagnostics would only echo them.
    if (syntaxErrors && out.get(d.span.file)?.some((s) => s.severity === "error")) continue;
    out.get(d.span.file)?.push(d);
  }
  return out;
}

const inside = (offset: number, s: { start: { offset: number }; end: { offset: number } }) =>
  offset >= s.start.offset && offset <= s.end.offset;

/** The chain of blocks around `offset`: the top-level block first, the innermost nested block last. */
function blocksAt(file: SpecFile, offset: number): Block[] {
  const chain: Block[] = [];
  let items: readonly (Block | BodyItem)[] = file.blocks;
  for (;;) {
    const b = items.find((i): i is Block => i.type === "block" && inside(offset, i.span));
    if (!b) return chain;
    chain.push(b);
    items = b.body;
  }
}

/** The schema of the innermost block of a chain (a kind, or a nested block of it). */
function schemaOf(chain: readonly Block[]): BodySchema | undefined {
  const [top, ...nested] = chain;
  let schema: BodySchema | undefined = top ? blockKind(top.kind) : undefined;
  for (const b of nested) schema = schema?.nested.find((n) => n.kind === b.kind);
  return schema;
}

function wordAt(text: string, offset: number): { word: string; start: number } | undefined {
  let s = offset;
  while (s > 0 && /[A-Za-z0-9_]/.test(text[s - 1]!)) s--;
  let e = offset;
  while (e < text.length && /[A-Za-z0-9_]/.test(text[e]!)) e++;
  const word = text.slice(s, e);
  return /^[A-Za-z_]/.test(word) ? { word, start: s } : undefined;
}

/**
 * The backtick-quoted name around `offset` (`` `Monthly Charges` ``, or one still being typed, open to
 * the end of the line): its name and the offset of its opening backtick.
 */
export function quotedNameAt(text: string, offset: number): { name: string; start: number } | undefined {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  let lineEnd = text.indexOf("\n", offset);
  if (lineEnd < 0) lineEnd = text.length;
  const line = text.slice(lineStart, lineEnd);
  const ticks: number[] = [];
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"' && line[i - 1] !== "\\") inString = !inString;
    else if (line[i] === "#" && !inString && ticks.length % 2 === 0) break;
    else if (line[i] === "`" && !inString) ticks.push(lineStart + i);
  }
  for (let i = 0; i < ticks.length; i += 2) {
    const open = ticks[i]!;
    const close = ticks[i + 1];
    if (offset > open && (close === undefined || offset <= close))
      return { name: text.slice(open + 1, close ?? offset), start: open };
  }
  return undefined;
}

/** Hover text (Markdown) for the word at `offset`: an attribute, a block kind or a built-in. */
export function hoverAt(path: string, text: string, offset: number): string | undefined {
  // a word inside a column's quoted name (`model score`) is no keyword, built-in or block kind
  if (quotedNameAt(text, offset)) return undefined;
  const w = wordAt(text, offset);
  if (!w) return undefined;
  const file = parseFile(path, text).value;
  const chain = blocksAt(file, offset);
  const innermost = chain[chain.length - 1];
  if (innermost && inside(w.start, innermost.kindSpan) && w.word === innermost.kind) {
    const outer = schemaOf(chain.slice(0, -1));
    const nested = chain.length > 1 ? outer?.nested.find((n) => n.kind === w.word) : undefined;
    const doc = nested?.doc ?? (chain.length === 1 ? blockKind(w.word)?.doc : undefined);
    if (doc) return `**${w.word}** block\n\n${doc}`;
  }
  const attr = schemaOf(chain)?.attributes.find((a) => a.name === w.word);
  const item = innermost?.body.find((i) => i.type === "attribute" && inside(w.start, i.nameSpan));
  if (attr && item)
    return `**${attr.name}**: \`${typeToString(attr.type)}\`${attr.required ? " (required)" : ""}\n\n${attr.doc}`;
  const builtins = allBuiltins().filter((b) => b.name === w.word);
  if (builtins.length)
    return builtins
      .map((b) =>
        b.family === "metric"
          ? `**${b.name}** metric (${b.direction})\n\n${b.doc}`
          : `**${b.name}**(${b.params.map((p) => p.name).join(", ")}) — ${b.family}\n\n${b.doc}`,
      )
      .join("\n\n---\n\n");
  const kind = blockKind(w.word);
  return kind ? `**${kind.kind}** block\n\n${kind.doc}` : undefined;
}

export interface Completion {
  label: string;
  kind: "block" | "attribute" | "builtin" | "reference" | "column";
  detail: string;
  doc: string;
}

/**
 * What may be written at `offset`: block kinds at the top level; attributes, nested blocks and
 * built-ins inside a block, and with `scope` (the project's names there) the other blocks and the
 * columns the block sees.
 */
export function completionsAt(
  path: string,
  text: string,
  offset: number,
  scope?: ReturnType<typeof namesInScope>,
): Completion[] {
  const chain = blocksAt(parseFile(path, text).value, offset);
  if (!chain.length)
    return allBlockKinds().map((k) => ({ label: k.kind, kind: "block", detail: "block", doc: k.doc }));
  const schema = schemaOf(chain);
  const out: Completion[] = [];
  for (const a of schema?.attributes ?? [])
    out.push({ label: a.name, kind: "attribute", detail: typeToString(a.type), doc: a.doc });
  for (const n of schema?.nested ?? [])
    out.push({ label: n.kind, kind: "block", detail: "nested block", doc: n.doc });
  for (const b of allBuiltins()) out.push({ label: b.name, kind: "builtin", detail: b.family, doc: b.doc });
  for (const b of scope?.blocks ?? [])
    out.push({
      label: b.name,
      kind: "reference",
      detail: `${b.kind} block`,
      doc: `the ${b.kind} block \`${b.name}\``,
    });
  for (const c of scope?.columns ?? [])
    out.push({
      label: c.name,
      kind: "column",
      detail: `column of ${c.block}`,
      doc: `column \`${c.name}\` of \`${c.block}\``,
    });
  return out;
}
