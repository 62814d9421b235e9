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

export interface CheckedProject {
  project: Project;
  /** Top-level blocks in source order (files sorted by path). */
  blocks: readonly CheckedBlock[];
  byName: ReadonlyMap<string, CheckedBlock>;
}
