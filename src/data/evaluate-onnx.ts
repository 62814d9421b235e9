// The ONNX backend: emits a compiled expression tree as operators of an OnnxGraph, reading
// fitted statistics; each raw column is an [N, 1] graph input named after the column.
import type { OnnxGraph } from "../onnx/builder.js";
import type { Json } from "../ir/graph-ir.js";
import { NodeFailure } from "../ir/executor.js";
import { ownBatchOnlyReason } from "./compile-features.js";
import { postOrder } from "./pipeline-walk.js";
import type { OnnxValue, PipelineNode, ValueKind } from "./transforms/types.js";

interface OnnxEnv {
  input(name: string, kind: ValueKind): OnnxValue;
  states: Map<number, Json>;
  memo: Map<PipelineNode, OnnxValue>;
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
      return {
        kind: "num",
        name: g.constant("float", [1, 1], [node.value === null ? NaN : (node.value as number)], "c"),
      };
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

/** Emits a tree, operands first, in a loop (trees may be thousands deep). The first operand
 * without an ONNX form fails with its reason. */
export function emitOnnx(g: OnnxGraph, node: PipelineNode, env: OnnxEnv): OnnxValue {
  for (const n of postOrder([node], (x) => env.memo.has(x))) env.memo.set(n, emitNode(g, n, env));
  return env.memo.get(node)!;
}
