// The checker's knowledge of the project while it runs: symbols, the columns each block provides,
// feature types, and the lineage of columns back to sources. Memoised; cycles yield "unknown".
import { type Attribute, type Block, type Expr, type Project, forEachChild } from "../ast.js";
import { COLUMN_TYPES } from "../builtins/sources.js";
import { lookupBuiltin } from "../builtins/registry.js";
import type { Symbols } from "../resolve.js";
import { blockKind, tableRole } from "../schema/registry.js";
import type { ExprType, ValueType } from "../schema/types.js";
import type { Span } from "../../ir/span.js";
import { bindArgs } from "./bind.js";
import { discard } from "./sink.js";
import { readJoins, type JoinInfo } from "./joins.js";
import { checkExpr, featureEnv } from "./typing.js";
import { leftChain } from "../binary-chain.js";

export interface ColumnInfo {
  name: string;
  type: () => ExprType;
  /** The block that defines the column: a source, or the features block that computes it. */
  origin: string;
  /** Its name in `origin` when that differs from `name` (a column joined in under a prefix). */
  member?: string;
  span?: Span;
}

export interface ColumnEnv {
  /** The block whose table this is. */
  block: string;
  known: ReadonlyMap<string, ColumnInfo>;
  /** When the columns are not all known (no declared schema), the block unknown names come from. */
  open?: string;
}

const COLUMN_EXPR_TYPE: Record<(typeof COLUMN_TYPES)[number], ExprType> = {
  int: "number",
  float: "number",
  bool: "bool",
  string: "string",
  category: "string",
  timestamp: "timestamp",
};

export const attributeOf = (b: Block, name: string): Attribute | undefined =>
  b.body.find((i): i is Attribute => i.type === "attribute" && i.name === name);

/** The block name of a plain reference `name` (no members, no star). */
export const plainRef = (e: Expr | undefined): string | undefined =>
  e?.type === "ref" && e.path.length === 1 && !e.star ? e.path[0] : undefined;

/** The nested blocks of a kind (`join`, `schema`) of a block, in source order. */
export const nestedAll = (b: Block, kind: string): Block[] =>
  b.body.filter((i): i is Block => i.type === "block" && i.kind === kind);

/** The first nested block of a kind. */
export const nestedOf = (b: Block, kind: string): Block | undefined => nestedAll(b, kind)[0];

/** Whether a parameter type takes per-row expressions or columns (so its references are columns). */
function takesColumns(ty: ValueType): boolean {
  switch (ty.kind) {
    case "expr":
    case "column":
      return true;
    case "union":
      return ty.of.some(takesColumns);
    default:
      return false;
  }
}

export class CheckState {
  private readonly columnMemo = new Map<string, ColumnEnv>();
  private readonly columnBusy = new Set<string>();
  private readonly featureTypeMemo = new Map<string, ExprType>();
  private readonly featureBusy = new Set<string>();
  private readonly lineageMemo = new PairMap<ReadonlySet<string>>();
  private readonly builtinMemo = new PairMap<ReadonlySet<string>>();

  private readonly byKind = new Map<string, Block[]>();
  private readonly ownFeatureMemo = new Map<string, Map<string, Attribute>>();
  private readonly joinMemo = new Map<string, readonly JoinInfo[]>();
  private readonly inputColumnMemo = new Map<string, ColumnEnv>();
  /** Folder listings read during this check (sources in one folder share one read). */
  readonly folderListings = new Map<string, readonly string[] | undefined>();
  /** Whether each folder looked at during this check exists (the folders of data files). */
  readonly folderExists = new Map<string, boolean>();

  constructor(
    readonly project: Project,
    readonly symbols: Symbols,
  ) {
    for (const b of symbols.blocks) {
      const list = this.byKind.get(b.kind);
      if (list) list.push(b);
      else this.byKind.set(b.kind, [b]);
    }
  }

  /** Top-level blocks of a kind, in source order. */
  blocksOfKind(kind: string): readonly Block[] {
    return this.byKind.get(kind) ?? [];
  }

  block(name: string): Block | undefined {
    return this.symbols.byName.get(name);
  }

  /** The block named by this block's input attribute (`from`, `data`), when it exists. */
  inputOf(name: string): string | undefined {
    const b = this.block(name);
    const attr = b && blockKind(b.kind)?.input?.attribute;
    const target = attr ? plainRef(attributeOf(b, attr)?.value) : undefined;
    return target !== undefined && this.block(target) ? target : undefined;
  }

