import { describe, expect, it } from "vitest";
import { OnnxGraph } from "../../src/onnx/builder.js";
import { loadSession } from "../../src/onnx/session.js";
import {
  applyCalibrator,
  applyIsotonic,
  calibratorToOnnx,
  deserializeCalibrator,
  expectedCalibrationError,
  fitCalibrator,
  fitIsotonic,
  fitPlatt,
  poolAdjacentViolators,
  reliabilityCurve,
  serializeCalibrator,
  type Calibrator,
} from "../../src/ml/calibration/index.js";
import { logloss } from "../../src/ml/metrics/index.js";
import { Rng } from "../../src/ml/random.js";

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Overconfident scores: the true probability is sigmoid(z) but the model says sigmoid(3z + 0.5). */
function miscalibrated(n: number, seed: number): { p: Float64Array; y: Float64Array } {
  const rng = new Rng(seed);
  const p = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z = 1.5 * rng.normal();
    y[i] = rng.next() < sigmoid(z) ? 1 : 0;
    p[i] = sigmoid(3 * z + 0.5);
  }
  return { p, y };
}

describe("reliability curve", () => {
  it("bins predictions and compares them with observed frequencies", () => {
    const bins = reliabilityCurve(
      Float64Array.from([0, 1, 1, 0]),
      Float64Array.from([0.05, 0.15, 0.95, 0.9]),
      1,
      { bins: 10 },
    );
    expect(bins).toHaveLength(10);
    expect(bins[0]).toMatchObject({ count: 1, meanPredicted: 0.05, observed: 0 });
    expect(bins[1]).toMatchObject({ count: 1, observed: 1 });
    expect(bins[8]).toMatchObject({ count: 1, observed: 0 });
    expect(bins[9]).toMatchObject({ count: 1, observed: 1 });
    expect(bins[5]!.count).toBe(0);
    expect(bins[5]!.meanPredicted).toBeNaN();
  });
  it("quantile bins hold equal counts", () => {
    const { p, y } = miscalibrated(1000, 1);
    const bins = reliabilityCurve(y, p, 1, { bins: 5, strategy: "quantile" });
    for (const b of bins) expect(b.count).toBeGreaterThanOrEqual(190);
  });
});

describe("isotonic calibration", () => {
  it("pool-adjacent-violators pools decreasing neighbours", () => {
    expect(Array.from(poolAdjacentViolators([1, 3, 2, 4, 3, 5], [1, 1, 1, 1, 1, 1]))).toEqual([
      1, 2.5, 2.5, 3.5, 3.5, 5,
    ]);
    expect(Array.from(poolAdjacentViolators([3, 2, 1], [1, 1, 2]))).toEqual([1.75, 1.75, 1.75]);
  });
  it("interpolates between knots and clamps outside them", () => {
    const c = fitIsotonic(Float64Array.from([1, 2, 3, 4, 5, 6]), Float64Array.from([1, 3, 2, 4, 3, 5]));
    expect(c.x).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(applyIsotonic(c, Float64Array.from([0, 1.5, 2.5, 10])))).toEqual([1, 1.75, 2.5, 5]);
    // Constant runs keep only their end knots.
    const flat = fitIsotonic(Float64Array.from([1, 2, 3, 4]), Float64Array.from([0, 0, 0, 1]));
    expect(flat.x).toEqual([1, 3, 4]);
  });
  it("reduces calibration error on held-out rows", () => {
    const fit = miscalibrated(4000, 2);
    const test = miscalibrated(4000, 3);
    const c = fitCalibrator("isotonic", fit.p, fit.y);
    const before = expectedCalibrationError(test.y, test.p);
    const after = expectedCalibrationError(test.y, applyCalibrator(c, test.p));
    expect(before).toBeGreaterThan(0.05);
    expect(after).toBeLessThan(before / 2);
  });
});

describe("Platt calibration", () => {
  it("recovers the parameters of a logistic relation on raw scores", () => {
    const rng = new Rng(4);
    const n = 20000;
    const s = Float64Array.from({ length: n }, () => 2 * rng.normal());
    const y = Float64Array.from(s, (v) => (rng.next() < sigmoid(2 * v - 1) ? 1 : 0));
    const c = fitPlatt(s, y, "score");
    expect(c.a).toBeCloseTo(2, 1);
    expect(c.b).toBeCloseTo(-1, 1);
  });
  it("undoes overconfidence on the logit: a ≈ 1/3, b ≈ −1/6", () => {
    const { p, y } = miscalibrated(20000, 5);
    const c = fitCalibrator("platt", p, y);
    if (c.kind !== "platt") throw new Error("expected platt");
    expect(c.a).toBeCloseTo(1 / 3, 1);
    expect(c.b).toBeCloseTo(-1 / 6, 1);
    expect(logloss(y, applyCalibrator(c, p))).toBeLessThan(logloss(y, p));
  });
  it("needs both classes", () => {
    expect(() => fitPlatt(Float64Array.from([0.2, 0.4]), Float64Array.from([1, 1]))).toThrow(/both classes/);
  });
});

describe("calibrators as artifacts", () => {
  const { p, y } = miscalibrated(2000, 6);
  const fitted: Calibrator[] = [fitCalibrator("platt", p, y), fitCalibrator("isotonic", p, y)];

  it("round-trip through bytes, byte-stable, and reject malformed bytes", () => {
    for (const c of fitted) {
      const bytes = serializeCalibrator(c);
      const back = deserializeCalibrator(bytes);
      expect(back).toEqual(c);
      expect(Buffer.from(serializeCalibrator(back)).equals(Buffer.from(bytes))).toBe(true);
    }
    expect(() => deserializeCalibrator(new TextEncoder().encode("{"))).toThrow(/not JSON/);
    expect(() => deserializeCalibrator(new TextEncoder().encode('{"version":2}'))).toThrow(/version 2/);
    expect(() =>
      deserializeCalibrator(new TextEncoder().encode('{"version":1,"kind":"isotonic","x":[2,1],"y":[0,1]}')),
    ).toThrow(/not sorted/);
  });

  it("the ONNX form gives the JS values within 1e-5 on every row (onnxruntime)", async () => {
    const rows = Float32Array.from([0, 1e-9, 0.001, ...Array.from(p.subarray(0, 500)), 0.5, 0.999999, 1]);
    for (const c of fitted) {
      const g = new OnnxGraph();
      const input = g.input("p", "float", ["N", 1]);
      const out = calibratorToOnnx(c, g, input);
      g.node("Identity", [out], ["calibrated"]);
      g.output("calibrated", "float", ["N", 1]);
      const session = await loadSession(g.toBytes());
      const res = await session.run({ p: { type: "float", data: rows, dims: [rows.length, 1] } });
      const onnx = res.calibrated!.data as Float32Array;
      const js = applyCalibrator(c, Float64Array.from(rows));
      for (let i = 0; i < rows.length; i++) expect(Math.abs(onnx[i]! - js[i]!)).toBeLessThan(1e-5);
      await session.release();
    }
  });

  it("multiclass models are refused with a clear message", () => {
    expect(() => fitCalibrator("platt", new Float64Array(6), new Float64Array(2), 3)).toThrow(
      /binary models/,
    );
  });
});
