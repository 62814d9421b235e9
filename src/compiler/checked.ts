// The checker's output: the project with every top-level block resolved against its schema.
// Lowering (checked → Graph IR) consumes only this.
import type { Block, Expr, Project } from "./ast.js";
import type { Span } from "../ir/span.js";

export interface Dependency {
  /** Name of the top-level block referenced. */
  target: string;
  /** Members used (columns, features, metrics); "*" for a star reference or the whole block. */
  members: string[] | "*";
  /** The attribute (or nested block path, e.g. "schema", "params.depth") where the reference sits. */
  via: string;
  span: Span;
}

export interface CheckedBlock {
  kind: string;
  name: string;
  ast: Block;
  /** Attribute values after defaults are applied, by attribute name. Defaults have no span of their own. */
  attributes: ReadonlyMap<string, Expr>;
  /** Nested blocks by kind (`schema`, `params`, `tune`, `expect`…), in source order. */
  nested: ReadonlyMap<string, readonly Block[]>;
  /** Bare assertions (expect, gate, monitor), in source order. */
  assertions: readonly Expr[];
  dependencies: readonly Dependency[];
}

/** A point-in-time join of a features block, resolved by the checker; lowering writes it as config. */
export interface ResolvedJoin {
  /** The joined block's name and main node id. */
  table: string;
  node: string;
  /** The joined table's entity key (empty: the join matches on time only). */
  keys: string[];
  /** The joined table's event time, and the joining block's (the label time). */
  time: string | null;
  labelTime: string | null;
  /** The joined table's columns brought in; null when it declares no schema and none are listed. */
  columns: string[] | null;
  prefix: string;
  ttlSeconds: number | null;
}

/** What the checker found about a block that makes a table, shared with lowering (computed once). */
export interface TableFacts {
  /** Every column its rows carry, in order, or "open" when a source upstream declares no schema. */
  columns: readonly string[] | "open";
  joins: readonly ResolvedJoin[];
  /** Its entity key and event time, or the nearest ones along its inputs. */
  key?: string;
  timestamp?: string;
}

export interface CheckedProject {
  project: Project;
  /** Top-level blocks in source order (files sorted by path). */
  blocks: readonly CheckedBlock[];
  byName: ReadonlyMap<string, CheckedBlock>;
  /** The blocks that make tables (sources, features, splits), by name. */
  tables: ReadonlyMap<string, TableFacts>;
}
