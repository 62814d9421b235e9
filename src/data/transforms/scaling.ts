// The fitted scalers standardize(x) = (x - mean) / stddev and minmax(x) = (x - min) / (max - min),
// fitted on the training split; ONNX ai.onnx.ml Scaler with the same float32 offset and scale.
import type { Json } from "../../ir/graph-ir.js";
import type { Transform } from "./types.js";
import { arity, expectKind, floatsAttr, num, numOut } from "./support.js";

interface ScaleState {
  offset: number;
  scale: number;
}

function scaler(name: string, fitStats: (x: Float32Array) => ScaleState): Transform {
  return {
    name,
    type(args) {
      arity(name, args, 1);
      expectKind(name, args[0]!, "num");
      return "num";
    },
    fit: ([a]) => fitStats(num(a!)) as unknown as Json,
    batch([a], _site, state) {
      const { offset, scale } = state as unknown as ScaleState;
      const x = num(a!);
      const out = new Float32Array(x.length);
      // (x - offset) rounds to float32 first, as the Scaler kernel does.
      for (let i = 0; i < x.length; i++) out[i] = Math.fround(x[i]! - offset) * scale;
      return { kind: "num", v: out };
    },
    onnx(g, [a], _site, state) {
      const { offset, scale } = state as unknown as ScaleState;
      return numOut(
        g.op(
          "Scaler",
          [a!.name],
          { offset: floatsAttr([offset]), scale: floatsAttr([scale]) },
          { domain: "ai.onnx.ml" },
        ),
      );
    },
  };
}

/** Parameters are stored rounded to float32, the precision the ONNX attribute keeps. */
const state = (offset: number, scale: number): ScaleState => ({
  offset: Math.fround(Number.isFinite(offset) ? offset : 0),
  scale: Math.fround(Number.isFinite(scale) && scale !== 0 ? scale : 1),
});

export const standardize = scaler("standardize", (x) => {
  let n = 0,
    sum = 0;
  for (let i = 0; i < x.length; i++)
    if (!Number.isNaN(x[i]!)) {
      n++;
      sum += x[i]!;
    }
  const mean = n ? sum / n : 0;
  let ss = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i]!)) ss += (x[i]! - mean) ** 2;
  const std = n ? Math.sqrt(ss / n) : 0;
  return state(mean, std > 0 ? 1 / std : 1);
});

export const minmax = scaler("minmax", (x) => {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return state(0, 1);
  return state(lo, hi > lo ? 1 / (hi - lo) : 1);
});
