// Seeded 53-bit hashes of table rows: of a key column's value, or of a row's whole content when no
// key is declared. Stable split assignment and the champion's clean-row check are built on them.
import type { ColumnTable } from "arquero";
import { columnValues, type ColumnValues } from "../table-columns.js";

const scratch = new DataView(new ArrayBuffer(8));
const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;

/** Two independent 32-bit murmur3-style lanes, fed 32-bit words, finished into 53 bits. */
class Hasher {
  private a: number;
  private b: number;
  private n = 0;
  constructor(seed: number) {
    this.a = (seed ^ 0x3c6ef372) >>> 0;
    this.b = (Math.imul(seed, 0x9e3779b1) ^ 0x85ebca6b) >>> 0;
  }
  word(w: number): void {
    let k = Math.imul(w | 0, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    this.a ^= k;
    this.a = Math.imul((this.a << 13) | (this.a >>> 19), 5) + 0xe6546b64;
    let j = Math.imul(w ^ 0x5bd1e995, 0x85ebca77);
    j = Math.imul((j << 17) | (j >>> 15), 0xc2b2ae3d);
    this.b ^= j;
    this.b = Math.imul((this.b << 11) | (this.b >>> 21), 9) + 0x27d4eb2f;
    this.n++;
  }
  /** Feeds a value with a type tag, so 1, "1", true and null all hash apart. */
  value(v: unknown): void {
    if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v)))
      return this.word(0x6e756c6c);
    if (typeof v === "number") {
      scratch.setFloat64(0, v === 0 ? 0 : v); // -0 and 0 are the same value
      this.word(1);
      this.word(scratch.getUint32(0));
      return this.word(scratch.getUint32(4));
    }
    if (typeof v === "boolean") {
      this.word(2);
      return this.word(v ? 1 : 0);
    }
    if (v instanceof Date) return this.value(v.getTime());
    const s = String(v);
    this.word(3);
    this.word(s.length);
    for (let i = 0; i < s.length; i += 2) this.word(s.charCodeAt(i) | ((s.charCodeAt(i + 1) || 0) << 16));
  }
  /** A hash in [0, 2^53). */
  finish(): number {
    const fmix = (h: number): number => {
      h ^= this.n;
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      return (h ^ (h >>> 16)) >>> 0;
    };
    return fmix(this.a) * 2097152 + (fmix(this.b) >>> 11);
  }
}

/** What identifies a row: one key column, or every column (sorted by name) when there is no key. */
export type RowIdentity = { key: string } | { content: readonly string[] };

/** The identity of a table's rows: its key column when given, else all its columns. */
export function identityOf(table: ColumnTable, key: string | undefined): RowIdentity {
  return key !== undefined ? { key } : { content: [...table.columnNames()].sort() };
}

/** One hash per row, in [0, 2^53), of the row's identity under `seed`. */
export function rowHashes(table: ColumnTable, identity: RowIdentity, seed: number): Float64Array {
  const cols: ColumnValues[] =
    "key" in identity
      ? [columnValues(table, identity.key)]
      : identity.content.map((c) => columnValues(table, c));
  const n = table.numRows();
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const h = new Hasher(seed);
    for (const c of cols) h.value(c[i]);
    out[i] = h.finish();
  }
  return out;
}

/** A hash in [0, 2^53) of one value under `seed` (a group's or a stratum's value). */
export function valueHash(v: unknown, seed: number): number {
  const h = new Hasher(seed);
  h.value(v);
  return h.finish();
}

/** A 53-bit hash as a number in [0, 1). */
export const unit = (h: number): number => h / TWO_53;

/** Seeds for independent draws from the same row (the part, then the fold). */
export const drawSeed = (seed: number, draw: number): number => (seed + Math.imul(draw, 0x632be5ab)) % TWO_32;
