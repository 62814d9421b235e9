// Copies the rows of a mini-batch out of row-major training arrays, and draws seeded dropout
// masks, so tfjs only ever sees contiguous batch tensors built from deterministic data.
import type { Rng } from "../random.js";

export function gatherRows(src: Float32Array, width: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * width);
  for (let r = 0; r < rows.length; r++)
    out.set(src.subarray(rows[r]! * width, rows[r]! * width + width), r * width);
  return out;
}

export function gatherValues(
  src: Float64Array | Float32Array | undefined,
  rows: Int32Array,
  fallback = 1,
): Float32Array {
  const out = new Float32Array(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = src ? src[rows[r]!]! : fallback;
  return out;
}

/** Inverted-dropout mask: 0 with probability `rate`, else 1/(1 − rate). */
export function dropoutMask(rng: Rng, size: number, rate: number): Float32Array {
  const keep = 1 / (1 - rate);
  const m = new Float32Array(size);
  for (let i = 0; i < size; i++) m[i] = rng.next() < rate ? 0 : keep;
  return m;
}
