// ordinal(x, unseen = ignore | other | error), also the encoding of a string feature used as a model
// input: each training category gets its rank by frequency; what else becomes follows `unseen`.

import type { CallNode, Transform } from "./types.js";
import { arity, castFloat, constFloat, expectKind, nanConst, numOut, str } from "./support.js";
import { frequentValues, unseenOf } from "./onehot.js";

/**
 * The code of a value that is not a training category: null (NaN) for `ignore` and `error`, or
 * one past the last rank for `other` (its own code, apart from nulls). Nulls are always null.
 */
const unseenCode = (site: CallNode, k: number): number => (unseenOf(site) === "other" ? k : NaN);

export const ordinal: Transform = {
  name: "ordinal",
  type(args, named) {
    arity("ordinal", args, 1);
    expectKind("ordinal", args[0]!, "str");
    unseenOf({ fn: "ordinal", args, named });
    return "num";
  },
  fit: ([a]) => ({ values: frequentValues(a!, Infinity) as string[] }),
  batch([a], site, state) {
    const values = (state as { values: string[] }).values;
    const index = new Map(values.map((v, i) => [v, i]));
    const unseen = unseenCode(site, values.length);
    const s = str(a!);
    const out = new Float32Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = index.get(s[i]!) ?? (s[i] === "" ? NaN : unseen);
    return { kind: "num", v: out };
  },
  onnx(g, [a], site, state) {
    const values = (state as { values: string[] }).values;
    if (!Number.isNaN(unseenCode(site, values.length))) {
      // unseen → k, "" (null) → -1 → NaN below
      const idx = g.op(
        "LabelEncoder",
        [a!.name],
        {
          keys_strings: [...values, ""],
          values_int64s: [...values.map((_, i) => i), -1],
          default_int64: values.length,
        },
        { domain: "ai.onnx.ml" },
      );
      const f = castFloat(g, idx);
      return numOut(g.op("Where", [g.op("Less", [f, constFloat(g, [0], [1, 1])]), nanConst(g), f]));
    }
    const keys = values.length ? values : ["\u0000"];
    const idx = g.op(
      "LabelEncoder",
      [a!.name],
      {
        keys_strings: keys,
        values_int64s: values.length ? values.map((_, i) => i) : [-1],
        default_int64: -1,
      },
      { domain: "ai.onnx.ml" },
    );
    const f = castFloat(g, idx);
    return numOut(g.op("Where", [g.op("Less", [f, constFloat(g, [0], [1, 1])]), nanConst(g), f]));
  },
};
