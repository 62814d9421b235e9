// Fine-tuning the neural learners from a champion (`ctx.init`): the MLP and the autoencoder start
// from its weights (and keep its standardisation), matrix factorisation from its tables (new users
// and items start fresh); deterministic; a champion of another shape is a WarmStartError.
import { describe, expect, it } from "vitest";
import type { Dataset, Task, TrainedModel } from "../../src/ml/estimator.js";
import { autoencoderEstimator, matrixFactorizationEstimator, mlpEstimator } from "../../src/ml/nn/index.js";
import { Rng } from "../../src/ml/random.js";
import { WarmStartError } from "../../src/ml/warm-start.js";
import { hex, normalRows } from "./learner-datasets.js";

const BIN: Task = { kind: "binary", classes: ["0", "1"] };

const rows = normalRows;

const maxDiff = (a: Float64Array, b: Float64Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe("neural warm starts", () => {
  const old = rows(200, 1);
  const fresh = rows(200, 2);
  const probe = rows(50, 3);

  it("mlp: fine-tunes the champion's weights, differs from a cold fit, is deterministic", async () => {
    const params = { hidden: "8", epochs: 4, batch_size: 32, learning_rate: 0.01 };
    const champion = await mlpEstimator.fit(old, undefined, params, BIN, { seed: 1 });
    // zero epochs of fine-tuning would be the champion itself: one small step stays close to it
    const tuned = await mlpEstimator.fit(
      fresh,
      undefined,
      { ...params, epochs: 1, learning_rate: 1e-4 },
      BIN,
      {
        seed: 1,
        init: champion,
      },
    );
    const cold = await mlpEstimator.fit(
      fresh,
      undefined,
      { ...params, epochs: 1, learning_rate: 1e-4 },
      BIN,
      {
        seed: 1,
      },
    );
    const c = champion.predict(probe.X);
    expect(maxDiff(tuned.predict(probe.X), c)).toBeLessThan(0.02);
    expect(maxDiff(cold.predict(probe.X), c)).toBeGreaterThan(0.05);
    const warm = (m: TrainedModel) => mlpEstimator.fit(fresh, undefined, params, BIN, { seed: 1, init: m });
    expect(hex((await warm(champion)).serialize())).toBe(hex((await warm(champion)).serialize()));
    await expect(
      mlpEstimator.fit(fresh, undefined, { ...params, hidden: "4" }, BIN, { seed: 1, init: champion }),
    ).rejects.toThrow(WarmStartError);
  });

  it("autoencoder: fine-tunes the champion's weights", async () => {
    const x = { X: old.X };
    const params = { hidden: "2", epochs: 3, batch_size: 32, learning_rate: 0.01 };
    const champion = await autoencoderEstimator.fit(x, undefined, params, { kind: "anomaly" }, { seed: 1 });
    const tuned = await autoencoderEstimator.fit(
      { X: fresh.X },
      undefined,
      { ...params, epochs: 1, learning_rate: 1e-5 },
      { kind: "anomaly" },
      { seed: 1, init: champion },
    );
    expect(maxDiff(tuned.predict(probe.X), champion.predict(probe.X))).toBeLessThan(0.02);
    await expect(
      autoencoderEstimator.fit(x, undefined, params, BIN, { seed: 1, init: champion }),
    ).rejects.toThrow(/anomaly/);
  });

  it("matrix factorisation: keeps the champion's users and items and adds new ones", async () => {
    const pairs = (users: number, seed: number): Dataset => {
      const r = new Rng(seed);
      const n = users * 6;
      const u = Float32Array.from({ length: n }, (_, i) => i % users);
      const it = Float32Array.from({ length: n }, () => r.int(10));
      return {
        X: { nRows: n, columns: [u, it], names: ["user", "item"] },
        y: Float64Array.from(u, (v, i) => (v + it[i]!) % 5),
      };
    };
    const params = { factors: 3, epochs: 3, batch_size: 32, learning_rate: 0.05 };
    const reg: Task = { kind: "regression" };
    const champion = await matrixFactorizationEstimator.fit(pairs(20, 1), undefined, params, reg, {
      seed: 1,
    });
    const more = pairs(30, 2);
    const tuned = await matrixFactorizationEstimator.fit(
      more,
      undefined,
      { ...params, epochs: 1, learning_rate: 1e-5 },
      reg,
      {
        seed: 1,
        init: champion,
      },
    );
    const known = pairs(20, 5);
    expect(maxDiff(tuned.predict(known.X), champion.predict(known.X))).toBeLessThan(0.02);
    expect(tuned.factorTables!().nUsers).toBe(30);
    await expect(
      matrixFactorizationEstimator.fit(more, undefined, { ...params, factors: 4 }, reg, {
        seed: 1,
        init: champion,
      }),
    ).rejects.toThrow(/3 factors/);
  });
});
