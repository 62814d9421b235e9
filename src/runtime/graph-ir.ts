// The Graph IR: the one interface between compiler and runtime (DESIGN section 3).
// Plain, serialisable data; the runtime never sees the AST.
import type { Span } from "../compiler/span.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

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
  /** Where the node was declared; used for messages only, never fingerprinted. */
  span?: Span;
}

export interface Graph {
  formatVersion: 1;
  nodes: GraphNode[];
}
