// String functions: lower (ONNX StringNormalizer), and the batch-only length and contains,
// which have no operator in the ONNX opsets mlc targets. lower() folds ASCII letters only: the
// "C" locale is the one every ONNX runtime has, and both backends must agree.
import type { Transform } from "./types.js";
import { ExprError } from "./types.js";
import { arity, expectKind, str } from "./support.js";

export const lower: Transform = {
  name: "lower",
  rowwise: true,
  type(args) {
    arity("lower", args, 1);
    expectKind("lower", args[0]!, "str");
    return "str";
  },
  batch: ([a]) => ({ kind: "str", v: str(a!).map((s) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase())) }),
  onnx(g, [a]) {
    // StringNormalizer takes a 1-D tensor: flatten [N,1] → [N], normalise, and restore [N,1].
    const flat = g.op("Reshape", [a!.name, g.constant("int64", [1], [-1], "shape")]);
    const low = g.op("StringNormalizer", [flat], {
      case_change_action: "LOWER",
      is_case_sensitive: 1,
      locale: "C",
    });
    return { kind: "str", name: g.op("Reshape", [low, g.constant("int64", [2], [-1, 1], "shape")]) };
  },
};

export const length: Transform = {
  name: "length",
  rowwise: true,
  type(args) {
    arity("length", args, 1);
    expectKind("length", args[0]!, "str");
    return "num";
  },
  batchOnly: "length() has no ONNX operator (no string length in ai.onnx opset 17)",
  batch([a]) {
    const s = str(a!);
    const out = new Float32Array(s.length);
    // Characters, not UTF-16 units; null ("") has no length.
    for (let i = 0; i < s.length; i++) out[i] = s[i] === "" ? NaN : [...s[i]!].length;
    return { kind: "num", v: out };
  },
};

export const contains: Transform = {
  name: "contains",
  rowwise: true,
  type(args) {
    arity("contains", args, 2);
    expectKind("contains", args[0]!, "str");
    const part = args[1]!;
    if (part.t !== "lit" || typeof part.value !== "string")
      throw new ExprError("contains(): `part` must be a string literal");
    return "num";
  },
  batchOnly: "contains() has no ONNX operator (substring search needs ai.onnx opset 20 regex ops)",
  batch([a], site) {
    const part = (site.args[1] as { value: string }).value;
    const s = str(a!);
    const out = new Float32Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s[i] === "" ? NaN : s[i]!.includes(part) ? 1 : 0;
    return { kind: "num", v: out };
  },
};
