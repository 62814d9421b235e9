// Platt scaling: p' = sigmoid(a·f + b) fitted by Newton's method with backtracking on Platt's
// smoothed targets (Lin, Lin & Weng 2007), f the model's logit (or raw score for non-probabilities).

export interface PlattCalibrator {
  kind: "platt";
  version: 1;
  /** "logit": f = log(p / (1 − p)) of the clipped probability; "score": f = the raw model output. */
  input: "logit" | "score";
  a: number;
  b: number;
}

/** Probabilities are clipped to [EPS, 1 − EPS] before the logit, in JS and ONNX alike. */
export const PLATT_EPS = 1e-7;

function plattFeature(input: PlattCalibrator["input"], v: number): number {
  if (input === "score") return v;
  const p = Math.min(1 - PLATT_EPS, Math.max(PLATT_EPS, v));
  return Math.log(p) - Math.log(1 - p);
}

const softplus = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export function fitPlatt(
  pred: Float64Array,
  y: Float64Array,
  input: PlattCalibrator["input"] = "logit",
): PlattCalibrator {
  const n = y.length;
  if (pred.length !== n) throw new Error(`Platt scaling: ${pred.length} predictions for ${n} labels`);
  let pos = 0;
  for (let i = 0; i < n; i++) if (y[i] === 1) pos++;
  const neg = n - pos;
  if (pos === 0 || neg === 0) throw new Error("Platt scaling needs both classes in the calibration rows");
  // Platt's targets keep the fit from driving a to infinity on separable data.
  const tPos = (pos + 1) / (pos + 2);
  const tNeg = 1 / (neg + 2);
  const f = Float64Array.from(pred, (v) => plattFeature(input, v));
  const t = Float64Array.from(y, (v) => (v === 1 ? tPos : tNeg));
  const loss = (a: number, b: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const z = a * f[i]! + b;
      s += t[i]! * softplus(-z) + (1 - t[i]!) * softplus(z);
    }
    return s;
  };
  let a = input === "logit" ? 1 : 0;
  let b = input === "logit" ? 0 : Math.log((pos + 1) / (neg + 1));
  let cur = loss(a, b);
  for (let iter = 0; iter < 100; iter++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-12;
    let hab = 0;
    let hbb = 1e-12;
    for (let i = 0; i < n; i++) {
      const p = sigmoid(a * f[i]! + b);
      const d = p - t[i]!;
      const w = p * (1 - p);
      ga += d * f[i]!;
      gb += d;
      haa += w * f[i]! * f[i]!;
      hab += w * f[i]!;
      hbb += w;
    }
    if (Math.abs(ga) < 1e-9 * n && Math.abs(gb) < 1e-9 * n) break;
    const det = haa * hbb - hab * hab;
    const da = -(hbb * ga - hab * gb) / det;
    const db = -(-hab * ga + haa * gb) / det;
    let step = 1;
    let improved = false;
    while (step > 1e-10) {
      const na = a + step * da;
      const nb = b + step * db;
      const l = loss(na, nb);
      if (l < cur) {
        a = na;
        b = nb;
        improved = cur - l > 1e-13 * Math.max(1, cur);
        cur = l;
        break;
      }
      step /= 2;
    }
    if (!improved) break;
  }
  return { kind: "platt", version: 1, input, a, b };
}

export function applyPlatt(c: PlattCalibrator, pred: Float64Array): Float64Array {
  return Float64Array.from(pred, (v) => sigmoid(c.a * plattFeature(c.input, v) + c.b));
}
