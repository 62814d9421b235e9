// Names in a project, for the language server's go-to-definition, find-references and rename:
// which block or column a reference at a position names, where that is declared, and every
// place that names it. Blocks are top-level `kind name { … }`; columns are declared by a source's
// `schema { col = type }` or a computed table's own attributes (features), and a bare name or the
// second part of `table.col` resolves through the enclosing block's input chain (`from`, `data`),
// as the checker resolves it.
import type { Attribute, Block, BodyItem, Expr, Project } from "../compiler/ast.js";
import { forEachChild } from "../compiler/ast.js";
import { blockKind } from "../compiler/schema/index.js";
import { nameText } from "../compiler/lexer.js";
import type { Span } from "../ir/span.js";

/** What a name stands for: a top-level block, or a column of a table block. */
export type SymbolId = { kind: "block"; block: string } | { kind: "column"; block: string; column: string };

export interface Occurrence {
  symbol: SymbolId;
  /** The span of the name itself (one segment of a dotted path, or a declaration's name). */
  span: Span;
  declaration: boolean;
}

const sameSymbol = (a: SymbolId, b: SymbolId): boolean =>
  a.kind === b.kind && a.block === b.block && (a.kind === "block" || a.column === (b as typeof a).column);

const inside = (offset: number, s: Span) => offset >= s.start.offset && offset <= s.end.offset;

/** The project's blocks by name, and the resolution of names against them. */
class Names {
  readonly blocks = new Map<string, Block>();

  constructor(project: Project) {
    for (const f of project.files)
      for (const b of f.blocks)
        if (b.name !== undefined && !this.blocks.has(b.name)) this.blocks.set(b.name, b);
  }

  /** The block a block's input attribute (`from`, `data`) names, if any. */
  upstream(b: Block): Block | undefined {
    const attr = blockKind(b.kind)?.input?.attribute;
    const item = attr ? attributeOf(b, attr) : undefined;
    return item?.value.type === "ref" ? this.blocks.get(item.value.path[0]!) : undefined;
  }

  /** The attribute declaring column `column` in `b` itself (a schema entry or an own feature). */
  ownColumn(b: Block, column: string, except?: Attribute): Attribute | undefined {
    const schema = blockKind(b.kind);
    if (schema?.table === "declared") {
      const s = b.body.find((i): i is Block => i.type === "block" && i.kind === "schema");
      return s ? attributeOf(s, column) : undefined;
    }
    if (schema?.table !== "computed" || schema.attributes.some((a) => a.name === column)) return undefined;
    const a = attributeOf(b, column);
    return a && a !== except ? a : undefined;
  }

  /** The block (itself or up its input chain) that declares `column`, as seen from `b`. */
  columnOwner(b: Block, column: string, except?: Attribute): Block | undefined {
    const seen = new Set<Block>();
    for (let cur: Block | undefined = b; cur && !seen.has(cur); cur = this.upstream(cur)) {
      seen.add(cur);
      if (this.ownColumn(cur, column, cur === b ? except : undefined)) return cur;
    }
    return undefined;
  }
}

function attributeOf(b: Block, name: string): Attribute | undefined {
  return b.body.find((i): i is Attribute => i.type === "attribute" && i.name === name);
}

/** Every expression of a block body with the attribute it belongs to (nested blocks included). */
function* expressions(
  items: readonly BodyItem[],
  owner?: Attribute,
): Generator<[Expr, Attribute | undefined]> {
  for (const i of items) {
    if (i.type === "attribute") yield [i.value, owner ?? i];
    else if (i.type === "assertion") yield [i.expr, owner];
    else yield* expressions(i.body, owner);
  }
}

/** Each reference expression under `e` (iteratively: expressions may be deep). */
function refsIn(e: Expr): Extract<Expr, { type: "ref" }>[] {
  const out: Extract<Expr, { type: "ref" }>[] = [];
  const stack: Expr[] = [e];
  while (stack.length) {
    const x = stack.pop()!;
    if (x.type === "ref") out.push(x);
    else forEachChild(x, (c) => stack.push(c));
  }
  return out;
}

