// Node fingerprints: a hash of (kind, executor version, canonical config, data hash, input
// fingerprints restricted to the consumed columns). Pure; computed for the whole graph at once.
import type { Executor } from "../ir/executor.js";
import { createHash } from "node:crypto";
import { canonicalJson } from "../ir/expr-json.js";
import type { DataFingerprint } from "../ir/executor.js";
import type { Graph, GraphNode, Json, NodeInput } from "../ir/graph-ir.js";
import { topoOrder } from "./graph-order.js";

export interface NodeFingerprint {
  /** The node's identity: it reruns when this changes. */
  whole: string;
  /** Per output column, for consumers that read only some columns. */
  columns?: Record<string, string>;
  /** The restricted fingerprint of each input, by input node id (plan explains changes with it). */
  inputs: Record<string, string>;
}

export interface ExecutorInfo {
  version: string;
  changeAction?: "update" | "replace";
  /** See Executor.incrementalChange. */
  incrementalChange?: Executor["incrementalChange"];
  /** See Executor.upstreamChange. */
  upstreamChange?: Executor["upstreamChange"];
}

/** Executor version used in fingerprints when no executor is registered for a kind. */
export const UNREGISTERED = "unregistered";

const sha = (parts: string[]): string => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex");
};

/** What `input` contributes: the upstream's whole fingerprint, or only the consumed columns'. */
export function restrictedFingerprint(up: NodeFingerprint, columns: NodeInput["columns"]): string {
  if (columns === "*" || !up.columns) return up.whole;
  const cols = [...new Set(columns)].sort();
  // A column the upstream does not describe could be anything it computes: depend on all of it.
  if (cols.some((c) => up.columns![c] === undefined)) return up.whole;
  return sha(["cols", ...cols.flatMap((c) => [c, up.columns![c]!])]);
}

function sharedConfig(node: GraphNode): Json {
  const skip = new Set([...(node.columns?.perColumnKeys ?? []), "assertions"]);
  return Object.fromEntries(Object.entries(node.config).filter(([k]) => !skip.has(k)));
}

export function computeFingerprints(
  graph: Graph,
  executorOf: (kind: string) => ExecutorInfo | undefined,
  data: Readonly<Record<string, DataFingerprint>>,
): Record<string, NodeFingerprint> {
  const out: Record<string, NodeFingerprint> = {};
  const restrict = (inputs: readonly NodeInput[]): string[] =>
    [...inputs]
      .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0))
      .flatMap((i) => [i.node, restrictedFingerprint(out[i.node]!, i.columns)]);
  for (const node of topoOrder(graph)) {
    const version = executorOf(node.kind)?.version ?? UNREGISTERED;
    const dataHash = data[node.id]?.hash ?? "";
    // Several inputs may name the same node (different attributes); merge their columns.
    const merged = new Map<string, NodeInput["columns"]>();
    for (const i of node.inputs) {
      const prev = merged.get(i.node);
      merged.set(
        i.node,
        prev === undefined ? i.columns : prev === "*" || i.columns === "*" ? "*" : [...prev, ...i.columns],
      );
    }
    const inputs: Record<string, string> = {};
    for (const [id, columns] of merged) inputs[id] = restrictedFingerprint(out[id]!, columns);
    const whole = sha([
      "node",
      node.kind,
      version,
      canonicalJson(node.config),
      dataHash,
      ...Object.keys(inputs)
        .sort()
        .flatMap((id) => [id, inputs[id]!]),
    ]);
    const fp: NodeFingerprint = { whole, inputs };
    const cols = node.columns;
    if (cols) {
      const shared = sha([
        "shared",
        node.kind,
        version,
        canonicalJson(sharedConfig(node)),
        dataHash,
        ...restrict(cols.shared),
      ]);
      const columns: Record<string, string> = {};
      const passed = cols.passThrough ? out[cols.passThrough]?.columns : undefined;
      for (const [c, upFp] of Object.entries(passed ?? {})) columns[c] = sha([shared, "pass", c, upFp]);
      for (const [c, def] of Object.entries(cols.defined))
        columns[c] = sha([shared, "def", c, canonicalJson(def.config), ...restrict(def.inputs)]);
      fp.columns = columns;
    }
    out[node.id] = fp;
  }
  return out;
}