  inInputChain(block: string, ancestor: string): boolean {
    const seen = new Set<string>();
    for (let cur: string | undefined = block; cur !== undefined && !seen.has(cur); cur = this.inputOf(cur)) {
      if (cur === ancestor) return true;
      seen.add(cur);
    }
    return false;
  }

  /** The features of a features block: its attributes that are not settings, first definition wins. */
  ownFeatures(name: string): ReadonlyMap<string, Attribute> {
    const memo = this.ownFeatureMemo.get(name);
    if (memo) return memo;
    const b = this.block(name);
    const out = new Map<string, Attribute>();
    this.ownFeatureMemo.set(name, out);
    if (!b || tableRole(b.kind) !== "computed") return out;
    const settings = new Set(blockKind(b.kind)!.attributes.map((a) => a.name));
    for (const item of b.body) {
      if (item.type === "attribute" && !settings.has(item.name) && !out.has(item.name))
        out.set(item.name, item);
    }
    for (const [column, attr] of this.passthroughFeatures(name)) if (!out.has(column)) out.set(column, attr);
    return out;
  }

  /**
   * The features `passthrough = all` adds to a features block: one `column = column` per column of
   * its input (not the joined ones), less those in `except`, each placed at the `passthrough`
   * attribute. A feature written out in the block wins over the passthrough one of the same name.
   * Empty when the input's columns are not known (no schema: reported by the checker).
   */
  passthroughFeatures(name: string): ReadonlyMap<string, Attribute> {
    const out = new Map<string, Attribute>();
    const b = this.block(name);
    const pass = b && tableRole(b.kind) === "computed" ? attributeOf(b, "passthrough") : undefined;
    const input = this.inputOf(name);
    if (!pass || plainRef(pass.value) !== "all" || input === undefined) return out;
    const cols = this.columnsOf(input);
    if (cols.open !== undefined) return out;
    const except = attributeOf(b!, "except")?.value;
    const skip = new Set(
      except?.type === "list"
        ? except.items.flatMap((e) => (e.type === "ref" ? [e.path[e.path.length - 1]!] : []))
        : [],
    );
    const span = pass.nameSpan;
    const settings = new Set(blockKind(b!.kind)!.attributes.map((a) => a.name));
    for (const column of cols.known.keys()) {
      if (skip.has(column) || settings.has(column)) continue;
      const value: Expr = { type: "ref", path: [column], pathSpans: [span], star: false, span };
      out.set(column, { type: "attribute", name: column, nameSpan: span, value, span: pass.span });
    }
    return out;
  }

  columnsOf(name: string): ColumnEnv {
    const memo = this.columnMemo.get(name);
    if (memo) return memo;
    const b = this.block(name);
    if (!b || this.columnBusy.has(name)) return { block: name, known: new Map(), open: name };
    this.columnBusy.add(name);
    let env: ColumnEnv;
    switch (tableRole(b.kind)) {
      case "declared":
        env = this.sourceColumns(b, name);
        break;
      case "computed": {
        const base = this.inputColumnsOf(name);
        const known = new Map(base.known);
        for (const [f, attr] of this.ownFeatures(name)) {
          known.set(f, { name: f, origin: name, span: attr.nameSpan, type: () => this.featureType(name, f) });
        }
        env = base.open !== undefined ? { block: name, known, open: base.open } : { block: name, known };
        break;
      }
      case "partitioned": {
        const input = this.inputOf(name);
        env =
          input !== undefined
            ? { ...this.columnsOf(input), block: name }
            : { block: name, known: new Map(), open: name };
        break;
      }
      default:
        env = { block: name, known: new Map() };
    }
    this.columnBusy.delete(name);
    this.columnMemo.set(name, env);
    return env;
  }

  /** The point-in-time joins of a features block, resolved against the joined tables. */
  joinsOf(name: string): readonly JoinInfo[] {
    const memo = this.joinMemo.get(name);
    if (memo) return memo;
    this.joinMemo.set(name, []); // cycle guard: a table joined into itself through others
    const joins = readJoins(this, name);
    this.joinMemo.set(name, joins);
    return joins;
  }

