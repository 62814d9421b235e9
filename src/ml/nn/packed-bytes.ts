// The byte format of mlc's own model files: magic, version, a JSON header and 8-byte-aligned typed
// arrays. Byte-stable (fixed key order, no timestamps) so the same training gives the same bytes.

const MAGIC = [0x4d, 0x4c, 0x43, 0x4d]; // "MLCM"
const FORMAT_VERSION = 1;

type PackedArray = Float32Array | Float64Array | Int32Array | Uint8Array;
type DTypeTag = "f32" | "f64" | "i32" | "u8";

interface ArrayEntry {
  name: string;
  dtype: DTypeTag;
  length: number;
  offset: number;
}

export interface Unpacked {
  header: Record<string, unknown>;
  arrays: Map<string, PackedArray>;
}

function tagOf(a: PackedArray): DTypeTag {
  if (a instanceof Float32Array) return "f32";
  if (a instanceof Float64Array) return "f64";
  if (a instanceof Uint8Array) return "u8";
  return "i32";
}

const BYTES: Record<DTypeTag, number> = { f32: 4, f64: 8, i32: 4, u8: 1 };

/**
 * Packs a header (plain JSON, keys in insertion order) and named arrays. The `kind` string
 * identifies the model family so a file for one estimator is never read by another.
 */
export function packModel(
  kind: string,
  header: Record<string, unknown>,
  arrays: [string, PackedArray][],
): Uint8Array {
  const entries: ArrayEntry[] = [];
  let offset = 0;
  for (const [name, a] of arrays) {
    const dtype = tagOf(a);
    entries.push({ name, dtype, length: a.length, offset });
    offset += align8(a.length * BYTES[dtype]);
  }
  const json = new TextEncoder().encode(JSON.stringify({ kind, header, arrays: entries }));
  const headerEnd = align8(12 + json.length);
  const out = new Uint8Array(headerEnd + offset);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, FORMAT_VERSION, true);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  arrays.forEach(([, a], i) => {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), headerEnd + entries[i]!.offset);
  });
  return out;
}

export function unpackModel(kind: string, bytes: Uint8Array): Unpacked {
  if (bytes.length < 12 || MAGIC.some((m, i) => bytes[i] !== m))
    throw new Error(`not an mlc ${kind} model (bad magic bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== FORMAT_VERSION)
    throw new Error(`unsupported ${kind} model format version ${version} (this mlc reads ${FORMAT_VERSION})`);
  const jsonLen = view.getUint32(8, true);
  if (12 + jsonLen > bytes.length) throw new Error(`truncated ${kind} model file`);
  const parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + jsonLen))) as {
    kind: string;
    header: Record<string, unknown>;
    arrays: ArrayEntry[];
  };
  if (parsed.kind !== kind) throw new Error(`model file holds a '${parsed.kind}' model, expected '${kind}'`);
  const base = align8(12 + jsonLen);
  const arrays = new Map<string, PackedArray>();
  for (const e of parsed.arrays) {
    const start = base + e.offset;
    const end = start + e.length * BYTES[e.dtype];
    if (end > bytes.length) throw new Error(`truncated ${kind} model file (array '${e.name}')`);
    // Copy so the arrays are aligned and independent of the caller's buffer. Not `bytes.slice`:
    // on a Node Buffer (what the artifact store returns) that is a view of the whole pool.
    const raw = new Uint8Array(end - start);
    raw.set(bytes.subarray(start, end));
    arrays.set(
      e.name,
      e.dtype === "f32"
        ? new Float32Array(raw.buffer)
        : e.dtype === "f64"
          ? new Float64Array(raw.buffer)
          : e.dtype === "u8"
            ? raw
            : new Int32Array(raw.buffer),
    );
  }
  return { header: parsed.header, arrays };
}

/** Reads a named array of the expected type, with a clear error when the file lacks it. */
export function arrayOf<T extends PackedArray>(
  u: Unpacked,
  name: string,
  ctor: { new (n: number): T; name: string },
): T {
  const a = u.arrays.get(name);
  if (!a || !(a instanceof ctor)) throw new Error(`model file lacks ${ctor.name} '${name}'`);
  return a as T;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
