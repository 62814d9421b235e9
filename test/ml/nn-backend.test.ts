import { describe, expect, it } from "vitest";
import { loadTf, tfBackend, tfSync } from "../../src/ml/nn/backend.js";
import { embeddingLookup } from "../../src/ml/nn/embedding-lookup.js";
import { Rng } from "../../src/ml/random.js";

describe("TensorFlow.js backend", () => {
  it("loads WASM when tfjs-node is absent (or tfjs-node when installed) and is reused", async () => {
    const a = await loadTf();
    const b = await loadTf();
    expect(a).toBe(b);
    let native = true;
    try {
      await import("@tensorflow/tfjs-node" as string);
    } catch {
      native = false;
    }
    expect(a.backend).toBe(native ? "tensorflow" : "wasm");
    expect(tfBackend()).toBe(a.backend);
    expect(a.tf.getBackend()).toBe(a.backend);
    expect(tfSync()).toBe(a.tf);
    expect(
      Array.from(
        a.tf.matMul(a.tf.tensor2d([1, 2, 3, 4], [2, 2]), a.tf.tensor2d([1, 0, 0, 1], [2, 2])).dataSync(),
      ),
    ).toEqual([1, 2, 3, 4]);
  });

  it("the same model code predicts alike on the WASM and the pure-JS cpu backend", async () => {
    const { tf, backend } = await loadTf();
    const { mlpEstimator } = await import("../../src/ml/nn/mlp.js");
    const rng = new Rng(3);
    const n = 200;
    const cols = [0, 1, 2].map(() => Float32Array.from({ length: n }, () => rng.normal()));
    const y = Float64Array.from({ length: n }, (_, i) =>
      cols[0]![i]! + cols[1]![i]! * cols[2]![i]! > 0 ? 1 : 0,
    );
    const X = { nRows: n, columns: cols, names: ["a", "b", "c"] };
    const model = await mlpEstimator.fit(
      { X, y },
      undefined,
      { hidden: "8,4", epochs: 3 },
      { kind: "binary", classes: ["0", "1"] },
      { seed: 1 },
    );
    const onDefault = model.predict(X);
    await tf.setBackend("cpu");
    try {
      const onCpu = model.predict(X);
      for (let i = 0; i < n; i++) expect(Math.abs(onCpu[i]! - onDefault[i]!)).toBeLessThan(1e-6);
    } finally {
      await tf.setBackend(backend);
    }
  });

  it("embedding lookup gathers rows and sums gradients of repeated ids", async () => {
    const { tf } = await loadTf();
    const table = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const idx = tf.tensor1d([2, 0, 2], "int32");
    expect(Array.from(embeddingLookup(tf, table, idx).dataSync())).toEqual([5, 6, 1, 2, 5, 6]);
    const grad = tf.grad((t: import("@tensorflow/tfjs").Tensor) =>
      tf.sum(tf.mul(embeddingLookup(tf, t, idx), tf.tensor2d([1, 1, 10, 10, 100, 100], [3, 2]))),
    );
    expect(Array.from(grad(table).dataSync())).toEqual([10, 10, 0, 0, 101, 101]);
  });

  it("the seeded generator is reproducible and uniform enough", () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 10000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 10000 }, () => b.next()));
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(new Rng(43).next()).not.toBe(xs[0]);
  });
});
