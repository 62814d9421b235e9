// Finds the runs of + and - in compiled expression trees that the ONNX backend emits as one
// variadic Sum: `a + b - c + 1` is Sum(a, b, Neg(c), 1) instead of three chained binary nodes.
// onnxruntime's Sum adds its inputs left to right in float32, one rounding per input, exactly as
// the batch backend folds the chain, and x - y is x + (-y) bit for bit (negation is exact), so
// the values are identical; a chain of 5,000 terms becomes one node and its operands.
import { add, sub } from "./transforms/arithmetic.js";
import type { CallNode, PipelineNode } from "./transforms/types.js";
import { childrenOf, postOrder } from "./pipeline-walk.js";

/** One term of a Sum: an operand, negated when it was subtracted. */
export interface SumTerm {
  node: PipelineNode;
  negate: boolean;
}

interface SumPlan {
  /** The top of each folded run → its terms, left to right. */
  runs: Map<PipelineNode, SumTerm[]>;
  /** Links inside a run, and literals it subtracts: they have no graph value of their own. */
  absorbed: Set<PipelineNode>;
}

const isAddSub = (n: PipelineNode): n is CallNode =>
  n.t === "call" && (n.transform === add || n.transform === sub);

/** A subtracted numeric literal is negated when the constant is made: no Neg node. */
const negatesFree = (n: PipelineNode): boolean => n.t === "lit" && n.kind === "num";

/**
 * Plans the Sums of every tree under `roots` (the outputs of one graph). A link joins the run of
 * its parent only when nothing else reads its value (one use, not an output); a run is folded
 * only when it saves nodes (each subtracted non-literal costs a Neg).
 */
export function planSums(roots: readonly PipelineNode[]): SumPlan {
  const order = postOrder(roots);
  const uses = new Map<PipelineNode, number>();
  for (const r of roots) uses.set(r, (uses.get(r) ?? 0) + 1);
  for (const n of order) for (const c of childrenOf(n)) uses.set(c, (uses.get(c) ?? 0) + 1);
  const runs = new Map<PipelineNode, SumTerm[]>();
  const absorbed = new Set<PipelineNode>();
  // parents before children: a run is planned from its top
  for (let i = order.length - 1; i >= 0; i--) {
    const top = order[i]!;
    if (!isAddSub(top) || absorbed.has(top)) continue;
    const links: CallNode[] = [top];
    let left = top.args[0]!;
    while (isAddSub(left) && uses.get(left) === 1) {
      links.push(left);
      left = left.args[0]!;
    }
    const terms: SumTerm[] = [{ node: left, negate: false }];
    for (let j = links.length - 1; j >= 0; j--) {
      const l = links[j]!;
      terms.push({ node: l.args[1]!, negate: l.transform === sub });
    }
    const negs = terms.filter((t) => t.negate && !negatesFree(t.node)).length;
    if (1 + negs >= links.length) continue;
    runs.set(top, terms);
    for (const l of links.slice(1)) absorbed.add(l);
    // a subtracted literal read nowhere else is emitted only as its negated constant
    for (const t of terms)
      if (t.negate && negatesFree(t.node) && uses.get(t.node) === 1) absorbed.add(t.node);
  }
  return { runs, absorbed };
}
