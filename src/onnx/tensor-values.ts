// The numbers an ONNX tensor holds, for readers of a graph's weights (the int8/float16 shrinker, the
// warm start of an imported MLP): float and double tensors, from their typed fields or their raw
// little-endian bytes. Other element types are refused, naming the type.
import type { onnx as OnnxNs } from "onnx-proto";

const FLOAT = 1;
const DOUBLE = 11;

/** A copy of the raw bytes, aligned for a typed array view. */
function aligned(raw: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(raw.length);
  copy.set(raw);
  return copy.buffer;
}

/** The values of a float tensor (float_data or raw little-endian bytes). */
export function floatValues(t: OnnxNs.ITensorProto): Float32Array {
  if (t.rawData && t.rawData.length > 0) return new Float32Array(aligned(t.rawData));
  return Float32Array.from(t.floatData ?? []);
}

/** The values of a float or double tensor, as float32 (the precision of mlc's networks). */
export function realValues(t: OnnxNs.ITensorProto): Float32Array {
  if (t.dataType === FLOAT) return floatValues(t);
  if (t.dataType === DOUBLE)
    return Float32Array.from(
      t.rawData && t.rawData.length > 0 ? new Float64Array(aligned(t.rawData)) : (t.doubleData ?? []),
    );
  throw new Error(`a tensor of element type ${t.dataType ?? "unknown"} (not float or double)`);
}
