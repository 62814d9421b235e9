// Lowering: the checked project → the Graph IR, one node per top-level block (`${kind}.${name}`)
// with canonical config, inputs with the columns consumed, and column provenance. Pure.
import type { Block, Expr } from "./ast.js";
import type { CheckedBlock, CheckedProject } from "./checked.js";
import { exprToJson } from "./expr-to-json.js";
import type { ResolvedJoin } from "./checked.js";
import { joinConfig, joinReads } from "./lower-joins.js";
import { inheritedWindowTimestamp } from "./lower-window-time.js";
import { blockKind, isSettingsKind, tableRole } from "./schema/registry.js";
import {
  nodeIdOf,
  type ColumnOrigin,
  type Graph,
  type GraphNode,
  type Json,
  type NodeColumns,
  type NodeInput,
} from "../ir/graph-ir.js";
import { leftChain } from "./binary-chain.js";

/**
 * Config shape (what executors read, see also src/data/node-config.ts):
 *   { <attribute>: <expr json>, …,
 *     <nested kind>: [ { "$block": kind, "name"?: string, "attributes": {…},
 *                        "blocks": { <kind>: [ … ] }, "assertions": [ … ] } ],
 *     "assertions": [ <expr json> … ]      // only when the block has bare assertions }
 * Nested blocks are always lists (a kind may repeat). Spans, comments and layout are dropped.
 */
export type NestedBlockJson = {
  $block: string;
  name?: string;
  attributes: { [k: string]: Json };
  blocks: { [k: string]: Json[] };
  assertions: Json[];
};

/** The tables of the project as lowering sees them: blocks, inputs, columns, joins, features. */
export interface TableView {
  block(name: string): CheckedBlock | undefined;
  /** The block named by `b`'s input attribute (`from`, `data`), if any. */
  inputName(b: CheckedBlock): string | undefined;
  /** Every column of a table block, or "open" when a source upstream declares no schema. */
  columnsOf(name: string): Set<string> | "open";
  joins(b: CheckedBlock): readonly ResolvedJoin[];
  /** A table block's own features: its attributes that are not settings of its kind. */
  ownFeatures(b: CheckedBlock): Map<string, Expr>;
  /** A setting (`key`, `timestamp`) of a table block, or the nearest one along its inputs. */
  chainColumn(b: CheckedBlock, setting: "key" | "timestamp"): string | undefined;
}

/** A kind's own lowering: may expand one block into several nodes (`model.churn/trial.7`); must keep the main id. */
export type LoweringHook = (block: CheckedBlock, ctx: LoweringContext) => GraphNode[];

export interface LoweringContext {
  project: CheckedProject;
  tables: TableView;
  /** The node the default lowering makes for a block (hooks usually start from it). */
  defaultNode(block: CheckedBlock): GraphNode;
  /** The id of the main node of a block, by block name. */
  nodeId(blockName: string): string | undefined;
}

export function nestedBlockJson(b: Block): NestedBlockJson {
  const attributes: { [k: string]: Json } = {};
  const blocks: { [k: string]: Json[] } = {};
  const assertions: Json[] = [];
  for (const item of b.body) {
    if (item.type === "attribute") attributes[item.name] = exprToJson(item.value);
    else if (item.type === "assertion") assertions.push(exprToJson(item.expr));
    else (blocks[item.kind] ??= []).push(nestedBlockJson(item));
  }
  return {
    $block: b.kind,
    ...(b.name !== undefined ? { name: b.name } : {}),
    attributes,
    blocks,
    assertions,
  };
}

export function blockConfig(b: CheckedBlock): { [key: string]: Json } {
  const config: { [key: string]: Json } = {};
  const descriptive = descriptiveAttributes(b.kind);
  for (const [name, e] of b.attributes) if (!descriptive.has(name)) config[name] = exprToJson(e);
  for (const [kind, list] of b.nested) config[kind] = list.map(nestedBlockJson);
  if (b.assertions.length) config.assertions = b.assertions.map(exprToJson);
  return config;
}

