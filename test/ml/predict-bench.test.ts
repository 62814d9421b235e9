import { afterEach, describe, expect, it, vi } from "vitest";
import { predictLatency } from "../../bench/predict/index.js";
import type { Matrix } from "../../src/ml/matrix.js";

afterEach(() => vi.restoreAllMocks());

describe("bench predict (smoke: it runs and prints its ratios; no timing is checked)", () => {
  it("prints the JS and ONNX figures and their ratio for a single row and a 1,024-row batch", async () => {
    const n = 300;
    const cols = [0, 1, 2, 3].map((j) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * (j + 1))));
    const X: Matrix = { nRows: n, names: ["a", "b", "c", "d"], columns: cols };
    const y = Float64Array.from({ length: n }, (_, i) => (cols[0]![i]! + cols[1]![i]! > 0 ? 1 : 0));
    let printed = "";
    vi.spyOn(process.stdout, "write").mockImplementation((s) => {
      printed += String(s);
      return true;
    });
    await predictLatency(X, y, X, { trees: 3, reps: 1, calls: [2, 1] });
    expect(printed).toMatch(/JS\/ONNX/);
    expect(printed).toMatch(/^single row +[\d.]+ +[\d.]+ +[\d.]+$/m);
    expect(printed).toMatch(/^1,024-row batch +[\d.]+ +[\d.]+ +[\d.]+$/m);
    expect(printed).toMatch(/load average [\d.]+/);
  });
});
