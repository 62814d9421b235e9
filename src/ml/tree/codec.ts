// Versioned, byte-stable binary encoding of tree models: magic, version, a JSON header with
// fixed key order, the trees as little-endian typed arrays, and an FNV-1a checksum verified on read.
import type { Link, TreeEnsemble } from "./ensemble.js";
import type { Tree } from "./tree.js";
import { MlcError, type MlcErrorOptions } from "../../ir/errors.js";

const MAGIC = "MLCTREE1";
const CODEC_VERSION = 1;

/** Header fields besides the trees; callers put algorithm-specific data under `extra`. */
interface EncodedHeader {
  algorithm: string;
  nFeatures: number;
  nOutputs: number;
  base: number[];
  scale: number;
  link: Link;
  extra: unknown;
}

function fnv1a(bytes: Uint8Array, end: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193) >>> 0;
  return h;
}

const NODE_BYTES = 4 + 8 + 4 + 4 + 4 + 1 + 8 + 8 + 8;

export function encodeEnsemble(e: TreeEnsemble, algorithm: string, extra: unknown): Uint8Array {
  const header: EncodedHeader = {
    algorithm,
    nFeatures: e.nFeatures,
    nOutputs: e.nOutputs,
    base: Array.from(e.base),
    scale: e.scale,
    link: e.link,
    extra,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  let size = 8 + 4 + 4 + json.length + 4;
  for (const t of e.trees) size += 8 + t.feature.length * NODE_BYTES;
  size += 4;
  const bytes = new Uint8Array(size);
  const v = new DataView(bytes.buffer);
  let o = 0;
  for (let i = 0; i < 8; i++) bytes[o++] = MAGIC.charCodeAt(i);
  v.setUint32(o, CODEC_VERSION, true);
  o += 4;
  v.setUint32(o, json.length, true);
  o += 4;
  bytes.set(json, o);
  o += json.length;
  v.setUint32(o, e.trees.length, true);
  o += 4;
  for (const t of e.trees) {
    const n = t.feature.length;
    v.setUint32(o, n, true);
    v.setInt32(o + 4, t.target, true);
    o += 8;
    for (let i = 0; i < n; i++, o += 4) v.setInt32(o, t.feature[i]!, true);
    for (let i = 0; i < n; i++, o += 8) v.setFloat64(o, t.threshold[i]!, true);
    for (let i = 0; i < n; i++, o += 4) v.setInt32(o, t.splitBin[i]!, true);
    for (let i = 0; i < n; i++, o += 4) v.setInt32(o, t.left[i]!, true);
    for (let i = 0; i < n; i++, o += 4) v.setInt32(o, t.right[i]!, true);
    for (let i = 0; i < n; i++, o += 1) v.setUint8(o, t.defaultLeft[i]!);
    for (let i = 0; i < n; i++, o += 8) v.setFloat64(o, t.value[i]!, true);
    for (let i = 0; i < n; i++, o += 8) v.setFloat64(o, t.cover[i]!, true);
    for (let i = 0; i < n; i++, o += 8) v.setFloat64(o, t.gain[i]!, true);
  }
  v.setUint32(o, fnv1a(bytes, o), true);
  return bytes;
}

export class ModelFormatError extends MlcError {
  constructor(message = "", opts?: MlcErrorOptions) {
    super("MLC2201", message, opts);
  }
}

export function decodeEnsemble(
  bytes: Uint8Array,
  algorithm: string,
): { ensemble: TreeEnsemble; extra: unknown } {
  const fail = (why: string): never => {
    throw new ModelFormatError(`cannot read ${algorithm} model: ${why}`);
  };
  if (bytes.length < 24) fail("too short");
  for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) fail("not an mlc tree model (bad magic)");
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = v.getUint32(8, true);
  if (version !== CODEC_VERSION)
    fail(`unsupported format version ${version} (this build reads ${CODEC_VERSION})`);
  const stored = v.getUint32(bytes.length - 4, true);
  if (fnv1a(bytes, bytes.length - 4) !== stored) fail("checksum mismatch (file corrupted or truncated)");
  const jsonLen = v.getUint32(12, true);
  let o = 16;
  if (o + jsonLen + 8 > bytes.length) fail("truncated header");
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(o, o + jsonLen))) as EncodedHeader;
  if (header.algorithm !== algorithm) fail(`it was written by '${header.algorithm}'`);
  o += jsonLen;
  const nTrees = v.getUint32(o, true);
  o += 4;
  const trees: Tree[] = [];
  for (let k = 0; k < nTrees; k++) {
    if (o + 8 > bytes.length - 4) fail("truncated tree data");
    const n = v.getUint32(o, true);
    const target = v.getInt32(o + 4, true);
    o += 8;
    if (o + n * NODE_BYTES > bytes.length - 4) fail("truncated tree data");
    const t: Tree = {
      feature: new Int32Array(n),
      threshold: new Float64Array(n),
      splitBin: new Int32Array(n),
      left: new Int32Array(n),
      right: new Int32Array(n),
      defaultLeft: new Uint8Array(n),
      value: new Float64Array(n),
      cover: new Float64Array(n),
      gain: new Float64Array(n),
      target,
    };
    for (let i = 0; i < n; i++, o += 4) t.feature[i] = v.getInt32(o, true);
    for (let i = 0; i < n; i++, o += 8) t.threshold[i] = v.getFloat64(o, true);
    for (let i = 0; i < n; i++, o += 4) t.splitBin[i] = v.getInt32(o, true);
    for (let i = 0; i < n; i++, o += 4) t.left[i] = v.getInt32(o, true);
    for (let i = 0; i < n; i++, o += 4) t.right[i] = v.getInt32(o, true);
    for (let i = 0; i < n; i++, o += 1) t.defaultLeft[i] = v.getUint8(o);
    for (let i = 0; i < n; i++, o += 8) t.value[i] = v.getFloat64(o, true);
    for (let i = 0; i < n; i++, o += 8) t.cover[i] = v.getFloat64(o, true);
    for (let i = 0; i < n; i++, o += 8) t.gain[i] = v.getFloat64(o, true);
    for (let i = 0; i < n; i++) {
      const f = t.feature[i]!;
      if (
        f >= header.nFeatures ||
        (f >= 0 && (t.left[i]! <= i || t.left[i]! >= n || t.right[i]! <= i || t.right[i]! >= n))
      )
        fail(`tree ${k} node ${i} is malformed`);
    }
    trees.push(t);
  }
  if (o !== bytes.length - 4) fail("trailing bytes");
  return {
    ensemble: {
      trees,
      nFeatures: header.nFeatures,
      nOutputs: header.nOutputs,
      base: Float64Array.from(header.base),
      scale: header.scale,
      link: header.link,
    },
    extra: header.extra,
  };
}
