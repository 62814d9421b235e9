// A BPR training checkpoint: the epochs done, the random generator's words, the order of the
// positive rows (shuffled in place each epoch, so it carries over) and the factor tables. Bytes: a
// length-prefixed JSON header, then the row order (int32) and U, V and the item biases (float32).
export interface BprCheckpoint {
  epochs: number;
  rng: [number, number, number, number];
  order: Int32Array;
  U: Float32Array;
  V: Float32Array;
  b: Float32Array;
}

interface Header {
  format: "bpr-checkpoint-1";
  epochs: number;
  rng: number[];
  lengths: [number, number, number, number];
}

export function encodeBprCheckpoint(c: BprCheckpoint): Uint8Array {
  const header: Header = {
    format: "bpr-checkpoint-1",
    epochs: c.epochs,
    rng: [...c.rng],
    lengths: [c.order.length, c.U.length, c.V.length, c.b.length],
  };
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(4 + h.length + 4 * (c.order.length + c.U.length + c.V.length + c.b.length));
  const v = new DataView(out.buffer);
  v.setUint32(0, h.length, true);
  out.set(h, 4);
  let o = 4 + h.length;
  for (let i = 0; i < c.order.length; i++, o += 4) v.setInt32(o, c.order[i]!, true);
  for (const a of [c.U, c.V, c.b]) for (let i = 0; i < a.length; i++, o += 4) v.setFloat32(o, a[i]!, true);
  return out;
}

/** Reads a checkpoint, checking its tables have the sizes of this training. */
export function decodeBprCheckpoint(bytes: Uint8Array, sizes: readonly number[]): BprCheckpoint {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hl = v.getUint32(0, true);
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + hl))) as Header;
  if (h.format !== "bpr-checkpoint-1") throw new Error(`not a BPR checkpoint (${String(h.format)})`);
  if (h.lengths.join(",") !== sizes.join(","))
    throw new Error(
      `bpr: the checkpoint's tables are ${h.lengths.join(", ")} long and this training's ${sizes.join(", ")}`,
    );
  let o = 4 + hl;
  const order = new Int32Array(h.lengths[0]);
  for (let i = 0; i < order.length; i++, o += 4) order[i] = v.getInt32(o, true);
  const floats = (n: number): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++, o += 4) a[i] = v.getFloat32(o, true);
    return a;
  };
  const U = floats(h.lengths[1]);
  const V = floats(h.lengths[2]);
  const b = floats(h.lengths[3]);
  return { epochs: h.epochs, rng: h.rng as BprCheckpoint["rng"], order, U, V, b };
}
