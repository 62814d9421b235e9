// The ONNX backend: emits a compiled expression tree as operators of an OnnxGraph, reading
// fitted statistics; each raw column is an [N, 1] graph input named after the column.
import type { OnnxGraph } from "../onnx/builder.js";
import type { Json } from "../ir/graph-ir.js";
import { NodeFailure } from "../ir/executor.js";
import { ownBatchOnlyReason } from "./compile-features.js";
import { postOrder } from "./pipeline-walk.js";
import { planSums, type SumTerm } from "./sum-chains.js";
import type { OnnxValue, PipelineNode, ValueKind } from "./transforms/types.js";

interface OnnxEnv {
  input(name: string, kind: ValueKind): OnnxValue;
  states: Map<number, Json>;
  memo: Map<PipelineNode, OnnxValue>;
}

function literalConstant(g: OnnxGraph, value: unknown, negate = false): string {
  const v = value === null ? NaN : (value as number);
  return g.constant("float", [1, 1], [negate ? -v : v], "c");
}

/** Emits one node whose operands are in `env.memo` already. */
function emitNode(g: OnnxGraph, node: PipelineNode, env: OnnxEnv): OnnxValue {
  switch (node.t) {
    case "col":
      return env.input(node.name, node.kind);
    case "lit":
      if (node.kind === "str")
        return { kind: "str", name: g.constant("string", [1, 1], [node.value as string], "s") };
      if (node.kind === "list") return { kind: "num", name: "" };
      return { kind: "num", name: literalConstant(g, node.value) };
    case "window":
      throw new NodeFailure(ownBatchOnlyReason(node)!, { code: "MLC2206" });
    case "call": {
      const why = ownBatchOnlyReason(node);
      if (why || !node.transform.onnx)
        throw new NodeFailure(why ?? `${node.fn}() has no ONNX form`, { code: "MLC2206" });
      const args = node.args.map((a) => env.memo.get(a)!);
      const r = node.transform.onnx(g, args, node, env.states.get(node.id));
      return Array.isArray(r) ? r[0]! : r;
    }
  }
}

/** A folded run of + and -: one Sum, a subtracted literal as its negated constant. */
function emitSum(g: OnnxGraph, terms: SumTerm[], env: OnnxEnv): OnnxValue {
  const inputs = terms.map((t) => {
    if (!t.negate) return env.memo.get(t.node)!.name;
    if (t.node.t === "lit") return literalConstant(g, t.node.value, true);
    return g.op("Neg", [env.memo.get(t.node)!.name]);
  });
  return { kind: "num", name: g.op("Sum", inputs) };
}

/**
 * Emits the trees of one graph's outputs, operands first, in a loop (trees may be thousands deep),
 * and returns each output's value. Runs of + and - become one Sum (sum-chains.ts). The first
 * operand without an ONNX form fails with its reason.
 */
export function emitOnnx(g: OnnxGraph, roots: readonly PipelineNode[], env: OnnxEnv): OnnxValue[] {
  const { runs, absorbed } = planSums(roots);
  for (const n of postOrder(roots, (x) => env.memo.has(x))) {
    if (absorbed.has(n)) continue;
    const terms = runs.get(n);
    env.memo.set(n, terms ? emitSum(g, terms, env) : emitNode(g, n, env));
  }
  return roots.map((r) => env.memo.get(r)!);
}
