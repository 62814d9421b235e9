// `if(cond, a, b)` and `coalesce(x, fallback…)`: per-row choice between values of one kind
// (numbers, strings or timestamps), as ONNX Where; a non-zero (or NaN) condition is true.
import type { BatchValue, OnnxValue, Transform } from "./types.js";
import { ExprError } from "./types.js";
import { arity, castBool, expectKind, onnxIsNull } from "./support.js";

function sameKind(fn: string, kinds: string[]): void {
  if (kinds.some((k) => k !== kinds[0]) || kinds[0] === "list" || kinds[0] === "vector") {
    throw new ExprError(
      `${fn}() needs values of one kind (numbers, strings or timestamps), got ${kinds.join(", ")}`,
    );
  }
}

function alloc(like: BatchValue, n: number): BatchValue {
  if (like.kind === "num") return { kind: "num", v: new Float32Array(n) };
  if (like.kind === "time") return { kind: "time", v: new Float64Array(n) };
  return { kind: "str", v: new Array<string>(n) };
}

const isNullValue = (v: BatchValue, i: number): boolean =>
  v.kind === "str" ? v.v[i] === "" : Number.isNaN(v.v[i]!);

export const ifThenElse: Transform = {
  name: "if",
  rowwise: true,
  type(args) {
    arity("if", args, 3);
    expectKind("if", args[0]!, "num");
    sameKind("if", [args[1]!.kind, args[2]!.kind]);
    return args[1]!.kind as "num" | "str" | "time";
  },
  batch([c, a, b], _site, _state, n) {
    const out = alloc(a!, n);
    const cv = c!.v as Float32Array;
    const o = out.v as unknown[],
      av = a!.v as ArrayLike<unknown>,
      bv = b!.v as ArrayLike<unknown>;
    for (let i = 0; i < n; i++) o[i] = cv[i] !== 0 ? av[i] : bv[i];
    return out;
  },
  onnx: (g, [c, a, b]) => ({ kind: a!.kind, name: g.op("Where", [castBool(g, c!.name), a!.name, b!.name]) }),
};

export const coalesce: Transform = {
  name: "coalesce",
  rowwise: true,
  type(args) {
    arity("coalesce", args, 2, Infinity);
    sameKind(
      "coalesce",
      args.map((a) => a.kind),
    );
    return args[0]!.kind as "num" | "str" | "time";
  },
  batch(args, _site, _state, n) {
    const out = alloc(args[0]!, n);
    const o = out.v as unknown[];
    for (let i = 0; i < n; i++) {
      let k = 0;
      while (k < args.length - 1 && isNullValue(args[k]!, i)) k++;
      o[i] = (args[k]!.v as ArrayLike<unknown>)[i];
    }
    return out;
  },
  onnx(g, args) {
    let acc: OnnxValue = args[args.length - 1]!;
    for (let k = args.length - 2; k >= 0; k--) {
      const v = args[k]!;
      acc = { kind: v.kind, name: g.op("Where", [onnxIsNull(g, v), acc.name, v.name]) };
    }
    return acc;
  },
};
