// hash_bucket(x, n): xxhash64 (seed 0) of the value's text, modulo n. Batch-only: no ONNX
// operator hashes strings, so a deployed model cannot use it.
import xxhash from "xxhash-wasm";
import type { Transform } from "./types.js";
import { ExprError } from "./types.js";
import { arity, literalNumber } from "./support.js";
import type { CallNode } from "./types.js";

const { h64 } = await xxhash();

function bucketsOf(site: CallNode): number {
  const n = literalNumber("hash_bucket", "n", site.args[1] ?? site.named.n);
  if (!Number.isInteger(n) || n < 1) throw new ExprError("hash_bucket(): n must be a positive integer");
  return n;
}

export const hashBucket: Transform = {
  name: "hash_bucket",
  rowwise: true,
  type(args, named) {
    arity("hash_bucket", args, 1, 2);
    bucketsOf({ t: "call", fn: "hash_bucket", args, named, kind: "num", id: -1, transform: hashBucket });
    const k = args[0]!.kind;
    if (k === "list" || k === "vector") throw new ExprError("hash_bucket() takes a column or expression");
    return "num";
  },
  batchOnly: "hash_bucket() has no ONNX operator (ONNX cannot hash strings)",
  batch([a], site) {
    const n = BigInt(bucketsOf(site));
    const len = a!.v.length;
    const out = new Float32Array(len);
    for (let i = 0; i < len; i++) {
      const v = a!.v[i]!;
      const text =
        a!.kind === "str"
          ? (v as string)
          : Number.isNaN(v as number)
            ? ""
            : a!.kind === "time"
              ? new Date(v as number).toISOString()
              : String(v);
      out[i] = text === "" ? NaN : Number(h64(text) % n);
    }
    return { kind: "num", v: out };
  },
};
