// Dependency cycles between blocks (and between the features of one block): each elementary cycle
// found by depth-first search is reported once, naming it `a → b → a`.
import type { Span } from "../../ir/span.js";

export interface Edge {
  from: string;
  to: string;
  span: Span;
}

/** Cycles of a directed graph, each as its node sequence starting at its earliest node in `order`. */
export function findCycles(
  order: readonly string[],
  edges: readonly Edge[],
): { path: string[]; span: Span }[] {
  const out = new Map<string, Edge[]>();
  for (const e of edges) {
    const list = out.get(e.from) ?? [];
    list.push(e);
    out.set(e.from, list);
  }
  const rank = new Map(order.map((n, i) => [n, i]));
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const stackEdges: Edge[] = [];
  const found: { path: string[]; span: Span }[] = [];
  const seen = new Set<string>();
  const visit = (n: string) => {
    state.set(n, "open");
    stack.push(n);
    for (const e of out.get(n) ?? []) {
      const s = state.get(e.to);
      if (s === "open") {
        const at = stack.indexOf(e.to);
        const nodes = stack.slice(at);
        const spans = [...stackEdges.slice(at), e];
        // rotate so the cycle starts at its earliest node, to report it once and deterministically
        let start = 0;
        nodes.forEach((x, i) => {
          if ((rank.get(x) ?? Infinity) < (rank.get(nodes[start]!) ?? Infinity)) start = i;
        });
        const rotated = [...nodes.slice(start), ...nodes.slice(0, start)];
        const key = rotated.join("\u0000");
        if (!seen.has(key)) {
          seen.add(key);
          found.push({ path: [...rotated, rotated[0]!], span: spans[start]!.span });
        }
      } else if (s === undefined) {
        stackEdges.push(e);
        visit(e.to);
        stackEdges.pop();
      }
    }
    stack.pop();
    state.set(n, "done");
  };
  for (const n of order) if (!state.has(n)) visit(n);
  return found;
}
