// The epoch loop shared by the neural learners: seeded mini-batch order, progress and validation
// metric per epoch, "stop" and abort handling, and early stopping that restores the best weights.
import type { FitContext } from "../estimator.js";
import type { Tf } from "./backend.js";
import type { ParamReader } from "./param-values.js";
import type { Rng } from "../random.js";

interface EpochLoop<W> {
  nRows: number;
  epochs: number;
  batchSize: number;
  /** Epochs without validation improvement before stopping; 0 disables early stopping. */
  patience: number;
  rng: Rng;
  /** One optimiser step on the rows `batch` (a slice of the epoch's permutation). */
  step(batch: Int32Array): void;
  /** Validation metric (lower is better), or undefined when there is no validation set. */
  validate?(): { name: string; value: number };
  /** Copies of the current weights, for restoring the best epoch. */
  snapshot(): W;
}

interface LoopResult<W> {
  /** Weights of the best validation epoch (or the last epoch without validation). */
  weights: W;
  bestEpoch: number;
  epochsRun: number;
}

async function runEpochs<W>(loop: EpochLoop<W>, ctx: FitContext): Promise<LoopResult<W>> {
  const order = new Int32Array(loop.nRows);
  for (let i = 0; i < order.length; i++) order[i] = i;
  let best: { value: number; epoch: number; weights: W } | undefined;
  let epoch = 0;
  while (epoch < loop.epochs) {
    // Yield between epochs so an abort from a timer or a signal handler can land.
    await new Promise((r) => setImmediate(r));
    if (ctx.signal?.aborted)
      throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error("training aborted");
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

interface AdamTraining<W> {
  nRows: number;
  rng: Rng;
  /** The learner's parameters: read for "learning_rate", "epochs", "batch_size" and "early_stop". */
  params: ParamReader;
  /** What Adam updates; disposed when training ends, however it ends. */
  variables: import("@tensorflow/tfjs").Variable[];
  /** Builds the batch's tensors and calls `minimize` once with its loss. */
  step(batch: Int32Array, minimize: (loss: () => import("@tensorflow/tfjs").Scalar) => void): void;
  validate?(): { name: string; value: number };
  snapshot(): W;
}

/**
 * Adam over `variables` for the epochs the parameters ask for. The neural learners all name their
 * optimiser and loop parameters alike, so they are read here once, in the same order for each.
 */
export async function trainWithAdam<W>(tf: Tf, t: AdamTraining<W>, ctx: FitContext): Promise<LoopResult<W>> {
  let optimizer: import("@tensorflow/tfjs").AdamOptimizer | undefined;
  try {
    const adam = (optimizer = tf.train.adam(t.params.number("learning_rate")));
    return await runEpochs(
      {
        nRows: t.nRows,
        epochs: t.params.number("epochs"),
        batchSize: t.params.number("batch_size"),
        patience: t.params.number("early_stop"),
        rng: t.rng,
        step: (batch) => t.step(batch, (loss) => adam.minimize(loss, false, t.variables)),
        validate: t.validate ? () => t.validate!() : undefined,
        snapshot: () => t.snapshot(),
      },
      ctx,
    );
  } finally {
    tf.dispose(t.variables);
    optimizer?.dispose();
  }
}