/** Every declaration and reference of a block or column in the project. */
export function occurrences(project: Project): Occurrence[] {
  const names = new Names(project);
  const out: Occurrence[] = [];
  for (const f of project.files)
    for (const b of f.blocks) {
      if (b.name === undefined || !b.nameSpan) continue;
      out.push({ symbol: { kind: "block", block: b.name }, span: b.nameSpan, declaration: true });
      const schema = blockKind(b.kind);
      if (schema?.table === "declared") {
        const s = b.body.find((i): i is Block => i.type === "block" && i.kind === "schema");
        for (const a of s?.body ?? [])
          if (a.type === "attribute")
            out.push({
              symbol: { kind: "column", block: b.name, column: a.name },
              span: a.nameSpan,
              declaration: true,
            });
      } else if (schema?.table === "computed") {
        for (const a of b.body)
          if (a.type === "attribute" && !schema.attributes.some((s) => s.name === a.name))
            out.push({
              symbol: { kind: "column", block: b.name, column: a.name },
              span: a.nameSpan,
              declaration: true,
            });
      }
      for (const [e, attr] of expressions(b.body))
        for (const r of refsIn(e)) {
          const head = names.blocks.get(r.path[0]!);
          if (head) {
            out.push({
              symbol: { kind: "block", block: head.name! },
              span: r.pathSpans[0]!,
              declaration: false,
            });
            const col = r.path[1];
            if (col !== undefined && !r.star) {
              const owner = names.columnOwner(head, col);
              if (owner)
                out.push({
                  symbol: { kind: "column", block: owner.name!, column: col },
                  span: r.pathSpans[1]!,
                  declaration: false,
                });
            }
          } else if (r.path.length === 1 && !r.star) {
            const owner = names.columnOwner(b, r.path[0]!, attr);
            if (owner)
              out.push({
                symbol: { kind: "column", block: owner.name!, column: r.path[0]! },
                span: r.pathSpans[0]!,
                declaration: false,
              });
          }
        }
    }
  return out;
}

/** The symbol named at `offset` of `file`, if a declaration or a reference is there. */
export function symbolAt(project: Project, file: string, offset: number): Occurrence | undefined {
  return occurrences(project).find((o) => o.span.file === file && inside(offset, o.span));
}

/** Where the symbol at the position is declared. */
export function definitionAt(project: Project, file: string, offset: number): Span | undefined {
  const at = symbolAt(project, file, offset);
  if (!at) return undefined;
  return occurrences(project).find((o) => o.declaration && sameSymbol(o.symbol, at.symbol))?.span;
}

/** Every occurrence of the symbol at the position (its declaration first when asked for). */
export function referencesAt(
  project: Project,
  file: string,
  offset: number,
  includeDeclaration: boolean,
): Span[] {
  const all = occurrences(project);
  const at = all.find((o) => o.span.file === file && inside(offset, o.span));
  if (!at) return [];
  const same = all.filter((o) => sameSymbol(o.symbol, at.symbol) && (includeDeclaration || !o.declaration));
  return [...same.filter((o) => o.declaration), ...same.filter((o) => !o.declaration)].map((o) => o.span);
}

