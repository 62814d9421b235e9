// BPR warm start (the champion's tables, new users and items fresh) and checkpoints every N epochs:
// a fit resumed from a saved epoch gives the bytes of an uninterrupted one.
import { describe, expect, it } from "vitest";
import type { Dataset, Task } from "../../src/ml/estimator.js";
import { bprEstimator } from "../../src/ml/recommend/index.js";
import { Rng } from "../../src/ml/random.js";
import type { TrainingCheckpoints } from "../../src/ml/warm-start.js";
import { hex } from "./learner-datasets.js";

const RANK: Task = { kind: "ranking" };

function clicks(users: number, seed: number): Dataset {
  const r = new Rng(seed);
  const n = users * 8;
  const u = Float32Array.from({ length: n }, (_, i) => i % users);
  const it = Float32Array.from({ length: n }, () => r.int(15));
  const y = Float64Array.from(u, (v, i) => ((v + it[i]!) % 3 === 0 ? 1 : 0));
  return { X: { nRows: n, columns: [u, it], names: ["user", "item"] }, y };
}

const PARAMS = { factors: 4, epochs: 12, learning_rate: 0.05 };

describe("bpr warm start and checkpoints", () => {
  it("continues from the champion's tables and adds new users", async () => {
    const champion = await bprEstimator.fit(clicks(20, 1), undefined, PARAMS, RANK, { seed: 2 });
    const more = clicks(25, 3);
    const tuned = await bprEstimator.fit(
      more,
      undefined,
      { ...PARAMS, epochs: 1, learning_rate: 1e-6 },
      RANK,
      {
        seed: 2,
        init: champion,
      },
    );
    const known = clicks(20, 4);
    const a = tuned.predict(known.X);
    const c = champion.predict(known.X);
    expect(a.reduce((m, v, i) => Math.max(m, Math.abs(v - c[i]!)), 0)).toBeLessThan(1e-3);
    expect(tuned.factorTables!().nUsers).toBe(25);
    await expect(
      bprEstimator.fit(more, undefined, { ...PARAMS, factors: 3 }, RANK, { seed: 2, init: champion }),
    ).rejects.toThrow(/4 factors/);
  });

  it("resumes from a checkpoint to the uninterrupted bytes", async () => {
    const data = clicks(30, 5);
    const whole = await bprEstimator.fit(data, undefined, PARAMS, RANK, { seed: 2 });
    const saved: { epoch: number; bytes: Uint8Array }[] = [];
    const cp: TrainingCheckpoints = {
      every: 4,
      load: async () => saved.find((s) => s.epoch === 4)?.bytes,
      save: async (epoch, bytes) => void saved.push({ epoch, bytes }),
    };
    const first = await bprEstimator.fit(data, undefined, PARAMS, RANK, {
      seed: 2,
      checkpoint: { ...cp, load: async () => undefined },
    });
    expect(saved.map((s) => s.epoch)).toEqual([4, 8]);
    expect(hex(first.serialize())).toBe(hex(whole.serialize()));
    const epochs: number[] = [];
    const resumed = await bprEstimator.fit(data, undefined, PARAMS, RANK, {
      seed: 2,
      checkpoint: cp,
      onProgress: (p) => void epochs.push(p.iteration),
    });
    expect(epochs[0]).toBe(5);
    expect(hex(resumed.serialize())).toBe(hex(whole.serialize()));
  });
});
