// Embedding lookup with a scatter-add gradient. tf.gather's own gradient needs the
// UnsortedSegmentSum kernel, which the WASM backend lacks; ScatterNd (summing duplicates) exists everywhere.
import type { Tf } from "./backend.js";

type Tensor = import("@tensorflow/tfjs").Tensor;

/** Rows `idx` (int32 [b]) of `table` ([rows, ...]); the gradient adds each row's upstream gradient back. */
export function embeddingLookup(tf: Tf, table: Tensor, idx: Tensor): Tensor {
  const lookup = tf.customGrad((...inputs) => {
    const t = inputs[0] as Tensor;
    return {
      value: tf.gather(t, idx),
      gradFunc: (dy: Tensor) => tf.scatterND(tf.reshape(idx, [-1, 1]), dy, t.shape),
    };
  });
  return lookup(table);
}
