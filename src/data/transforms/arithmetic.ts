// Arithmetic operators + - * / % and unary minus over numbers, in float32 in both backends
// (ONNX Add, Sub, Mul, Div, Mod with fmod = 1, Neg); nulls (NaN) propagate.
import type { Transform } from "./types.js";
import { arity, expectKind, map1, map2, num, numOut } from "./support.js";

function binary(
  name: string,
  onnxOp: string,
  f: (x: number, y: number) => number,
  attrs: Record<string, number> = {},
): Transform {
  return {
    name,
    rowwise: true,
    type(args) {
      arity(name, args, 2);
      expectKind(`'${name}'`, args[0]!, "num");
      expectKind(`'${name}'`, args[1]!, "num");
      return "num";
    },
    batch: ([a, b]) => map2(num(a!), num(b!), f),
    onnx: (g, [a, b]) => numOut(g.op(onnxOp, [a!.name, b!.name], attrs)),
  };
}

export const add = binary("+", "Add", (x, y) => x + y);
export const sub = binary("-", "Sub", (x, y) => x - y);
export const mul = binary("*", "Mul", (x, y) => x * y);
export const div = binary("/", "Div", (x, y) => x / y);
// JS % on floats is C fmod (the result has the dividend's sign), as ONNX Mod with fmod = 1.
export const mod = binary("%", "Mod", (x, y) => x % y, { fmod: 1 });

export const neg: Transform = {
  name: "neg",
  rowwise: true,
  type(args) {
    arity("-", args, 1);
    expectKind("unary '-'", args[0]!, "num");
    return "num";
  },
  batch: ([a]) => map1(num(a!), (x) => -x),
  onnx: (g, [a]) => numOut(g.op("Neg", [a!.name])),
};