/** The names of a kind's descriptive attributes (see AttributeSchema.descriptive). */
function descriptiveAttributes(kind: string): Set<string> {
  return new Set((blockKind(kind)?.attributes ?? []).filter((a) => a.descriptive).map((a) => a.name));
}

/** A block's descriptive attributes as the node's annotations; undefined when it has none. */
function blockAnnotations(b: CheckedBlock): { [key: string]: Json } | undefined {
  const descriptive = descriptiveAttributes(b.kind);
  const out: { [key: string]: Json } = {};
  for (const [name, e] of b.attributes) if (descriptive.has(name)) out[name] = exprToJson(e);
  return Object.keys(out).length ? out : undefined;
}

/** The main node id of every block. */
const mainId = (b: { kind: string; name: string }) => nodeIdOf(b.kind, b.name);

/** Refs in an expression: callees are names of built-ins, never refs. */
function refsOf(e: Expr, out: { path: string[]; star: boolean }[] = []): { path: string[]; star: boolean }[] {
  switch (e.type) {
    case "ref":
      out.push({ path: e.path, star: e.star });
      break;
    case "list":
      e.items.forEach((i) => refsOf(i, out));
      break;
    case "object":
      e.entries.forEach((en) => refsOf(en.value, out));
      break;
    case "call":
      e.args.forEach((a) => refsOf(a, out));
      e.named.forEach((n) => refsOf(n.value, out));
      break;
    case "unary":
      refsOf(e.operand, out);
      break;
    case "binary": {
      const { first, links } = leftChain(e);
      refsOf(first, out);
      for (const link of links) refsOf(link.right, out);
      break;
    }
    case "paren":
      refsOf(e.inner, out);
      break;
    default:
      break;
  }
  return out;
}

/** Column provenance: which blocks produce tables, and with which columns (as the checker found them). */
class Columns implements TableView {
  private readonly memo = new Map<string, Set<string> | "open">();
  constructor(private readonly project: CheckedProject) {}

  block(name: string): CheckedBlock | undefined {
    return this.project.byName.get(name);
  }

  /** The point-in-time joins of a block, resolved by the checker (empty for blocks without joins). */
  joins(b: CheckedBlock): readonly ResolvedJoin[] {
    return this.project.tables.get(b.name)?.joins ?? [];
  }

  /** A setting (`key`, `timestamp`) of a table block, or the nearest one along its inputs. */
  chainColumn(b: CheckedBlock, setting: "key" | "timestamp"): string | undefined {
    const facts = this.project.tables.get(b.name);
    return setting === "key" ? facts?.key : facts?.timestamp;
  }

  /** Joined column name → how the column is made (the join record, and the columns it reads). */
  joinedOrigins(b: CheckedBlock): Map<string, ColumnOrigin> {
    const out = new Map<string, ColumnOrigin>();
    const input = this.inputName(b);
    const inputId = input ? mainId(this.project.byName.get(input)!) : undefined;
    for (const j of this.joins(b)) {
      const reads = joinReads(j);
      const labelSide = [...new Set([...j.keys, ...(j.labelTime !== null ? [j.labelTime] : [])])].sort();
      for (const c of j.columns ?? []) {
        const inputs: NodeInput[] = [
          {
            node: j.node,
            columns:
              reads === "*" ? "*" : [...new Set([c, ...j.keys, ...(j.time !== null ? [j.time] : [])])].sort(),
          },
        ];
        if (inputId && labelSide.length) inputs.push({ node: inputId, columns: labelSide });
        out.set(j.prefix + c, { config: { join: joinConfig(j), column: c }, inputs: mergeInputs(inputs) });
      }
    }
    return out;
  }

