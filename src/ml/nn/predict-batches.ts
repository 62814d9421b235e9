// Batched inference shared by the neural models: each batch's output tensor is built inside
// tf.tidy and copied out, so memory stays bounded by one batch whatever the table's size.
import type { Tf } from "./backend.js";

const PREDICT_BATCH = 1024;

/** Runs `batch` over rows [start, end) in turn; each returns an (end − start) × `width` tensor. */
export function predictInBatches(
  tf: Tf,
  nRows: number,
  width: number,
  batch: (start: number, end: number) => import("@tensorflow/tfjs").Tensor,
): Float64Array {
  const out = new Float64Array(nRows * width);
  for (let start = 0; start < nRows; start += PREDICT_BATCH) {
    const end = Math.min(start + PREDICT_BATCH, nRows);
    // tidy must return the tensor, not its data: tidy walks a returned typed array element by element.
    const result = tf.tidy(() => batch(start, end));
    out.set(result.dataSync(), start * width);
    result.dispose();
  }
  return out;
}
