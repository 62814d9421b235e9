// Checkpoints of the neural learners (`checkpoint { every = N }`): a fit resumed from any saved epoch
// ends with the bytes of a fit that never stopped (mlp with dropout and early stopping, autoencoder,
// matrix factorisation, two_tower), the checkpoints it saves after resuming are those of the
// uninterrupted fit, writing them changes no byte of the model, no tensor is left behind, and a
// checkpoint of another training is refused. Adam's own state round-trips bit for bit.
import { describe, expect, it } from "vitest";
import type { Dataset, Estimator, Params, Task } from "../../src/ml/estimator.js";
import {
  autoencoderEstimator,
  matrixFactorizationEstimator,
  mlpEstimator,
  twoTowerEstimator,
} from "../../src/ml/nn/index.js";
import { Adam } from "../../src/ml/nn/adam.js";
import { loadTf } from "../../src/ml/nn/backend.js";
import { decodeNnCheckpoint } from "../../src/ml/nn/nn-checkpoint.js";
import { Rng } from "../../src/ml/random.js";
import type { TrainingCheckpoints } from "../../src/ml/warm-start.js";
import { tasteRows, TWO_TOWER_PARAMS } from "../fixtures/tiny-two-tower.js";
import { hex, normalRows } from "./learner-datasets.js";

const rows = normalRows;

function ratings(n: number, seed: number): Dataset {
  const r = new Rng(seed);
  const u = Float32Array.from({ length: n }, () => r.int(30));
  const i = Float32Array.from({ length: n }, () => r.int(20));
  const y = Float64Array.from(u, (v, k) => ((v + i[k]!) % 5) + 0.1 * r.normal());
  return { X: { nRows: n, columns: [u, i], names: ["user", "item"] }, y };
}

interface Case {
  name: string;
  est: Estimator;
  train: Dataset;
  valid?: Dataset;
  params: Params;
  task: Task;
}

const BIN: Task = { kind: "binary", classes: ["0", "1"] };
const CASES: Case[] = [
  {
    name: "mlp (dropout, l2, early stopping on a validation set)",
    est: mlpEstimator,
    train: rows(300, 1),
    valid: rows(60, 2),
    params: {
      hidden: "8,4",
      epochs: 9,
      batch_size: 32,
      learning_rate: 0.02,
      dropout: 0.2,
      l2: 1e-3,
      early_stop: 3,
    },
    task: BIN,
  },
  {
    name: "autoencoder",
    est: autoencoderEstimator,
    train: { X: rows(300, 3).X },
    valid: { X: rows(50, 4).X },
    params: { hidden: "2", epochs: 8, batch_size: 32, dropout: 0.1 },
    task: { kind: "anomaly" },
  },
  {
    name: "matrix_factorization",
    est: matrixFactorizationEstimator,
    train: ratings(500, 5),
    valid: ratings(100, 6),
    params: { factors: 4, epochs: 8, batch_size: 64 },
    task: { kind: "regression" },
  },
  {
    name: "two_tower",
    est: twoTowerEstimator,
    train: tasteRows(3),
    params: { ...TWO_TOWER_PARAMS, epochs: 8 },
    task: { kind: "ranking" },
  },
];

/** Checkpoints kept in memory: `resumeAt` is the epoch `load` hands back (none: a fresh start). */
function memory(every: number, from?: Map<number, Uint8Array>, resumeAt?: number) {
  const saved = new Map<number, Uint8Array>();
  const cp: TrainingCheckpoints = {
    every,
    load: async () => (resumeAt === undefined ? undefined : from!.get(resumeAt)),
    save: async (epoch, bytes) => void saved.set(epoch, bytes),
  };
  return { cp, saved };
}