  /**
   * The columns a block's own expressions read: its input's, and for a features block also the
   * columns its joins bring in (the input's win a clash, which the checker reports).
   */
  inputColumnsOf(name: string): ColumnEnv {
    const memo = this.inputColumnMemo.get(name);
    if (memo) return memo;
    const input = this.inputOf(name);
    const base: ColumnEnv =
      input !== undefined ? this.columnsOf(input) : { block: name, known: new Map(), open: name };
    const joins = this.joinsOf(name);
    if (!joins.length) return base;
    const known = new Map(base.known);
    let open = base.open;
    for (const j of joins) {
      if (j.open) open ??= j.table ?? base.block;
      for (const c of j.columns) {
        if (!known.has(c.name))
          known.set(c.name, {
            name: c.name,
            origin: c.info.origin,
            member: c.info.member ?? c.column,
            type: c.info.type,
            ...(c.info.span ? { span: c.info.span } : {}),
          });
      }
    }
    const env: ColumnEnv =
      open !== undefined ? { block: base.block, known, open } : { block: base.block, known };
    this.inputColumnMemo.set(name, env);
    return env;
  }

  /** A column joined into features block `block` under `name`: the joined table and its column there. */
  joinedColumn(block: string, name: string): { table: string; column: string } | undefined {
    for (const j of this.joinsOf(block)) {
      const c = j.columns.find((x) => x.name === name);
      if (c && j.table !== undefined) return { table: j.table, column: c.column };
    }
    return undefined;
  }

  /** A column setting (`key`, `timestamp`) of a block, or the nearest one along its inputs. */
  chainColumn(name: string, attr: "key" | "timestamp"): { column: string; block: string } | undefined {
    const seen = new Set<string>();
    for (let cur: string | undefined = name; cur !== undefined && !seen.has(cur); cur = this.inputOf(cur)) {
      seen.add(cur);
      const b = this.block(cur);
      const column = b ? plainRef(attributeOf(b, attr)?.value) : undefined;
      if (column !== undefined) return { column, block: cur };
    }
    return undefined;
  }

  private sourceColumns(b: Block, name: string): ColumnEnv {
    const schema = nestedOf(b, "schema");
    if (!schema) return { block: name, known: new Map(), open: name };
    const known = new Map<string, ColumnInfo>();
    for (const item of schema.body) {
      if (item.type !== "attribute" || known.has(item.name)) continue;
      const v = item.value;
      const typeName =
        v.type === "ref"
          ? v.path[0]
          : v.type === "call" && v.callee === "nullable"
            ? plainRef(v.args[0])
            : undefined;
      const ty: ExprType =
        typeName !== undefined && typeName in COLUMN_EXPR_TYPE
          ? COLUMN_EXPR_TYPE[typeName as keyof typeof COLUMN_EXPR_TYPE]
          : "any";
      known.set(item.name, { name: item.name, origin: name, span: item.nameSpan, type: () => ty });
    }
    return { block: name, known };
  }

  featureType(block: string, feature: string): ExprType {
    const key = `${block}.${feature}`;
    const memo = this.featureTypeMemo.get(key);
    if (memo) return memo;
    const attr = this.ownFeatures(block).get(feature);
    if (!attr || this.featureBusy.has(key)) return "any";
    this.featureBusy.add(key);
    const ty = checkExpr(attr.value, featureEnv(this, block, feature, discard(), feature));
    this.featureBusy.delete(key);
    this.featureTypeMemo.set(key, ty);
    return ty;
  }

  /**
   * Source columns (`source.column`) a column of `block` is computed from, row by row. Window
   * aggregations are not followed: they read only earlier rows ([t − over, t)), so a past value of
   * the label (a lag feature) is not leakage.
   */
  lineage(block: string, column: string): ReadonlySet<string> {
    return this.walkColumn(
      block,
      column,
      this.lineageMemo,
      (b, col) => (tableRole(b.kind) === "declared" ? [`${b.name}.${col}`] : []),
      () => [],
      new PairMap(),
      true,
    );
  }

  /** Transforms and windows called to compute a column of `block`, through other features. */
  builtinsUsed(block: string, column: string): ReadonlySet<string> {
    return this.walkColumn(
      block,
      column,
      this.builtinMemo,
      () => [],
      (callee) => [callee],
    );
  }

