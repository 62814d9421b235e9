// onehot(x, top = k): one 0/1 column per category kept from training (the k most frequent, ties
// by value) plus `other` for the rest, unseen values and nulls. Fitted on the training split.
import type { Json } from "../../ir/graph-ir.js";
import type { BatchValue, CallNode, Transform } from "./types.js";
import { ExprError } from "./types.js";
import { arity, castFloat, constFloat, expectKind } from "./support.js";

interface OneHotState {
  kind: "num" | "str";
  values: (number | string)[];
}

function topOf(site: CallNode): number {
  const v = site.args[1]?.t === "lit" ? site.args[1].value : site.named.top;
  if (v === undefined || v === null) return Infinity;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1)
    throw new ExprError("onehot(): `top` must be a positive integer");
  return v;
}

/** Categories by descending count, ties by ascending value; nulls are never a category. */
export function frequentValues(v: BatchValue, top: number): (number | string)[] {
  const counts = new Map<number | string, number>();
  const arr = v.v as ArrayLike<number | string>;
  for (let i = 0; i < arr.length; i++) {
    const x = arr[i]!;
    if (x === "" || (typeof x === "number" && Number.isNaN(x))) continue;
    counts.set(x, (counts.get(x) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, top)
    .map(([x]) => x);
}

export const onehot: Transform = {
  name: "onehot",
  type(args, named) {
    arity("onehot", args, 1, 2);
    expectKind("onehot", args[0]!, "num", "str");
    topOf({ t: "call", fn: "onehot", args, named, kind: "vector", id: -1, transform: onehot });
    return "vector";
  },
  fit([a], site): Json {
    const state: OneHotState = {
      kind: a!.kind === "str" ? "str" : "num",
      values: frequentValues(a!, topOf(site)),
    };
    return state as unknown as Json;
  },
  vectorNames(state) {
    const s = state as unknown as OneHotState;
    return [...s.values.map(String), "other"];
  },
  batch([a], _site, state) {
    const s = state as unknown as OneHotState;
    const k = s.values.length;
    const index = new Map<number | string, number>(s.values.map((v, i) => [v, i]));
    const arr = a!.v as ArrayLike<number | string>;
    const n = arr.length;
    const columns = Array.from({ length: k + 1 }, () => new Float32Array(n));
    for (let i = 0; i < n; i++) columns[index.get(arr[i]!) ?? k]![i] = 1;
    return { kind: "vector", columns };
  },
  onnx(g, [a], _site, state) {
    const s = state as unknown as OneHotState;
    const k = s.values.length;
    if (s.kind === "str") {
      // category → index (unseen and "" → k), then compare with 0..k to spread into k+1 columns
      const idx =
        k === 0
          ? g.op(
              "LabelEncoder",
              [a!.name],
              { keys_strings: ["\u0000"], values_int64s: [0], default_int64: 0 },
              { domain: "ai.onnx.ml" },
            )
          : g.op(
              "LabelEncoder",
              [a!.name],
              {
                keys_strings: s.values as string[],
                values_int64s: s.values.map((_, i) => i),
                default_int64: k,
              },
              { domain: "ai.onnx.ml" },
            );
      const slots = g.constant(
        "int64",
        [1, k + 1],
        Array.from({ length: k + 1 }, (_, i) => i),
        "slots",
      );
      return { kind: "num", name: castFloat(g, g.op("Equal", [idx, slots])) };
    }
    if (k === 0)
      return {
        kind: "num",
        name: g.op("Add", [g.op("Mul", [a!.name, constFloat(g, [0], [1, 1])]), constFloat(g, [1], [1, 1])]),
      };
    const hits = castFloat(g, g.op("Equal", [a!.name, constFloat(g, s.values as number[])]));
    const any = g.op("ReduceSum", [hits, g.constant("int64", [1], [1], "axes")], { keepdims: 1 });
    const other = g.op("Sub", [constFloat(g, [1], [1, 1]), any]);
    return { kind: "num", name: g.op("Concat", [hits, other], { axis: 1 }) };
  },
};
