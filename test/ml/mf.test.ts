import { describe, expect, it } from "vitest";
import type { Dataset } from "../../src/ml/estimator.js";
import { estimatorFor } from "../../src/ml/estimator-registry.js";
import { matrixFactorizationEstimator } from "../../src/ml/nn/index.js";
import { Rng } from "../../src/ml/random.js";
import { expectOnnxParity, hex } from "./learner-datasets.js";

/** Ratings from a rank-3 user × item matrix plus noise; a seeded share of pairs observed. */
function lowRankRatings(seed: number, binary = false): { train: Dataset; test: Dataset } {
  const rng = new Rng(seed);
  const nU = 60;
  const nI = 40;
  const P = Array.from({ length: nU * 3 }, () => rng.normal());
  const Q = Array.from({ length: nI * 3 }, () => rng.normal());
  const rows: { u: number; i: number; y: number; test: boolean }[] = [];
  for (let u = 0; u < nU; u++) {
    for (let i = 0; i < nI; i++) {
      if (rng.next() > 0.6) continue;
      const latent =
        P[u * 3]! * Q[i * 3]! +
        P[u * 3 + 1]! * Q[i * 3 + 1]! +
        P[u * 3 + 2]! * Q[i * 3 + 2]! +
        0.1 * rng.normal();
      rows.push({ u, i, y: binary ? (latent > 0 ? 1 : 0) : 3 + latent, test: rng.next() < 0.2 });
    }
  }
  const make = (rs: typeof rows): Dataset => ({
    X: {
      nRows: rs.length,
      names: ["user", "item"],
      columns: [Float32Array.from(rs, (r) => r.u), Float32Array.from(rs, (r) => r.i)],
    },
    y: Float64Array.from(rs, (r) => r.y),
  });
  return { train: make(rows.filter((r) => !r.test)), test: make(rows.filter((r) => r.test)) };
}

const rmse = (p: Float64Array, y: Float64Array) =>
  Math.sqrt(p.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0) / p.length);

describe("matrix factorisation", () => {
  it("is registered under 'matrix_factorization'", () => {
    expect(estimatorFor("matrix_factorization")).toBe(matrixFactorizationEstimator);
  });

  it("recovers held-out ratings of a low-rank matrix far better than the mean, with ONNX parity", async () => {
    const { train, test } = lowRankRatings(1);
    const model = await matrixFactorizationEstimator.fit(
      train,
      test,
      { factors: 3, epochs: 30, batch_size: 128, learning_rate: 0.05, l2: 1e-3 },
      { kind: "regression" },
      { seed: 1 },
    );
    const p = model.predict(test.X);
    const mean = train.y!.reduce((a, b) => a + b, 0) / train.y!.length;
    const baseline = rmse(new Float64Array(p.length).fill(mean), test.y!);
    expect(rmse(p, test.y!)).toBeLessThan(0.5 * baseline);
    await expectOnnxParity(model, test.X);
  });

  it("scores interactions as probabilities for a binary task and maps unseen or invalid ids to the cold-start score", async () => {
    const { train, test } = lowRankRatings(2, true);
    const model = await matrixFactorizationEstimator.fit(
      train,
      undefined,
      { factors: 4, epochs: 15, batch_size: 64, learning_rate: 0.05 },
      { kind: "binary", classes: ["0", "1"] },
      { seed: 1 },
    );
    const p = model.predict(test.X);
    // Probabilities; a confident float32 sigmoid may round to exactly 0 or 1.
    expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
    const acc = p.reduce((s, v, i) => s + ((v > 0.5 ? 1 : 0) === test.y![i] ? 1 : 0), 0) / p.length;
    expect(acc).toBeGreaterThan(0.75);
    const odd = {
      nRows: 5,
      names: ["user", "item"],
      columns: [Float32Array.from([999, NaN, -1, 2.5, 0]), Float32Array.from([999, 3, 3, 1.5, 1])],
    };
    const q = model.predict(odd);
    // An unknown user and unknown item: only the global bias remains.
    const coldStart =
      1 / (1 + Math.exp(-(model as unknown as { state: { globalBias: number } }).state.globalBias));
    expect(q[0]).toBeCloseTo(coldStart, 6);
    // A fractional id is truncated like ONNX Cast does: (2.5, 1.5) scores as (2, 1).
    expect(q[3]).toBeCloseTo(
      model.predict({ ...odd, nRows: 1, columns: [Float32Array.from([2]), Float32Array.from([1])] })[0]!,
      6,
    );
    await expectOnnxParity(model, odd);
    await expectOnnxParity(model, test.X);
  });

  it("is byte-identical for the same seed and round-trips", async () => {
    const { train, test } = lowRankRatings(3);
    const params = { factors: 2, epochs: 2 };
    const a = await matrixFactorizationEstimator.fit(
      train,
      undefined,
      params,
      { kind: "ranking" },
      { seed: 4 },
    );
    const b = await matrixFactorizationEstimator.fit(
      train,
      undefined,
      params,
      { kind: "ranking" },
      { seed: 4 },
    );
    expect(hex(a.serialize())).toBe(hex(b.serialize()));
    expect(Array.from(matrixFactorizationEstimator.deserialize(a.serialize()).predict(test.X))).toEqual(
      Array.from(a.predict(test.X)),
    );
  });

  it("names the column and row of a bad index, and resolves index columns by name", async () => {
    const { train } = lowRankRatings(3);
    const bad = {
      ...train,
      X: {
        ...train.X,
        columns: [Float32Array.from(train.X.columns[0]!, (v, i) => (i === 4 ? 1.5 : v)), train.X.columns[1]!],
      },
    };
    await expect(
      matrixFactorizationEstimator.fit(bad, undefined, {}, { kind: "regression" }, { seed: 1 }),
    ).rejects.toThrow(/column 'user'.*row 5/);
    await expect(
      matrixFactorizationEstimator.fit(
        train,
        undefined,
        { user_column: "customer" },
        { kind: "regression" },
        { seed: 1 },
      ),
    ).rejects.toThrow(/'customer' is not a feature/);
    const swapped = await matrixFactorizationEstimator.fit(
      train,
      undefined,
      { user_column: "item", item_column: "user", epochs: 1 },
      { kind: "regression" },
      { seed: 1 },
    );
    expect((swapped as unknown as { state: { nUsers: number } }).state.nUsers).toBe(40);
  });
});
