// Numeric functions log, log1p, sqrt, abs, clip. Out-of-domain inputs give null (NaN) in both
// backends; log1p is log(1 + x) in float32, as the ONNX graph computes it.
import type { OnnxGraph } from "../../onnx/builder.js";
import type { CallNode, OnnxValue, Transform } from "./types.js";
import { ExprError } from "./types.js";
import { arity, constFloat, expectKind, map1, nanConst, num, numOut } from "./support.js";

function unary(
  name: string,
  f: (x: number) => number,
  onnx: (g: OnnxGraph, x: string) => string,
  inexact = false,
): Transform {
  return {
    name,
    rowwise: true,
    ...(inexact ? { inexact: true as const } : {}),
    type(args) {
      arity(name, args, 1);
      expectKind(name, args[0]!, "num");
      return "num";
    },
    batch: ([a]) => map1(num(a!), f),
    onnx: (g, [a]) => numOut(onnx(g, a!.name)),
  };
}

/** NaN where x <= bound (bound exclusive of the domain), else y. */
function nullAtOrBelow(g: OnnxGraph, x: string, bound: number, y: string): string {
  const bad = g.op("LessOrEqual", [x, constFloat(g, [bound], [1, 1])]);
  return g.op("Where", [bad, nanConst(g), y]);
}

export const log = unary(
  "log",
  (x) => (x <= 0 ? NaN : Math.log(x)),
  (g, x) => nullAtOrBelow(g, x, 0, g.op("Log", [x])),
  true,
);

export const log1p = unary(
  "log1p",
  (x) => {
    const y = Math.fround(x + 1);
    return y <= 0 ? NaN : Math.log(y);
  },
  (g, x) => {
    const y = g.op("Add", [x, constFloat(g, [1], [1, 1])]);
    return nullAtOrBelow(g, y, 0, g.op("Log", [y]));
  },
  true,
);

export const sqrt = unary(
  "sqrt",
  (x) => Math.sqrt(x),
  (g, x) => g.op("Sqrt", [x]),
);
export const abs = unary(
  "abs",
  (x) => Math.abs(x),
  (g, x) => g.op("Abs", [x]),
);

function clipBounds(site: CallNode): { low: number; high: number } {
  const lit = (i: number, name: string): number | undefined => {
    const a = site.args[i];
    const v = a ? (a.t === "lit" ? a.value : undefined) : site.named[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number") throw new ExprError(`clip(): ${name} must be a number literal`);
    return v;
  };
  const low = lit(1, "low") ?? -Infinity;
  const high = lit(2, "high") ?? Infinity;
  if (low === -Infinity && high === Infinity) throw new ExprError("clip() needs `low`, `high` or both");
  if (!(low < high)) throw new ExprError("clip(): `high` must be greater than `low`");
  return { low: Math.fround(low), high: Math.fround(high) };
}

export const clip: Transform = {
  name: "clip",
  rowwise: true,
  type(args, named) {
    arity("clip", args, 1, 3);
    expectKind("clip", args[0]!, "num");
    clipBounds({ t: "call", fn: "clip", args, named, kind: "num", id: -1, transform: clip });
    return "num";
  },
  batch([a], site) {
    const { low, high } = clipBounds(site);
    return map1(num(a!), (x) => (x < low ? low : x > high ? high : x));
  },
  onnx(g, [a]: OnnxValue[], site) {
    const { low, high } = clipBounds(site);
    const lo = low === -Infinity ? "" : g.constant("float", [], [low], "clip_low");
    const hi = high === Infinity ? "" : g.constant("float", [], [high], "clip_high");
    const clipped = g.op("Clip", [a!.name, lo, hi]);
    // Clip's NaN handling differs between runtimes; keep nulls null explicitly.
    return numOut(g.op("Where", [g.op("IsNaN", [a!.name]), a!.name, clipped]));
  },
};
