// The exact top-K of src/ml/recommend/retrieval.ts (blocked dot products, a typed-array heap) against
// the plain definition: score every catalogue item with the pair rule, drop the seen and filtered
// ones, sort by score (ties to the lower item), keep K. Catalogues whose size is not a multiple of
// the block, factor counts of 1 to 7, tied scores (duplicated item vectors), k above the number of
// items left, and a user vector from outside the tables (the cold-start path).
import { describe, expect, it } from "vitest";
import { buildRetrieval, type Retrieval } from "../../src/ml/recommend/retrieval.js";

function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
}

function make(nItems: number, factors: number, seed: number): Retrieval {
  const rand = seeded(seed);
  const nUsers = 7;
  // a quarter of the items copy item 0's vector and bias: tied scores
  const V = Float32Array.from({ length: nItems * factors }, () => Math.round((rand() - 0.5) * 8) / 4);
  const itemBias = Float32Array.from({ length: nItems }, () => Math.round(rand() * 4) / 4);
  for (let i = 1; i < nItems; i += 4) {
    V.copyWithin(i * factors, 0, factors);
    itemBias[i] = itemBias[0]!;
  }
  const users: number[] = [];
  const items: number[] = [];
  // items 3, 8, 13, … are never seen: not in the catalogue
  for (let i = 0; i < nItems; i++)
    if (i % 5 !== 3) {
      users.push(i % nUsers);
      items.push(i);
    }
  for (let u = 0; u < nUsers; u++)
    for (let j = 0; j < 4; j++) {
      users.push(u);
      items.push(Math.floor(rand() * nItems));
    }
  return buildRetrieval({
    tables: {
      userFeature: 0,
      itemFeature: 1,
      nUsers,
      nItems,
      factors,
      U: Float32Array.from({ length: nUsers * factors }, () => Math.round((rand() - 0.5) * 8) / 4),
      V,
      userBias: Float32Array.from({ length: nUsers }, () => rand()),
      itemBias,
      globalBias: 0.5,
      link: "identity",
    },
    userColumn: "user",
    itemColumn: "item",
    users,
    items,
    relevant: new Uint8Array(users.length).fill(1),
  });
}

/** The definition, item by item. */
function reference(
  r: Retrieval,
  vec: ArrayLike<number>,
  base: number,
  k: number,
  skip: Set<number>,
  allow?: Uint8Array,
): { item: number; score: number }[] {
  const t = r.tables;
  const all: { item: number; score: number }[] = [];
  r.catalogue.forEach((item, c) => {
    if (skip.has(item) || (allow && !allow[c])) return;
    let dot = 0;
    for (let d = 0; d < t.factors; d++) dot += vec[d]! * t.V[item * t.factors + d]!;
    all.push({ item, score: base + t.itemBias[item]! + dot });
  });
  return all.sort((a, b) => b.score - a.score || a.item - b.item).slice(0, k);
}

describe("exact top-K", () => {
  for (const [nItems, factors] of [
    [1, 1],
    [9, 3],
    [37, 4],
    [64, 7],
    [203, 5],
  ] as const)
    it(`equals the definition: ${nItems} items × ${factors} factors`, () => {
      const r = make(nItems, factors, nItems * 31 + factors);
      const t = r.tables;
      const rand = seeded(factors);
      for (let u = 0; u < t.nUsers; u++) {
        if (r.userRow(u) < 0) continue;
        const vec = t.U.subarray(u * factors, (u + 1) * factors);
        const base = t.globalBias + t.userBias[u]!;
        const seen = new Set<number>();
        for (let j = r.seenOffsets[u]!; j < r.seenOffsets[u + 1]!; j++) seen.add(r.seenItems[j]!);
        const allow = Uint8Array.from(r.catalogue, () => (rand() < 0.7 ? 1 : 0));
        for (const k of [1, 3, 10, nItems + 5]) {
          expect(r.topK(u, k, false)).toEqual(reference(r, vec, base, k, new Set()));
          expect(r.topK(u, k, true)).toEqual(reference(r, vec, base, k, seen));
          expect(r.topK(u, k, true, [], allow)).toEqual(reference(r, vec, base, k, seen, allow));
        }
        // a vector from features (cold start): no user bias, nothing seen
        const cold = Float64Array.from({ length: factors }, () => rand() - 0.5);
        expect(r.topKForVector(cold, 4)).toEqual(reference(r, cold, t.globalBias, 4, new Set()));
      }
    });

  it("answers the same lists again (the scratch arrays it reuses are reset)", () => {
    const r = make(50, 4, 3);
    const first = [0, 1, 2].map((u) => r.topK(u, 5, true));
    r.topK(0, 50, true, [], new Uint8Array(r.catalogue.length));
    expect([0, 1, 2].map((u) => r.topK(u, 5, true))).toEqual(first);
    expect([0, 1, 2].map((u) => r.topK(u, 5, false)).every((l, u) => l.length === 5 && l !== first[u])).toBe(
      true,
    );
  });
});
