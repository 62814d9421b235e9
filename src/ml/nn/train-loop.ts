// The epoch loop shared by the neural learners: seeded mini-batch order, progress and validation
// metric per epoch, "stop" and abort handling, and early stopping that restores the best weights.
import type { FitContext } from "../estimator.js";
import type { SeededRandom } from "./seeded-random.js";

export interface EpochLoop<W> {
  nRows: number;
  epochs: number;
  batchSize: number;
  /** Epochs without validation improvement before stopping; 0 disables early stopping. */
  patience: number;
  rng: SeededRandom;
  /** One optimiser step on the rows `batch` (a slice of the epoch's permutation). */
  step(batch: Int32Array): void;
  /** Validation metric (lower is better), or undefined when there is no validation set. */
  validate?(): { name: string; value: number };
  /** Copies of the current weights, for restoring the best epoch. */
  snapshot(): W;
}

export interface LoopResult<W> {
  /** Weights of the best validation epoch (or the last epoch without validation). */
  weights: W;
  bestEpoch: number;
  epochsRun: number;
}

export async function runEpochs<W>(loop: EpochLoop<W>, ctx: FitContext): Promise<LoopResult<W>> {
  const order = new Int32Array(loop.nRows);
  for (let i = 0; i < order.length; i++) order[i] = i;
  let best: { value: number; epoch: number; weights: W } | undefined;
  let epoch = 0;
  while (epoch < loop.epochs) {
    // Yield between epochs so an abort from a timer or a signal handler can land.
    await new Promise((r) => setImmediate(r));
    if (ctx.signal?.aborted) throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error("training aborted");
    loop.rng.shuffle(order);
    for (let start = 0; start < order.length; start += loop.batchSize) {
      loop.step(order.subarray(start, Math.min(start + loop.batchSize, order.length)));
    }
    epoch++;
    const metric = loop.validate?.();
    let stop = false;
    if (metric) {
      if (!best || metric.value < best.value) best = { value: metric.value, epoch, weights: loop.snapshot() };
      else if (loop.patience > 0 && epoch - best.epoch >= loop.patience) stop = true;
    }
    if (ctx.onProgress?.({ iteration: epoch, total: loop.epochs, metric }) === "stop") stop = true;
    if (stop) break;
  }
  if (best) return { weights: best.weights, bestEpoch: best.epoch, epochsRun: epoch };
  return { weights: loop.snapshot(), bestEpoch: epoch, epochsRun: epoch };
}
