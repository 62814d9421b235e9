// Boolean operators `and`, `or`, `not` over 1/0 numbers. Any non-zero value is true (NaN too,
// as ONNX Cast to bool does), so both backends agree on nulls.
import type { Transform } from "./types.js";
import { arity, castBool, castFloat, expectKind, map1, map2, num, numOut } from "./support.js";

function binary(name: "and" | "or", onnxOp: string, f: (x: boolean, y: boolean) => boolean): Transform {
  return {
    name,
    rowwise: true,
    type(args) {
      arity(name, args, 2);
      expectKind(`'${name}'`, args[0]!, "num");
      expectKind(`'${name}'`, args[1]!, "num");
      return "num";
    },
    batch: ([a, b]) => map2(num(a!), num(b!), (x, y) => (f(x !== 0, y !== 0) ? 1 : 0)),
    onnx: (g, [a, b]) => numOut(castFloat(g, g.op(onnxOp, [castBool(g, a!.name), castBool(g, b!.name)]))),
  };
}

export const and = binary("and", "And", (x, y) => x && y);
export const or = binary("or", "Or", (x, y) => x || y);

export const not: Transform = {
  name: "not",
  rowwise: true,
  type(args) {
    arity("not", args, 1);
    expectKind("'not'", args[0]!, "num");
    return "num";
  },
  batch: ([a]) => map1(num(a!), (x) => (x !== 0 ? 0 : 1)),
  onnx: (g, [a]) => numOut(castFloat(g, g.op("Not", [castBool(g, a!.name)]))),
};
