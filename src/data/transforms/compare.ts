// Comparisons < <= > >= == != giving 1/0 numbers. Numbers and timestamps use ONNX Less/Greater/
// Equal; a string compared with a literal uses a LabelEncoder; other string comparisons are batch-only.
import type { OnnxGraph } from "../../onnx/builder.js";
import type { BatchValue, CallNode, OnnxValue, Transform } from "./types.js";
import { ExprError } from "./types.js";
import { arity, castFloat, numOut } from "./support.js";

type Cmp = "<" | "<=" | ">" | ">=" | "==" | "!=";
const ONNX_OP: Record<Cmp, string> = {
  "<": "Less",
  "<=": "LessOrEqual",
  ">": "Greater",
  ">=": "GreaterOrEqual",
  "==": "Equal",
  "!=": "Equal",
};
const TEST: Record<Cmp, (x: number, y: number) => boolean> = {
  "<": (x, y) => x < y,
  "<=": (x, y) => x <= y,
  ">": (x, y) => x > y,
  ">=": (x, y) => x >= y,
  "==": (x, y) => x === y,
  "!=": (x, y) => x !== y,
};
const STR_TEST: Record<Cmp, (x: string, y: string) => boolean> = {
  "<": (x, y) => x < y,
  "<=": (x, y) => x <= y,
  ">": (x, y) => x > y,
  ">=": (x, y) => x >= y,
  "==": (x, y) => x === y,
  "!=": (x, y) => x !== y,
};

/** The string literal side of a string equality, if one side is a literal. */
function literalSide(site: CallNode): { col: 0 | 1; value: string } | undefined {
  const [a, b] = site.args;
  if (b?.t === "lit" && typeof b.value === "string") return { col: 0, value: b.value };
  if (a?.t === "lit" && typeof a.value === "string") return { col: 1, value: a.value };
  return undefined;
}

function compare(op: Cmp): Transform {
  return {
    name: op,
    rowwise: true,
    type(args) {
      arity(op, args, 2);
      const [a, b] = [args[0]!.kind, args[1]!.kind];
      if (a !== b || a === "list" || a === "vector")
        throw new ExprError(
          `'${op}' compares two values of the same kind (numbers, strings or timestamps), got ${a} and ${b}`,
        );
      return "num";
    },
    batchOnly(site) {
      if (site.args[0]!.kind !== "str") return undefined;
      if ((op === "==" || op === "!=") && literalSide(site)) return undefined;
      return `'${op}' between two string columns (or an ordering of strings) has no ONNX form`;
    },
    batch([a, b]) {
      const n = a!.v.length;
      const out = new Float32Array(n);
      if (a!.kind === "str") {
        const x = a!.v as string[],
          y = (b as BatchValue & { kind: "str" }).v;
        const t = STR_TEST[op];
        for (let i = 0; i < n; i++) out[i] = t(x[i]!, y[i]!) ? 1 : 0;
      } else {
        const x = a!.v as Float32Array | Float64Array,
          y = b!.v as Float32Array | Float64Array;
        const t = TEST[op];
        for (let i = 0; i < n; i++) out[i] = t(x[i]!, y[i]!) ? 1 : 0;
      }
      return { kind: "num", v: out };
    },
    onnx(g: OnnxGraph, [a, b]: OnnxValue[], site: CallNode) {
      let hit: string;
      if (a!.kind === "str") {
        const lit = literalSide(site)!;
        const col = lit.col === 0 ? a! : b!;
        hit = g.op(
          "LabelEncoder",
          [col.name],
          { keys_strings: [lit.value], values_int64s: [1], default_int64: 0 },
          { domain: "ai.onnx.ml" },
        );
        hit = g.op("Cast", [hit], { to: 9 });
      } else {
        hit = g.op(ONNX_OP[op], [a!.name, b!.name]);
      }
      if (op === "!=") hit = g.op("Not", [hit]);
      return numOut(castFloat(g, hit));
    },
  };
}

export const lt = compare("<");
export const le = compare("<=");
export const gt = compare(">");
export const ge = compare(">=");
export const eq = compare("==");
export const ne = compare("!=");