  /** The settings (non-feature attributes) of a kind, from its schema. */
  settings(kind: string): Set<string> {
    return new Set(blockKind(kind)?.attributes.map((a) => a.name) ?? []);
  }

  inputName(b: CheckedBlock): string | undefined {
    const attr = blockKind(b.kind)?.input?.attribute;
    const e = attr ? b.attributes.get(attr) : undefined;
    return e?.type === "ref" && e.path.length === 1 && !e.star && this.project.byName.has(e.path[0]!)
      ? e.path[0]
      : undefined;
  }

  ownFeatures(b: CheckedBlock): Map<string, Expr> {
    const settings = this.settings(b.kind);
    const out = new Map<string, Expr>();
    for (const [n, e] of b.attributes) if (!settings.has(n)) out.set(n, e);
    return out;
  }

  schemaColumns(b: CheckedBlock): Map<string, Expr> | undefined {
    const schema = b.nested.get("schema")?.[0];
    if (!schema) return undefined;
    const out = new Map<string, Expr>();
    for (const item of schema.body) if (item.type === "attribute") out.set(item.name, item.value);
    return out;
  }

  /** Every column a table block's rows carry, or "open" when a source declares no schema. */
  columnsOf(name: string): Set<string> | "open" {
    let out = this.memo.get(name);
    if (!out) {
      const cols = this.project.tables.get(name)?.columns ?? "open";
      out = cols === "open" ? "open" : new Set(cols);
      this.memo.set(name, out);
    }
    return out;
  }

  /** Is bare `x` a column of table `name`? Unknown tables (no schema) might have any column. */
  hasColumn(name: string, x: string): boolean {
    const cols = this.columnsOf(name);
    return cols === "open" || cols.has(x);
  }
}

/** Inputs by node, sorted by id, their columns merged (`*` absorbs). */
export function mergeInputs(inputs: NodeInput[]): NodeInput[] {
  const by = new Map<string, NodeInput["columns"]>();
  for (const i of inputs) {
    const prev = by.get(i.node);
    by.set(
      i.node,
      prev === undefined
        ? i.columns
        : prev === "*" || i.columns === "*"
          ? "*"
          : [...new Set([...prev, ...i.columns])].sort(),
    );
  }
  return [...by.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([node, columns]) => ({ node, columns }));
}

function lowerDefault(
  b: CheckedBlock,
  project: CheckedProject,
  cols: Columns,
  projectSeed: Json | undefined,
  allowOutside = false,
): GraphNode {
  const config = blockConfig(b);
  const schema = blockKind(b.kind);
  // The project's seed is the default of every block that takes one: explicit in config, so it is fingerprinted.
  if (
    projectSeed !== undefined &&
    schema?.attributes.some((a) => a.name === "seed") &&
    config.seed === undefined
  )
    config.seed = projectSeed;
  // `allow_outside_paths = true` in the project block reaches the sources that read files (only when set, so other fingerprints stay put).
  if (allowOutside && schema?.readsFiles) config.allow_outside_paths = true;
  const inputs: NodeInput[] = [];
  for (const d of b.dependencies) {
    const target = project.byName.get(d.target);
    if (!target || target.name === b.name || isSettingsKind(target.kind)) continue;
    inputs.push({ node: mainId(target), columns: d.members === "*" ? "*" : [...d.members] });
  }
  // Window aggregations of a features block without a timestamp of its own use its source's (the documented default).
  const windowTime = inheritedWindowTimestamp(b, project.tables.get(b.name)?.timestamp);
  if (windowTime !== undefined) config.window_timestamp = windowTime;
  // A point-in-time join reads the joined table's brought-in columns, key and time; its config is the resolved join.
  const joins = cols.joins(b);
  if (joins.length) {
    config.join = joins.map(joinConfig);
    for (const j of joins) inputs.push({ node: j.node, columns: joinReads(j) });
  }
  // `usage.*` names the features of usage only (its own columns, not those it carries through).
  if (schema?.table === undefined) {
    for (const i of inputs) {
      const t = project.byName.get(i.node.slice(i.node.indexOf(".") + 1));
      if (
        i.columns === "*" &&
        t &&
        tableRole(t.kind) === "computed" &&
        schema?.input?.attribute !== undefined
      ) {
        const own = [...cols.ownFeatures(t).keys()];
        if (own.length) i.columns = own;
      }
    }
  }
  const node: GraphNode = {
    id: mainId(b),
    kind: b.kind,
    name: b.name,
    config,
    inputs: mergeInputs(inputs),
    span: b.ast.span,
  };
  const annotations = blockAnnotations(b);
  if (annotations) node.annotations = annotations;
  const columns = columnProvenance(b, project, cols);
  if (columns) {
    node.columns = columns;
    // A node that carries its input's columns on changes with every one of them.
    const through = columns.passThrough;
    if (through) node.inputs = mergeInputs([...node.inputs, { node: through, columns: "*" }]);
  }
  restrictTableInput(b, project, cols, node);
  return node;
}

