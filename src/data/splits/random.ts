// random: each row goes to a part by a seeded hash of its identity (the split's key, or its
// content), so appending rows never moves an old row to another part.
import { rowHashes } from "./row-hash.js";
import { type SplitAssignment, type SplitInput, partOfHash } from "./types.js";

export function randomSplit({ table, shares, seed, identity }: SplitInput): SplitAssignment {
  const h = rowHashes(table, identity, seed);
  const part = new Uint8Array(h.length);
  for (let i = 0; i < h.length; i++) part[i] = partOfHash(h[i]!, shares);
  return { part, report: {} };
}
