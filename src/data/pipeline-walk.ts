// Loops over compiled expression trees (PipelineNode): a chain of 5,000 terms is a tree 5,000
// deep, so no walk of a tree recurses once per level; each uses an explicit stack instead.
import type { PipelineNode } from "./transforms/types.js";

/** The direct operands of a node: a call's arguments, a window's argument. */
export function childrenOf(n: PipelineNode): readonly PipelineNode[] {
  if (n.t === "call") return n.args;
  if (n.t === "window") return n.arg ? [n.arg] : [];
  return [];
}

/**
 * Every node reachable from `roots` once, each after all of its operands (post-order; a node shared
 * by several parents, as features reused by others are, is listed once). Iterative.
 */
export function postOrder(
  roots: readonly PipelineNode[],
  skip?: (n: PipelineNode) => boolean,
): PipelineNode[] {
  const out: PipelineNode[] = [];
  const seen = new Set<PipelineNode>();
  // [node, index of the next child to visit]
  const stack: [PipelineNode, number][] = [];
  for (const root of roots) {
    if (seen.has(root) || skip?.(root)) continue;
    seen.add(root);
    stack.push([root, 0]);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const kids = childrenOf(top[0]);
      if (top[1] < kids.length) {
        const kid = kids[top[1]++]!;
        if (!seen.has(kid) && !skip?.(kid)) {
          seen.add(kid);
          stack.push([kid, 0]);
        }
      } else {
        out.push(top[0]);
        stack.pop();
      }
    }
  }
  return out;
}

/** Whether any node of the tree (the root included) satisfies `test`. Iterative. */
export function someNode(root: PipelineNode, test: (n: PipelineNode) => boolean): boolean {
  const stack = [root];
  const seen = new Set<PipelineNode>();
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (test(n)) return true;
    for (const c of childrenOf(n)) stack.push(c);
  }
  return false;
}