describe("neural training checkpoints", () => {
  for (const c of CASES)
    it(`${c.name}: resumes from every checkpoint to the uninterrupted bytes`, async () => {
      const fit = (checkpoint?: TrainingCheckpoints) =>
        c.est.fit(c.train, c.valid, c.params, c.task, { seed: 7, ...(checkpoint ? { checkpoint } : {}) });
      const { tf } = await loadTf();
      const before = tf.memory().numTensors;
      const plain = hex((await fit()).serialize());
      expect(tf.memory().numTensors).toBe(before);
      const whole = memory(2);
      expect(hex((await fit(whole.cp)).serialize())).toBe(plain);
      const epochs = [...whole.saved.keys()];
      expect(epochs.length).toBeGreaterThan(0);
      expect(epochs.every((e) => e % 2 === 0)).toBe(true);
      for (const at of epochs) {
        const resumed = memory(2, whole.saved, at);
        expect(hex((await fit(resumed.cp)).serialize()), `resumed at epoch ${at}`).toBe(plain);
        // what it saves after resuming is what the uninterrupted fit saved
        for (const [e, bytes] of resumed.saved) expect(hex(bytes)).toBe(hex(whole.saved.get(e)!));
        expect([...resumed.saved.keys()]).toEqual(epochs.filter((e) => e > at));
      }
      expect(tf.memory().numTensors).toBe(before);
    });

  it("mlp: early stopping's best epoch survives a resume", async () => {
    const c = CASES[0]!;
    // a learning rate that overshoots: the validation loss stops improving and training stops early
    const params = { ...c.params, learning_rate: 0.5, epochs: 30, early_stop: 2 };
    const fit = (checkpoint?: TrainingCheckpoints) =>
      c.est.fit(c.train, c.valid, params, c.task, { seed: 7, ...(checkpoint ? { checkpoint } : {}) });
    const whole = memory(1);
    const plain = await fit(whole.cp);
    const last = Math.max(...whole.saved.keys());
    expect(last).toBeLessThan(29);
    const state = decodeNnCheckpoint(whole.saved.get(last)!, 300, [3 * 8, 8 * 4, 4 * 1, 8, 4, 1]);
    expect(state.best).not.toBeNull();
    expect(state.best!.epoch).toBeLessThan(last);
    const resumed = await fit(memory(1, whole.saved, last).cp);
    expect(hex(resumed.serialize())).toBe(hex(plain.serialize()));
  });

  it("refuses a checkpoint of another training", async () => {
    const c = CASES[0]!;
    const whole = memory(3);
    await c.est.fit(c.train, c.valid, c.params, c.task, { seed: 7, checkpoint: whole.cp });
    const other = memory(3, whole.saved, 3);
    await expect(
      c.est.fit(rows(200, 9), c.valid, c.params, c.task, { seed: 7, checkpoint: other.cp }),
    ).rejects.toThrow(/checkpoint is of 300 rows .* this training has 200 rows/);
  });

  it("Adam: a restored optimiser takes the very step the saved one takes", async () => {
    const { tf } = await loadTf();
    const make = () => [
      tf.variable(tf.tensor1d([0.3, -1.2, 2])),
      tf.variable(tf.tensor2d([1, 2, 3, 4], [2, 2])),
    ];
    const loss = (v: import("@tensorflow/tfjs").Variable[]) => () =>
      tf.add(
        tf.sum(tf.square(tf.sin(v[0]!))),
        tf.sum(tf.exp(tf.mul(0.1, v[1]!))),
      ) as import("@tensorflow/tfjs").Scalar;
    const a = make();
    const adam = new Adam(tf, a, 0.05);
    for (let i = 0; i < 37; i++) adam.minimize(loss(a));
    const b = make();
    b.forEach((v, i) => v.assign(a[i]!));
    const copy = new Adam(tf, b, 0.05);
    copy.restore(adam.state());
    for (let i = 0; i < 5; i++) {
      adam.minimize(loss(a));
      copy.minimize(loss(b));
    }
    expect(b.map((v) => hex(new Uint8Array(v.dataSync().buffer)))).toEqual(
      a.map((v) => hex(new Uint8Array(v.dataSync().buffer))),
    );
    // β1ᵗ is the accumulated float32 product, not pow(β1, t) (what tfjs's setWeights would put back)
    const s = adam.state();
    expect(s.accBeta1).toBe(Math.fround(s.accBeta1));
    adam.dispose();
    copy.dispose();
    tf.dispose([...a, ...b]);
  });
});
