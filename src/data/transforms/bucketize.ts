// bucketize(x, edges): the number of edges <= x (0 below the first edge, len(edges) at or above
// the last); null stays null. ONNX: GreaterOrEqual against the edge row, summed.
import type { Transform } from "./types.js";
import { ExprError } from "./types.js";
import { arity, castFloat, constFloat, expectKind, nanConst, num, numOut } from "./support.js";
import type { CallNode } from "./types.js";

function edgesOf(site: CallNode): number[] {
  const e = site.args[1];
  const v = e?.t === "lit" ? e.value : site.named.edges;
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== "number"))
    throw new ExprError("bucketize(): `edges` must be a non-empty list of numbers");
  const edges = (v as number[]).map(Math.fround);
  for (let i = 1; i < edges.length; i++)
    if (!(edges[i]! > edges[i - 1]!)) throw new ExprError("bucketize(): edges must be strictly increasing");
  return edges;
}

export const bucketize: Transform = {
  name: "bucketize",
  rowwise: true,
  type(args, named) {
    arity("bucketize", args, 1, 2);
    expectKind("bucketize", args[0]!, "num");
    edgesOf({ t: "call", fn: "bucketize", args, named, kind: "num", id: -1, transform: bucketize });
    return "num";
  },
  batch([a], site) {
    const edges = edgesOf(site);
    const x = num(a!);
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (Number.isNaN(v)) {
        out[i] = NaN;
        continue;
      }
      let k = 0;
      while (k < edges.length && v >= edges[k]!) k++;
      out[i] = k;
    }
    return { kind: "num", v: out };
  },
  onnx(g, [a], site) {
    const edges = edgesOf(site);
    const ge = castFloat(g, g.op("GreaterOrEqual", [a!.name, constFloat(g, edges)]));
    const count = g.op("ReduceSum", [ge, g.constant("int64", [1], [1], "axes")], { keepdims: 1 });
    return numOut(g.op("Where", [g.op("IsNaN", [a!.name]), nanConst(g), count]));
  },
};
