// impute(x, method = mean | median | const, value = v): nulls replaced by a statistic of the
// training split or a constant; ONNX ai.onnx.ml Imputer replacing NaN.
import type { Json } from "../../ir/graph-ir.js";
import type { CallNode, Transform } from "./types.js";
import { ExprError } from "./types.js";
import { arity, expectKind, floatsAttr, nameArg, num, numOut } from "./support.js";

type Method = "mean" | "median" | "const";

function methodOf(site: CallNode): { method: Method; value?: number } {
  const m = site.args[1] ? (site.args[1].t === "lit" ? site.args[1].value : undefined) : site.named.method;
  const name = m === undefined ? "mean" : typeof m === "string" ? m : nameArg(m as Json);
  if (name !== "mean" && name !== "median" && name !== "const")
    throw new ExprError("impute(): method must be mean, median or const");
  const v = site.named.value ?? (site.args[2]?.t === "lit" ? site.args[2].value : undefined);
  if (name === "const") {
    if (typeof v !== "number") throw new ExprError("impute(): method const needs `value = <number>`");
    return { method: name, value: v };
  }
  if (v !== undefined) throw new ExprError("impute(): `value` is only used with method const");
  return { method: name };
}

export const impute: Transform = {
  name: "impute",
  type(args, named) {
    arity("impute", args, 1, 3);
    expectKind("impute", args[0]!, "num");
    methodOf({ t: "call", fn: "impute", args, named, kind: "num", id: -1, transform: impute });
    return "num";
  },
  fit([a], site): Json {
    const { method, value } = methodOf(site);
    if (method === "const") return { value: Math.fround(value!) };
    const x = num(a!).filter((v) => !Number.isNaN(v));
    if (x.length === 0) return { value: 0 };
    if (method === "mean") {
      let s = 0;
      for (const v of x) s += v;
      return { value: Math.fround(s / x.length) };
    }
    x.sort();
    const mid = x.length >> 1;
    return { value: Math.fround(x.length % 2 ? x[mid]! : (x[mid - 1]! + x[mid]!) / 2) };
  },
  batch([a], _site, state) {
    const fill = (state as { value: number }).value;
    const x = num(a!);
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = Number.isNaN(x[i]!) ? fill : x[i]!;
    return { kind: "num", v: out };
  },
  onnx(g, [a], _site, state) {
    const fill = (state as { value: number }).value;
    return numOut(
      g.op(
        "Imputer",
        [a!.name],
        { imputed_value_floats: floatsAttr([fill]), replaced_value_float: NaN },
        { domain: "ai.onnx.ml" },
      ),
    );
  },
};
