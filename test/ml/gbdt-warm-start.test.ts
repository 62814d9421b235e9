// GBDT warm start (`ctx.init`: boosting goes on from the champion's trees) and checkpoints
// (`ctx.checkpoint`: a fit resumed from a saved round gives the bytes of an uninterrupted fit).
import { describe, expect, it } from "vitest";
import type { Dataset, Task } from "../../src/ml/estimator.js";
import { fitGbdt } from "../../src/ml/gbdt/booster.js";
import { Rng } from "../../src/ml/random.js";
import type { TrainingCheckpoints } from "../../src/ml/warm-start.js";
import { WarmStartError } from "../../src/ml/warm-start.js";
import { hex } from "./learner-datasets.js";

const BIN: Task = { kind: "binary", classes: ["no", "yes"] };
const MULTI: Task = { kind: "multiclass", classes: ["a", "b", "c"] };

function data(n: number, seed: number, d = 4, names?: string[]): Dataset {
  const r = new Rng(seed);
  const columns = Array.from({ length: d }, () => new Float32Array(n));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) columns[j]![i] = r.next() * 2 - 1;
    const z = 3 * columns[0]![i]! - 2 * columns[1]![i]! + columns[2]![i]! * columns[3]![i]!;
    y[i] = r.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X: { nRows: n, columns, names: names ?? Array.from({ length: d }, (_, j) => `x${j}`) }, y };
}

const PARAMS = { trees: 12, max_depth: 3, learning_rate: 0.2, subsample: 0.8, colsample: 0.75 };
const fit = (train: Dataset, valid: Dataset | undefined, ctx: Parameters<typeof fitGbdt>[4]) =>
  fitGbdt(train, valid, PARAMS, BIN, ctx, { workerUrl: null });

/** Checkpoints kept in memory; `stopAfter` aborts the fit once that round is saved (a crash). */
function memoryCheckpoints(every: number, stopAfter?: number) {
  const saved: { round: number; bytes: Uint8Array }[] = [];
  const controller = new AbortController();
  const cp: TrainingCheckpoints = {
    every,
    load: async () => saved.at(-1)?.bytes,
    save: async (round, bytes) => {
      saved.push({ round, bytes });
      if (round === stopAfter) controller.abort(new Error("killed"));
    },
  };
  return { cp, saved, signal: controller.signal };
}

describe("gbdt warm start", () => {
  const old = data(400, 1);
  const fresh = data(400, 2);
  const valid = data(150, 3);

  it("keeps the champion's trees and adds this fit's rounds after them", async () => {
    const champion = await fit(old, valid, { seed: 7 });
    const warm = await fit(fresh, valid, { seed: 7, init: champion });
    const n0 = champion.ensemble.trees.length;
    expect(warm.ensemble.trees.length).toBe(n0 + 12);
    for (let i = 0; i < n0; i++) expect(warm.ensemble.trees[i]).toEqual(champion.ensemble.trees[i]);
    expect([...warm.ensemble.base]).toEqual([...champion.ensemble.base]);
    expect(warm.bestIteration).toBe(champion.bestIteration! + 12);
  });

  it("predicts differently from a cold fit on the same data, and deterministically", async () => {
    const champion = await fit(old, valid, { seed: 7 });
    const cold = await fit(fresh, valid, { seed: 7 });
    const warm = await fit(fresh, valid, { seed: 7, init: champion });
    const again = await fit(fresh, valid, { seed: 7, init: champion });
    const a = warm.predict(valid.X);
    const b = cold.predict(valid.X);
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    expect(diff).toBeGreaterThan(1e-3);
    expect(hex(again.serialize())).toBe(hex(warm.serialize()));
  });

  it("refuses a champion of other features, classes or algorithm", async () => {
    const champion = await fit(old, valid, { seed: 7 });
    const renamed = data(400, 2, 4, ["x0", "x1", "x2", "other"]);
    await expect(fit(renamed, undefined, { seed: 7, init: champion })).rejects.toThrow(WarmStartError);
    await expect(fit(renamed, undefined, { seed: 7, init: champion })).rejects.toThrow(/new: other/);
    const wide = data(400, 2, 5);
    await expect(fit(wide, undefined, { seed: 7, init: champion })).rejects.toThrow(/4 features .* 5/);
    const three = { ...fresh, y: fresh.y!.map((v, i) => (i % 3 === 0 ? 2 : v)) };
    await expect(
      fitGbdt(three, undefined, PARAMS, MULTI, { seed: 7, init: champion }, { workerUrl: null }),
    ).rejects.toThrow(/binary model and this task is multiclass/);
  });
});

describe("gbdt checkpoints", () => {
  const train = data(300, 4);
  const valid = data(100, 5);

  it("saves every N rounds, and a fit resumed from a checkpoint gives the uninterrupted bytes", async () => {
    const whole = await fit(train, valid, { seed: 3 });
    const run = memoryCheckpoints(5);
    const checkpointed = await fit(train, valid, { seed: 3, checkpoint: run.cp });
    expect(run.saved.map((s) => s.round)).toEqual([5, 10]);
    expect(hex(checkpointed.serialize())).toBe(hex(whole.serialize()));

    const crashed = memoryCheckpoints(5, 5);
    await expect(
      fit(train, valid, { seed: 3, checkpoint: crashed.cp, signal: crashed.signal }),
    ).rejects.toThrow();
    expect(crashed.saved.map((s) => s.round)).toEqual([5]);
    const rounds: number[] = [];
    const resumed = await fit(train, valid, {
      seed: 3,
      checkpoint: { ...crashed.cp, save: async () => {} },
      onProgress: (p) => void rounds.push(p.iteration),
    });
    expect(rounds[0]).toBe(6);
    expect(hex(resumed.serialize())).toBe(hex(whole.serialize()));
  });

  it("resumes a warm start too", async () => {
    const champion = await fit(data(300, 9), valid, { seed: 3 });
    const whole = await fit(train, valid, { seed: 3, init: champion });
    const crashed = memoryCheckpoints(4, 8);
    await expect(
      fit(train, valid, { seed: 3, init: champion, checkpoint: crashed.cp, signal: crashed.signal }),
    ).rejects.toThrow();
    const resumed = await fit(train, valid, { seed: 3, init: champion, checkpoint: crashed.cp });
    expect(hex(resumed.serialize())).toBe(hex(whole.serialize()));
  });
});
