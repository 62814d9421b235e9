// Topological order and ancestry over the Graph IR. Pure; the checker rejects cycles, so a
// cycle or a dangling input here is a bug in lowering and is thrown.
import type { Graph, GraphNode } from "../ir/graph-ir.js";

/** Nodes in dependency order; ties keep the graph's own order, so the result is deterministic. */
export function topoOrder(graph: Graph): GraphNode[] {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const state = new Map<string, 1 | 2>();
  const out: GraphNode[] = [];
  const visit = (n: GraphNode, path: string[]): void => {
    const s = state.get(n.id);
    if (s === 2) return;
    if (s === 1) throw new Error(`cycle in the graph: ${[...path, n.id].join(" → ")}`);
    state.set(n.id, 1);
    for (const i of n.inputs) {
      const up = byId.get(i.node);
      if (!up) throw new Error(`node ${n.id} reads ${i.node}, which is not in the graph`);
      visit(up, [...path, n.id]);
    }
    state.set(n.id, 2);
    out.push(n);
  };
  for (const n of graph.nodes) visit(n, []);
  return out;
}

/** The ids of `targets` and every node they (transitively) read. */
export function withAncestors(graph: Graph, targets: readonly string[]): Set<string> {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const out = new Set<string>();
  const stack = [...targets];
  while (stack.length) {
    const id = stack.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    for (const i of byId.get(id)?.inputs ?? []) stack.push(i.node);
  }
  return out;
}
