// A fitted calibrator as one serialisable value: fit, apply, bytes round trip with validation,
// and its ONNX form appended after a model's [N, 1] probability output (binary models only).
import { DType, type OnnxGraph } from "../../onnx/builder.js";
import { applyIsotonic, fitIsotonic, type IsotonicCalibrator } from "./isotonic.js";
import { applyPlatt, fitPlatt, PLATT_EPS, type PlattCalibrator } from "./platt.js";

export type Calibrator = PlattCalibrator | IsotonicCalibrator;
type CalibrationMethod = Calibrator["kind"];

/** Fits on held-out rows (the validation split): binary labels 0/1 and P(positive) per row. */
export function fitCalibrator(
  method: CalibrationMethod,
  pred: Float64Array,
  y: Float64Array,
  width = 1,
): Calibrator {
  if (width !== 1)
    throw new Error(
      `calibration supports binary models (one probability per row); this model outputs ${width} columns`,
    );
  return method === "platt" ? fitPlatt(pred, y) : fitIsotonic(pred, y);
}

export function applyCalibrator(c: Calibrator, pred: Float64Array): Float64Array {
  return c.kind === "platt" ? applyPlatt(c, pred) : applyIsotonic(c, pred);
}

/** Canonical JSON bytes (fixed key order), so the same fit gives the same bytes. */
export function serializeCalibrator(c: Calibrator): Uint8Array {
  const obj =
    c.kind === "platt"
      ? { kind: c.kind, version: c.version, input: c.input, a: c.a, b: c.b }
      : { kind: c.kind, version: c.version, x: c.x, y: c.y };
  return new TextEncoder().encode(JSON.stringify(obj));
}

export function deserializeCalibrator(bytes: Uint8Array): Calibrator {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error("calibrator bytes are not JSON");
  }
  const o = v as Record<string, unknown>;
  const finite = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
  if (o?.version !== 1)
    throw new Error(`calibrator version ${String(o?.version)} is not supported (expected 1)`);
  if (o.kind === "platt" && (o.input === "logit" || o.input === "score") && finite(o.a) && finite(o.b)) {
    return { kind: "platt", version: 1, input: o.input, a: o.a, b: o.b };
  }
  if (
    o.kind === "isotonic" &&
    Array.isArray(o.x) &&
    Array.isArray(o.y) &&
    o.x.length === o.y.length &&
    o.x.length > 0 &&
    o.x.every(finite) &&
    o.y.every(finite)
  ) {
    const x = o.x as number[];
    const y = o.y as number[];
    for (let i = 1; i < x.length; i++)
      if (!(x[i]! >= x[i - 1]! && y[i]! >= y[i - 1]!))
        throw new Error("isotonic calibrator knots are not sorted");
    return { kind: "isotonic", version: 1, x, y };
  }
  throw new Error(`malformed calibrator of kind ${JSON.stringify(o.kind)}`);
}

/**
 * Appends the calibrator after `input` (float [N, 1]) and returns the calibrated [N, 1] tensor.
 * Platt is Clip/Log/Sub (logit) then Mul/Add/Sigmoid; isotonic is its piecewise-linear form
 * y0 + Σᵢ slopeᵢ · min(max(x − xᵢ, 0), xᵢ₊₁ − xᵢ) over the knots, with x clamped to the knot range.
 */
export function calibratorToOnnx(c: Calibrator, g: OnnxGraph, input: string): string {
  // Computed in double: the logit of a float32 probability near 1 loses digits in float32
  // (1 − p), and JS computes in double; the result is cast back to float.
  const x = g.op("Cast", [input], { to: DType.double });
  const k = (values: number[], dims: number[] = []): string => g.constant("double", dims, values);
  let out: string;
  if (c.kind === "platt") {
    let f = x;
    if (c.input === "logit") {
      const p = g.op("Clip", [x, k([PLATT_EPS]), k([1 - PLATT_EPS])]);
      f = g.op("Sub", [g.op("Log", [p]), g.op("Log", [g.op("Sub", [k([1]), p])])]);
    }
    out = g.op("Sigmoid", [g.op("Add", [g.op("Mul", [f, k([c.a])]), k([c.b])])]);
  } else {
    const m = c.x.length;
    if (m === 1) out = g.op("Add", [g.op("Mul", [x, k([0])]), k([c.y[0]!])]);
    else {
      const starts = c.x.slice(0, -1);
      const widths = starts.map((v, i) => c.x[i + 1]! - v);
      const slopes = widths.map((w, i) => (w > 0 ? (c.y[i + 1]! - c.y[i]!) / w : 0));
      const clamped = g.op("Clip", [x, k([c.x[0]!]), k([c.x[m - 1]!])]);
      const d = g.op("Relu", [g.op("Sub", [clamped, k(starts, [m - 1])])]);
      const contrib = g.op("Mul", [g.op("Min", [d, k(widths, [m - 1])]), k(slopes, [m - 1])]);
      const sum = g.op("ReduceSum", [contrib, g.constant("int64", [1], [1])], { keepdims: 1 });
      out = g.op("Add", [sum, k([c.y[0]!])]);
    }
  }
  return g.op("Cast", [out], { to: DType.float });
}