/** Inputs of one column expression: upstream columns, own features followed to their inputs. */
function columnOrigin(
  name: string,
  own: Map<string, Expr>,
  input: string | undefined,
  project: CheckedProject,
  cols: Columns,
  seen: Set<string> = new Set(),
  joined: ReadonlyMap<string, ColumnOrigin> = new Map(),
): ColumnOrigin {
  const e = own.get(name)!;
  seen.add(name);
  const inputs: NodeInput[] = [];
  const uses: { [k: string]: Json } = {};
  for (const r of refsOf(e)) {
    const [head, member] = r.path;
    if (r.path.length === 1 && !r.star && own.has(head!) && head !== name) {
      if (seen.has(head!)) continue;
      const sub = columnOrigin(head!, own, input, project, cols, seen, joined);
      uses[head!] = sub.config;
      inputs.push(...sub.inputs);
    } else if (
      r.path.length === 1 &&
      !r.star &&
      joined.has(head!) &&
      !(input && cols.columnsOf(input) !== "open" && cols.hasColumn(input, head!))
    ) {
      // A joined column: made by the join (its settings are part of this feature's definition).
      const j = joined.get(head!)!;
      uses[head!] = j.config;
      inputs.push(...j.inputs);
    } else if (r.path.length === 1 && !r.star && input) {
      // A bare name that is not a column of the input is a keyword argument (`strategy = median`).
      if (cols.hasColumn(input, head!))
        inputs.push({ node: mainId(project.byName.get(input)!), columns: [head!] });
    } else {
      const target = project.byName.get(head!);
      if (target)
        inputs.push({ node: mainId(target), columns: r.star || member === undefined ? "*" : [member] });
    }
  }
  const config: Json = Object.keys(uses).length ? { expr: exprToJson(e), uses } : exprToJson(e);
  return { config, inputs: mergeInputs(inputs) };
}

