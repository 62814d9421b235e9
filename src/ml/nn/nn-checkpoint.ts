// A training checkpoint of the neural learners' epoch loop (train-loop.ts): the epochs done, the
// random generator's words, the row order (shuffled in place each epoch, so it carries over), the
// variables, Adam's moments and bias-correction powers, and the best validation epoch with its
// weights (early stopping). Bytes: a length-prefixed JSON header, then the order (int32) and the
// float32 arrays, little-endian.
import type { AdamState } from "./adam.js";

export interface NnCheckpoint {
  epochs: number;
  rng: [number, number, number, number];
  order: Int32Array;
  /** The variables' values, in the loop's order. */
  variables: Float32Array[];
  adam: AdamState;
  best: { epoch: number; value: number; variables: Float32Array[] } | null;
}

interface Header {
  format: "nn-checkpoint-1";
  epochs: number;
  rng: number[];
  order: number;
  /** Each variable's length (the moments and the best weights have the same). */
  sizes: number[];
  accBeta1: number;
  accBeta2: number;
  bestEpoch: number | null;
  /** As text, like the GBDT's: a metric value need not be a finite number. */
  bestValue: string | null;
}

export function encodeNnCheckpoint(c: NnCheckpoint): Uint8Array {
  const header: Header = {
    format: "nn-checkpoint-1",
    epochs: c.epochs,
    rng: [...c.rng],
    order: c.order.length,
    sizes: c.variables.map((v) => v.length),
    accBeta1: c.adam.accBeta1,
    accBeta2: c.adam.accBeta2,
    bestEpoch: c.best ? c.best.epoch : null,
    bestValue: c.best ? String(c.best.value) : null,
  };
  const arrays = [...c.variables, ...c.adam.m, ...c.adam.v, ...(c.best ? c.best.variables : [])];
  const h = new TextEncoder().encode(JSON.stringify(header));
  const floats = arrays.reduce((s, a) => s + a.length, 0);
  const out = new Uint8Array(4 + h.length + 4 * (c.order.length + floats));
  const v = new DataView(out.buffer);
  v.setUint32(0, h.length, true);
  out.set(h, 4);
  let o = 4 + h.length;
  for (let i = 0; i < c.order.length; i++, o += 4) v.setInt32(o, c.order[i]!, true);
  for (const a of arrays) for (let i = 0; i < a.length; i++, o += 4) v.setFloat32(o, a[i]!, true);
  return out;
}

/** Reads a checkpoint, checking it is one of a training with these rows and variable sizes. */
export function decodeNnCheckpoint(bytes: Uint8Array, rows: number, sizes: readonly number[]): NnCheckpoint {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hl = v.getUint32(0, true);
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + hl))) as Header;
  if (h.format !== "nn-checkpoint-1")
    throw new Error(`not a neural training checkpoint (${String(h.format)})`);
  if (h.order !== rows || h.sizes.join(",") !== sizes.join(","))
    throw new Error(
      `the checkpoint is of ${h.order} rows and variables of ${h.sizes.join(", ")} values; this training has ${rows} rows and ${sizes.join(", ")}`,
    );
  let o = 4 + hl;
  const order = new Int32Array(h.order);
  for (let i = 0; i < order.length; i++, o += 4) order[i] = v.getInt32(o, true);
  const floats = (): Float32Array[] =>
    sizes.map((n) => {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++, o += 4) a[i] = v.getFloat32(o, true);
      return a;
    });
  const variables = floats();
  const m = floats();
  const vs = floats();
  const best =
    h.bestEpoch === null || h.bestValue === null
      ? null
      : { epoch: h.bestEpoch, value: Number(h.bestValue), variables: floats() };
  if (o !== bytes.length) throw new Error(`the checkpoint has ${bytes.length - o} bytes past its arrays`);
  return {
    epochs: h.epochs,
    rng: h.rng as NnCheckpoint["rng"],
    order,
    variables,
    adam: { accBeta1: h.accBeta1, accBeta2: h.accBeta2, m, v: vs },
    best,
  };
}
