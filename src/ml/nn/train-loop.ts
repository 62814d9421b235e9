// The epoch loop shared by the neural learners: Adam (adam.ts) over their variables, seeded
// mini-batch order, progress and validation metric per epoch, "stop" and abort handling, early
// stopping that restores the best weights, and the training checkpoints of `checkpoint { every = N }`
// (nn-checkpoint.ts): every N epochs the loop's whole state is saved, and a fit that finds one resumes
// from it and ends with the bytes of a fit that never stopped.
import type { FitContext } from "../estimator.js";
import type { Tf } from "./backend.js";
import type { ParamReader } from "./param-values.js";
import type { Rng } from "../random.js";
import { Adam } from "./adam.js";
import { decodeNnCheckpoint, encodeNnCheckpoint } from "./nn-checkpoint.js";

type Variable = import("@tensorflow/tfjs").Variable;

interface LoopResult<W> {
  /** Weights of the best validation epoch (or the last epoch without validation). */
  weights: W;
  bestEpoch: number;
  epochsRun: number;
}

interface AdamTraining<W> {
  nRows: number;
  /** The generator of the row order and of whatever `step` draws (dropout, negatives). */
  rng: Rng;
  /** The learner's parameters: read for "learning_rate", "epochs", "batch_size" and "early_stop". */
  params: ParamReader;
  /** What Adam updates; disposed when training ends, however it ends. */
  variables: Variable[];
  /** Builds the batch's tensors and calls `minimize` once with its loss. */
  step(batch: Int32Array, minimize: (loss: () => import("@tensorflow/tfjs").Scalar) => void): void;
  /** Validation metric (lower is better), or undefined when there is no validation set. */
  validate?(): { name: string; value: number };
  /** The model's weights read from the variables' current values (a function of those values alone). */
  snapshot(): W;
}

const valuesOf = (vars: readonly Variable[]): Float32Array[] =>
  vars.map((v) => Float32Array.from(v.dataSync()));

function assignValues(tf: Tf, vars: readonly Variable[], values: readonly Float32Array[]): void {
  tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(values[i]!, v.shape))));
}

/**
 * Adam over `variables` for the epochs the parameters ask for. The neural learners all name their
 * optimiser and loop parameters alike, so they are read here once, in the same order for each.
 */
export async function trainWithAdam<W>(tf: Tf, t: AdamTraining<W>, ctx: FitContext): Promise<LoopResult<W>> {
  const adam = new Adam(tf, t.variables, t.params.number("learning_rate"));
  try {
    const epochs = t.params.number("epochs");
    const batchSize = t.params.number("batch_size");
    const patience = t.params.number("early_stop");
    const order = new Int32Array(t.nRows);
    for (let i = 0; i < order.length; i++) order[i] = i;
    let best: { value: number; epoch: number; variables: Float32Array[] } | null = null;
    let epoch = 0;
    // Resuming: the saved variables, moments, order, generator and best epoch replace the fresh ones.
    const saved = ctx.checkpoint ? await ctx.checkpoint.load() : undefined;
    if (saved) {
      const c = decodeNnCheckpoint(
        saved,
        t.nRows,
        t.variables.map((v) => v.size),
      );
      assignValues(tf, t.variables, c.variables);
      adam.restore(c.adam);
      order.set(c.order);
      t.rng.restore(c.rng);
      best = c.best;
      epoch = c.epochs;
    }
    while (epoch < epochs) {
      // Yield between epochs so an abort from a timer or a signal handler can land.
      await new Promise((r) => setImmediate(r));
      if (ctx.signal?.aborted)
        throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error("training aborted");
      t.rng.shuffle(order);
      for (let start = 0; start < order.length; start += batchSize) {
        t.step(order.subarray(start, Math.min(start + batchSize, order.length)), (loss) =>
          adam.minimize(loss),
        );
      }
      epoch++;
      const metric = t.validate?.();
      let stop = false;
      if (metric) {
        if (!best || metric.value < best.value)
          best = { value: metric.value, epoch, variables: valuesOf(t.variables) };
        else if (patience > 0 && epoch - best.epoch >= patience) stop = true;
      }
      if (ctx.onProgress?.({ iteration: epoch, total: epochs, metric }) === "stop") stop = true;
      if (stop) break;
      if (ctx.checkpoint && epoch % ctx.checkpoint.every === 0 && epoch < epochs)
        await ctx.checkpoint.save(
          epoch,
          encodeNnCheckpoint({
            epochs: epoch,
            rng: t.rng.state(),
            order,
            variables: valuesOf(t.variables),
            adam: adam.state(),
            best,
          }),
        );
    }
    if (!best) return { weights: t.snapshot(), bestEpoch: epoch, epochsRun: epoch };
    assignValues(tf, t.variables, best.variables);
    return { weights: t.snapshot(), bestEpoch: best.epoch, epochsRun: epoch };
  } finally {
    tf.dispose(t.variables);
    adam.dispose();
  }
}