  /** A joined column of `block`, unless its input has a column of that name (which wins). */
  private joinedFrom(
    block: string,
    input: string | undefined,
    name: string,
  ): { table: string; column: string } | undefined {
    if (input !== undefined && this.columnsOf(input).known.has(name)) return undefined;
    return this.joinedColumn(block, name);
  }

  private walkColumn(
    block: string,
    column: string,
    memo: PairMap<ReadonlySet<string>>,
    atSource: (b: Block, column: string) => string[],
    atCall: (callee: string) => string[],
    visiting = new PairMap<true>(),
    skipWindows = false,
  ): ReadonlySet<string> {
    // keyed by (block, column) in two levels: a joined string key would be built and hashed per call
    const cached = memo.get(block, column);
    if (cached) return cached;
    const b = this.block(block);
    if (!b || visiting.get(block, column)) return new Set();
    visiting.set(block, column, true);
    const out = new Set<string>(atSource(b, column));
    const input = this.inputOf(block);
    const follow = (blk: string, col: string) => {
      for (const x of this.walkColumn(blk, col, memo, atSource, atCall, visiting, skipWindows)) out.add(x);
    };
    const role = tableRole(b.kind);
    const own = role === "computed" ? this.ownFeatures(block).get(column) : undefined;
    if (own) {
      const onRef = (path: string[]) => {
        if (path.length === 1) {
          const n = path[0]!;
          const joined = this.joinedFrom(block, input, n);
          if (n !== column && this.ownFeatures(block).has(n)) follow(block, n);
          else if (joined) follow(joined.table, joined.column);
          else if (input !== undefined) follow(input, n);
        } else if (path.length === 2) {
          follow(path[0]!, path[1]!);
        }
      };
      walkRowExpr(own.value, onRef, (callee) => atCall(callee).forEach((x) => out.add(x)), skipWindows);
    } else if (role === "computed" && this.joinedFrom(block, input, column)) {
      const joined = this.joinedFrom(block, input, column)!;
      follow(joined.table, joined.column);
    } else if ((role === "computed" || role === "partitioned") && input !== undefined) {
      follow(input, column);
    }
    visiting.delete(block, column);
    if (visiting.size === 0) memo.set(block, column, out);
    return out;
  }
}

/** A map keyed by a pair of strings (block, column). */
class PairMap<V> {
  private readonly outer = new Map<string, Map<string, V>>();
  size = 0;

  get(a: string, b: string): V | undefined {
    return this.outer.get(a)?.get(b);
  }

  set(a: string, b: string, v: V): void {
    let inner = this.outer.get(a);
    if (!inner) this.outer.set(a, (inner = new Map()));
    if (!inner.has(b)) this.size++;
    inner.set(b, v);
  }

  delete(a: string, b: string): void {
    if (this.outer.get(a)?.delete(b)) this.size--;
  }
}

/**
 * Visits the column references and built-in calls of a row expression, skipping arguments that
 * are not columns or expressions (`impute(x, method = mean)` does not name a column `mean`).
 */
export function walkRowExpr(
  e: Expr,
  onRef: (path: string[]) => void,
  onCall: (callee: string) => void,
  skipWindows = false,
): void {
  switch (e.type) {
    case "ref":
      if (!e.star) onRef(e.path);
      return;
    case "call": {
      onCall(e.callee);
      const spec = lookupBuiltin(e.callee, ["transform", "window"]);
      if (!spec || (skipWindows && spec.family === "window")) return;
      const { bound } = bindArgs(spec, e);
      for (const p of spec.params) {
        if (!takesColumns(p.type)) continue;
        for (const a of bound.get(p.name) ?? []) walkRowExpr(a, onRef, onCall, skipWindows);
      }
      return;
    }
    case "unary":
      walkRowExpr(e.operand, onRef, onCall, skipWindows);
      return;
    case "binary": {
      const { first, links } = leftChain(e);
      walkRowExpr(first, onRef, onCall, skipWindows);
      for (const link of links) walkRowExpr(link.right, onRef, onCall, skipWindows);
      return;
    }
    case "paren":
      walkRowExpr(e.inner, onRef, onCall, skipWindows);
      return;
    case "list":
      e.items.forEach((i) => walkRowExpr(i, onRef, onCall, skipWindows));
      return;
    default:
      forEachChild(e, (c) => walkRowExpr(c, onRef, onCall, skipWindows));
  }
}