export type RenameResult =
  { ok: true; edits: { span: Span; text: string }[] } | { ok: false; message: string };

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** What backticks may enclose: anything on one line but a backtick. */
const QUOTABLE = /^[^`\n\r]+$/;

/**
 * The edits that rename the block or column at the position to `newName` everywhere. A column may
 * take any name (given bare or in backticks); it is written in backticks where it is no identifier.
 * A block's name stays an identifier.
 */
export function renameAt(project: Project, file: string, offset: number, rawName: string): RenameResult {
  const all = occurrences(project);
  const at = all.find((o) => o.span.file === file && inside(offset, o.span));
  if (!at) return { ok: false, message: "no block or column name here" };
  const quoted = /^`[^`]*`$/.test(rawName);
  const newName = quoted ? rawName.slice(1, -1) : rawName;
  const valid =
    at.symbol.kind === "column"
      ? QUOTABLE.test(newName) && (quoted || !newName.includes("`"))
      : IDENT.test(newName);
  if (!valid)
    return {
      ok: false,
      message:
        at.symbol.kind === "block"
          ? `'${rawName}' is not a valid name (a block's name is an identifier)`
          : `'${rawName}' is not a valid name`,
    };
  const names = new Names(project);
  if (at.symbol.kind === "block" && names.blocks.has(newName) && newName !== at.symbol.block)
    return { ok: false, message: `a block named '${newName}' exists already` };
  if (at.symbol.kind === "column") {
    const owner = names.blocks.get(at.symbol.block);
    if (owner && names.ownColumn(owner, newName))
      return { ok: false, message: `${at.symbol.block} already has a column '${newName}'` };
  }
  if (!all.some((o) => o.declaration && sameSymbol(o.symbol, at.symbol)))
    return { ok: false, message: "this name is not declared in the project" };
  return {
    ok: true,
    edits: all
      .filter((o) => sameSymbol(o.symbol, at.symbol))
      .map((o) => ({ span: o.span, text: nameText(newName) })),
  };
}

/**
 * The names a reference may use at `offset` of `file`: every other top-level block, and the columns
 * the enclosing block sees through its input chain (a source's schema, a features block's own
 * features), nearest first. Empty outside a block.
 */
export function namesInScope(
  project: Project,
  file: string,
  offset: number,
): { blocks: { name: string; kind: string }[]; columns: { name: string; block: string }[] } {
  const f = project.files.find((x) => x.path === file);
  const here = f?.blocks.find((b) => inside(offset, b.span));
  if (!here) return { blocks: [], columns: [] };
  const names = new Names(project);
  const blocks = [...names.blocks.values()]
    .filter((b) => b !== here)
    .map((b) => ({ name: b.name!, kind: b.kind }));
  const columns: { name: string; block: string }[] = [];
  const taken = new Set<string>();
  const seen = new Set<Block>();
  for (let cur: Block | undefined = here; cur && !seen.has(cur); cur = names.upstream(cur)) {
    seen.add(cur);
    const schema = blockKind(cur.kind);
    const declared =
      schema?.table === "declared"
        ? (cur.body.find((i): i is Block => i.type === "block" && i.kind === "schema")?.body ?? [])
        : schema?.table === "computed"
          ? cur.body.filter(
              (i) => !(i.type === "attribute" && schema.attributes.some((a) => a.name === i.name)),
            )
          : [];
    for (const i of declared)
      if (i.type === "attribute" && !taken.has(i.name)) {
        taken.add(i.name);
        columns.push({ name: i.name, block: cur.name ?? cur.kind });
      }
  }
  return { blocks, columns };
}

/** A column the block around a position can read, with the block declaring it. */
export interface VisibleColumn {
  column: string;
  block: string;
  /** Its declaration: a schema entry (`name = type`) or a computed block's attribute. */
  declaration: Attribute;
}

/**
 * The columns an expression at `offset` of `file` can name: those of the enclosing block's input
 * chain, and the block's own features declared above the position.
 */
export function columnsVisibleAt(project: Project, file: string, offset: number): VisibleColumn[] {
  const names = new Names(project);
  const top = project.files
    .find((f) => f.path === file)
    ?.blocks.find((b) => b.span.start.offset <= offset && offset <= b.span.end.offset);
  if (!top) return [];
  const out: VisibleColumn[] = [];
  const seen = new Set<string>();
  const add = (b: Block, a: Attribute) => {
    if (seen.has(a.name) || b.name === undefined) return;
    seen.add(a.name);
    out.push({ column: a.name, block: b.name, declaration: a });
  };
  const visited = new Set<Block>();
  for (let cur: Block | undefined = top; cur && !visited.has(cur); cur = names.upstream(cur)) {
    visited.add(cur);
    const kind = blockKind(cur.kind);
    if (kind?.table === "declared") {
      const schema = cur.body.find((i): i is Block => i.type === "block" && i.kind === "schema");
      for (const a of schema?.body ?? []) if (a.type === "attribute") add(cur, a);
    } else if (kind?.table === "computed")
      for (const a of cur.body)
        if (
          a.type === "attribute" &&
          !kind.attributes.some((k) => k.name === a.name) &&
          (cur !== top || a.span.end.offset < offset)
        )
          add(cur, a);
  }
  return out;
}

/** The column named at the position, with its declaration, if a column reference or declaration is there. */
export function columnAt(project: Project, file: string, offset: number): VisibleColumn | undefined {
  const at = symbolAt(project, file, offset);
  if (at?.symbol.kind !== "column") return undefined;
  const { block, column } = at.symbol;
  const b = new Names(project).blocks.get(block);
  const kind = b ? blockKind(b.kind) : undefined;
  const schema =
    kind?.table === "declared"
      ? b?.body.find((i): i is Block => i.type === "block" && i.kind === "schema")
      : b;
  const declaration = schema && attributeOf(schema, column);
  return declaration ? { column, block, declaration } : undefined;
}