function columnProvenance(b: CheckedBlock, project: CheckedProject, cols: Columns): NodeColumns | undefined {
  const role = tableRole(b.kind);
  if (role === "declared") {
    const schema = cols.schemaColumns(b);
    if (!schema) return undefined;
    const defined: { [c: string]: ColumnOrigin } = {};
    for (const [c, t] of schema) defined[c] = { config: exprToJson(t), inputs: [] };
    // Expectations only check rows; they never change a column.
    return { defined, shared: [], perColumnKeys: ["schema", "expect", "warn"] };
  }
  const input = cols.inputName(b);
  if (role === "computed") {
    const own = cols.ownFeatures(b);
    const joined = cols.joinedOrigins(b);
    const defined: { [c: string]: ColumnOrigin } = {};
    for (const [c, origin] of joined) defined[c] = origin;
    for (const c of own.keys()) defined[c] = columnOrigin(c, own, input, project, cols, new Set(), joined);
    // Joins only add columns: their settings belong to the joined columns, not to every column.
    const perColumnKeys = [...own.keys(), ...(cols.joins(b).length ? ["join"] : [])];
    return {
      defined,
      ...(input ? { passThrough: mainId(project.byName.get(input)!) } : {}),
      shared: [],
      perColumnKeys,
    };
  }
  if (role === "partitioned" && input) {
    // Which rows land where depends on the columns the method names (a label, a time column).
    const shared: NodeInput[] = [];
    const inputAttr = blockKind(b.kind)?.input?.attribute;
    const inputId = mainId(project.byName.get(input)!);
    for (const [attr, e] of b.attributes) {
      if (attr === inputAttr) continue;
      for (const r of refsOf(e)) {
        const name = r.path[0]!;
        if (r.path.length === 1 && !r.star && !project.byName.has(name) && cols.hasColumn(input, name))
          shared.push({ node: inputId, columns: [name] });
      }
    }
    return { defined: {}, passThrough: inputId, shared: mergeInputs(shared), perColumnKeys: [] };
  }
  return undefined;
}

/**
 * A block that reads a whole table (a model's `data = holdout`) consumes only the columns it names
 * elsewhere (its features and label), so a change to another feature does not make it stale.
 */
function restrictTableInput(b: CheckedBlock, project: CheckedProject, cols: Columns, node: GraphNode): void {
  const schema = blockKind(b.kind);
  // A block that makes a table carries its input's columns on instead (column provenance).
  if (!schema?.input || schema.input.members !== "all" || schema.table !== undefined) return;
  const input = cols.inputName(b);
  if (!input) return;
  const inputId = mainId(project.byName.get(input)!);
  const used = new Set<string>();
  for (const d of b.dependencies) {
    const target = project.byName.get(d.target);
    if (!target || target.name === input || target.name === b.name) continue;
    const role = tableRole(target.kind);
    if (role !== undefined) {
      if (d.members === "*") {
        // `usage.*` names the features of usage only.
        if (role !== "computed") return;
        for (const f of cols.ownFeatures(target).keys()) used.add(f);
      } else {
        for (const m of d.members) used.add(m.split(".")[0]!);
      }
    }
  }
  if (!used.size) return;
  node.inputs = node.inputs.map((i) =>
    i.node === inputId ? { node: inputId, columns: [...used].sort() } : i,
  );
}

export function lower(project: CheckedProject): Graph {
  const cols = new Columns(project);
  const settings = project.blocks.find((b) => isSettingsKind(b.kind));
  const seedExpr = settings?.attributes.get("seed");
  const projectSeed = seedExpr ? exprToJson(seedExpr) : undefined;
  const allowExpr = settings?.attributes.get("allow_outside_paths");
  const allowOutside = allowExpr?.type === "bool" && allowExpr.value;
  const ctx: LoweringContext = {
    project,
    tables: cols,
    defaultNode: (b) => lowerDefault(b, project, cols, projectSeed, allowOutside),
    nodeId: (name) => {
      const b = project.byName.get(name);
      return b ? mainId(b) : undefined;
    },
  };
  const nodes: GraphNode[] = [];
  for (const b of project.blocks) {
    if (isSettingsKind(b.kind)) continue;
    const hook = blockKind(b.kind)?.lower;
    const made = hook ? hook(b, ctx) : [ctx.defaultNode(b)];
    if (!made.some((n) => n.id === mainId(b)))
      throw new Error(`lowering of ${b.kind} '${b.name}' lost its main node ${mainId(b)}`);
    nodes.push(...made);
  }
  return { formatVersion: 1, nodes };
}

/** The project's seed (default 42), which apply passes to executors as `ctx.seed`. */
export function projectSeed(project: CheckedProject): number {
  const e = project.blocks.find((b) => isSettingsKind(b.kind))?.attributes.get("seed");
  return e?.type === "number" ? e.value : 42;
}
