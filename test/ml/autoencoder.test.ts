import { describe, expect, it } from "vitest";
import type { Dataset, Task } from "../../src/ml/estimator.js";
import { estimatorFor } from "../../src/ml/estimator-registry.js";
import { autoencoderEstimator } from "../../src/ml/nn/index.js";
import { expectOnnxParity, hex, labelled, rocAuc, splitRows } from "./learner-datasets.js";

const anomaly: Task = { kind: "anomaly" };
const shuttleAll = labelled("Shuttle.csv", "Class");
const normalIdx = shuttleAll.classes.indexOf("Rad.Flow");
const shuttle: Dataset = {
  X: shuttleAll.X,
  y: Float64Array.from(shuttleAll.y!, (v) => (v === normalIdx ? 0 : 1)),
};
// The 3,625-row Shuttle sample keeps tfjs quick: ~2,700 training rows and ~900 test rows.
const [train, test] = splitRows(shuttle, 4);

describe("autoencoder", () => {
  it("is registered under 'autoencoder'", () => {
    expect(estimatorFor("autoencoder")).toBe(autoencoderEstimator);
  });

  it("scores Shuttle's rare classes above Rad.Flow by reconstruction error, and ONNX matches", async () => {
    const metrics: number[] = [];
    const model = await autoencoderEstimator.fit(
      { X: train.X },
      { X: test.X },
      { hidden: "6,3", epochs: 16, batch_size: 64, learning_rate: 0.01 },
      anomaly,
      {
        seed: 11,
        onProgress: (p) => {
          expect(p.metric?.name).toBe("reconstruction_mse");
          metrics.push(p.metric!.value);
        },
      },
    );
    expect(metrics.length).toBe(16);
    expect(Math.min(...metrics)).toBeLessThan(metrics[0]!);
    const s = model.predict(test.X);
    expect(s.every((v) => v >= 0)).toBe(true);
    // 0.76 measured (isolation forest: 0.85); the "High" class (15% of rows) is barely anomalous.
    expect(rocAuc(s, test.y!)).toBeGreaterThan(0.6);
    await expectOnnxParity(model, test.X);
  });

  it("is byte-identical for the same seed, round-trips, and exports NaN handling like predict", async () => {
    const params = { hidden: "4,2", epochs: 2, dropout: 0.1 };
    const a = await autoencoderEstimator.fit({ X: test.X }, undefined, params, anomaly, { seed: 2 });
    const b = await autoencoderEstimator.fit({ X: test.X }, undefined, params, anomaly, { seed: 2 });
    expect(hex(a.serialize())).toBe(hex(b.serialize()));
    const back = autoencoderEstimator.deserialize(a.serialize());
    expect(Array.from(back.predict(test.X))).toEqual(Array.from(a.predict(test.X)));
    const withNaN = {
      ...test.X,
      columns: test.X.columns.map((c, j) => Float32Array.from(c, (v, i) => (i % 5 === j % 5 ? NaN : v))),
    };
    await expectOnnxParity(back, withNaN);
  });

  it("rejects supervised tasks and an empty hidden list", async () => {
    await expect(
      autoencoderEstimator.fit({ X: test.X }, undefined, {}, { kind: "regression" }, { seed: 1 }),
    ).rejects.toThrow(/anomaly task only/);
    await expect(
      autoencoderEstimator.fit({ X: test.X }, undefined, { hidden: "" }, anomaly, { seed: 1 }),
    ).rejects.toThrow(/hidden/);
  });
});
