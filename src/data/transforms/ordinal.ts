// The encoding of a string-valued feature (or a raw category column) used as a model input:
// each training category gets its rank by frequency; unseen values and nulls are null (NaN).

import type { Transform } from "./types.js";
import { arity, castFloat, constFloat, expectKind, nanConst, numOut, str } from "./support.js";
import { frequentValues } from "./onehot.js";

export const ordinal: Transform = {
  name: "ordinal",
  type(args) {
    arity("ordinal", args, 1);
    expectKind("ordinal", args[0]!, "str");
    return "num";
  },
  fit: ([a]) => ({ values: frequentValues(a!, Infinity) as string[] }),
  batch([a], _site, state) {
    const index = new Map((state as { values: string[] }).values.map((v, i) => [v, i]));
    const s = str(a!);
    const out = new Float32Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = index.get(s[i]!) ?? NaN;
    return { kind: "num", v: out };
  },
  onnx(g, [a], _site, state) {
    const values = (state as { values: string[] }).values;
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
