// A GBDT training checkpoint: everything the boosting loop needs to go on as if it had never
// stopped (the rounds done, the RNG's words, the best validation round, the trees grown so far and
// the running margins of the training and validation rows). Bytes: a length-prefixed JSON header,
// then the trees (the model codec) and the margins as little-endian float64.
import type { Link, TreeEnsemble } from "../tree/ensemble.js";
import { decodeEnsemble, encodeEnsemble } from "../tree/codec.js";
import type { Tree } from "../tree/tree.js";

export interface GbdtCheckpoint {
  /** Rounds completed (the next round to grow). */
  rounds: number;
  rng: [number, number, number, number];
  best: { round: number; value: number };
  trees: Tree[];
  margin: Float64Array;
  vMargin: Float64Array | null;
}

interface Header {
  format: "gbdt-checkpoint-1";
  rounds: number;
  rng: number[];
  bestRound: number;
  /** As text: the best value starts at ±Infinity, which JSON cannot hold. */
  bestValue: string;
  treeBytes: number;
  margin: number;
  vMargin: number | null;
}

export function encodeCheckpoint(
  c: GbdtCheckpoint,
  shape: { nFeatures: number; nOutputs: number },
): Uint8Array {
  const ensemble: TreeEnsemble = {
    trees: c.trees,
    nFeatures: shape.nFeatures,
    nOutputs: shape.nOutputs,
    base: new Float64Array(shape.nOutputs),
    scale: 1,
    link: "identity" satisfies Link,
  };
  const trees = encodeEnsemble(ensemble, "gbdt-checkpoint", null);
  const header: Header = {
    format: "gbdt-checkpoint-1",
    rounds: c.rounds,
    rng: [...c.rng],
    bestRound: c.best.round,
    bestValue: String(c.best.value),
    treeBytes: trees.length,
    margin: c.margin.length,
    vMargin: c.vMargin ? c.vMargin.length : null,
  };
  const h = new TextEncoder().encode(JSON.stringify(header));
  const floats = c.margin.length + (c.vMargin?.length ?? 0);
  const out = new Uint8Array(4 + h.length + trees.length + floats * 8);
  const v = new DataView(out.buffer);
  v.setUint32(0, h.length, true);
  out.set(h, 4);
  out.set(trees, 4 + h.length);
  let o = 4 + h.length + trees.length;
  for (const a of c.vMargin ? [c.margin, c.vMargin] : [c.margin])
    for (let i = 0; i < a.length; i++, o += 8) v.setFloat64(o, a[i]!, true);
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array): GbdtCheckpoint {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hl = v.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + hl))) as Header;
  if (header.format !== "gbdt-checkpoint-1")
    throw new Error(`not a GBDT checkpoint (${String(header.format)})`);
  let o = 4 + hl;
  const { ensemble } = decodeEnsemble(bytes.subarray(o, o + header.treeBytes), "gbdt-checkpoint");
  o += header.treeBytes;
  const floats = (n: number): Float64Array => {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++, o += 8) a[i] = v.getFloat64(o, true);
    return a;
  };
  const margin = floats(header.margin);
  const vMargin = header.vMargin === null ? null : floats(header.vMargin);
  return {
    rounds: header.rounds,
    rng: header.rng as GbdtCheckpoint["rng"],
    best: { round: header.bestRound, value: Number(header.bestValue) },
    trees: ensemble.trees,
    margin,
    vMargin,
  };
}
