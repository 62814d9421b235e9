// The Graph IR: the one interface between compiler and runtime (DESIGN section 3).
// Plain, serialisable data; the runtime never sees the AST.
import type { Span } from "./span.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object: not null, not an array. */
export type JsonObject = { [key: string]: Json };

/** True for a JSON object (not null, not an array); narrows Json to JsonObject and anything else to a record. */
export function isObj(v: Json | undefined): v is JsonObject;
export function isObj(v: unknown): v is Record<string, unknown>;
export function isObj(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export interface NodeInput {
  /** The id of the upstream node, e.g. "source.customers". */
  node: string;
  /** The columns (or members) this node consumes from it; "*" when it uses all of them. */
  columns: string[] | "*";
}

export interface GraphNode {
  /** Stable id: `${kind}.${name}`, or `model.churn/trial.7` where a node expands. */
  id: string;
  kind: string;
  name: string;
  /** Canonical configuration: literal values only, keys sorted when serialised. */
  config: { [key: string]: Json };
  inputs: NodeInput[];
  /**
   * Optional column provenance (added for column-restricted fingerprints): which output columns
   * this node defines and from which upstream columns, so a consumer of some columns is not
   * made stale by a change to the others. Absent: consumers depend on the whole node.
   */
  columns?: NodeColumns;
  /** Where the node was declared; used for messages only, never fingerprinted. */
  span?: Span;
  /** Descriptive attributes (intended use, limitations): for documents such as the model card, never fingerprinted. */
  annotations?: { [key: string]: Json };
}

/** The id of a block's main node, `${kind}.${name}`: the one place that spells it. */
export const nodeIdOf = (kind: string, name: string): string => `${kind}.${name}`;

export interface Graph {
  formatVersion: 1;
  nodes: GraphNode[];
}

/** How one output column is made: its own definition and the upstream columns it reads. */
export interface ColumnOrigin {
  config: Json;
  inputs: NodeInput[];
}

/**
 * Column provenance of a node. A column's fingerprint hashes the node's shared config (config
 * minus `perColumnKeys`), its shared inputs, the node's data hash (sources), and either its
 * own `defined` origin or, for a column passed through from `passThrough`, that column's
 * fingerprint upstream.
 */
export interface NodeColumns {
  defined: { [column: string]: ColumnOrigin };
  /** The upstream node whose columns this node carries on unchanged (row filters, splits, features). */
  passThrough?: string;
  /** Upstream columns every output depends on (a stratification label, a join key). */
  shared: NodeInput[];
  /** Config keys that define or only check single columns, left out of the shared part. */
  perColumnKeys: string[];
}
