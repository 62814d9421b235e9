// The ONNX backend: emits a compiled expression tree as operators of an OnnxGraph, reading
// fitted statistics; each raw column is an [N, 1] graph input named after the column.
import type { OnnxGraph } from "../onnx/builder.js";
import type { Json } from "../ir/graph-ir.js";
import { NodeFailure } from "../ir/executor.js";
import { batchOnlyReason } from "./compile-features.js";
import type { OnnxValue, PipelineNode, ValueKind } from "./transforms/types.js";

interface OnnxEnv {
  input(name: string, kind: ValueKind): OnnxValue;
  states: Map<number, Json>;
  memo: Map<PipelineNode, OnnxValue>;
}

export function emitOnnx(g: OnnxGraph, node: PipelineNode, env: OnnxEnv): OnnxValue {
  const known = env.memo.get(node);
  if (known) return known;
  let out: OnnxValue;
  switch (node.t) {
    case "col":
      out = env.input(node.name, node.kind);
      break;
    case "lit":
      if (node.kind === "str")
        out = { kind: "str", name: g.constant("string", [1, 1], [node.value as string], "s") };
      else if (node.kind === "list") out = { kind: "num", name: "" };
      else
        out = {
          kind: "num",
          name: g.constant("float", [1, 1], [node.value === null ? NaN : (node.value as number)], "c"),
        };
      break;
    case "window":
      throw new NodeFailure(batchOnlyReason(node)!, { code: "MLC2206" });
    case "call": {
      const why = batchOnlyReason(node);
      if (why || !node.transform.onnx)
        throw new NodeFailure(why ?? `${node.fn}() has no ONNX form`, { code: "MLC2206" });
      const args = node.args.map((a) => emitOnnx(g, a, env));
      const r = node.transform.onnx(g, args, node, env.states.get(node.id));
      out = Array.isArray(r) ? r[0]! : r;
      break;
    }
  }
  env.memo.set(node, out);
  return out;
}
