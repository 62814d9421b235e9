// Retrieval over factor tables, on values computed by hand: exact top-K with ties to the lower
// item, seen items excluded on request, the catalogue limited to items training showed, and the
// time-decayed popularity the cold-start path answers with.
import { describe, expect, it } from "vitest";
import type { FactorTables } from "../../src/ml/recommend/factor-tables.js";
import { buildRetrieval, Retrieval } from "../../src/ml/recommend/retrieval.js";

const DAY = 86_400_000;

/** 3 users, 5 items, 1 factor: s(u, i) = U[u]·V[i] + itemBias[i] (user 2 has no training row). */
function tables(): FactorTables {
  return {
    userFeature: 0,
    itemFeature: 1,
    nUsers: 3,
    nItems: 5,
    factors: 1,
    U: Float32Array.from([1, -1, 0.5]),
    V: Float32Array.from([1, 2, 3, 2, 9]),
    userBias: new Float32Array(3),
    itemBias: Float32Array.from([0, 0, 0, 0, 0]),
    globalBias: 0,
    link: "identity",
  };
}

// training rows: (user, item, relevant, day)
const rows = [
  [0, 0, 1, 0],
  [0, 1, 0, 1],
  [1, 2, 1, 4],
  [1, 3, 1, 2],
] as const;

function built(withTimes: boolean): Retrieval {
  return buildRetrieval({
    tables: tables(),
    userColumn: "user",
    itemColumn: "item",
    users: rows.map((r) => r[0]),
    items: rows.map((r) => r[1]),
    relevant: Uint8Array.from(rows, (r) => r[2]),
    ...(withTimes ? { times: { column: "ts", ms: Float64Array.from(rows, (r) => r[3] * DAY) } } : {}),
  });
}

describe("retrieval", () => {
  it("keeps the items training showed as the catalogue, and knows which users it saw", () => {
    const r = built(false);
    expect(Array.from(r.catalogue)).toEqual([0, 1, 2, 3]); // item 4 (the highest score) never shown
    expect(r.userRow(0)).toBe(0);
    expect(r.userRow(1)).toBe(1);
    expect(r.userRow(2)).toBe(-1); // in the tables, but no training row
    expect(r.userRow(7)).toBe(-1);
    expect(r.userRow(0.5)).toBe(-1);
  });

  it("returns the exact top-K, ties to the lower item, seen items left out on request", () => {
    const r = built(false);
    // user 0: scores 1, 2, 3, 2 → item 2, then items 1 and 3 tied at 2 (1 first)
    expect(r.topK(0, 3, false)).toEqual([
      { item: 2, score: 3 },
      { item: 1, score: 2 },
      { item: 3, score: 2 },
    ]);
    expect(r.topK(0, 2, true)).toEqual([
      { item: 2, score: 3 },
      { item: 3, score: 2 },
    ]);
    // user 1: scores -1, -2, -3, -2
    expect(r.topK(1, 2, false)).toEqual([
      { item: 0, score: -1 },
      { item: 1, score: -2 },
    ]);
    expect(r.topK(1, 10, true).map((x) => x.item)).toEqual([0, 1]);
    expect(r.topK(1, 0, false)).toEqual([]);
  });

  it("counts popularity from relevant rows, decayed with a half-life of a quarter of their time span", () => {
    const plain = built(false);
    expect(plain.popular(4)).toEqual([
      { item: 0, score: 1 },
      { item: 2, score: 1 },
      { item: 3, score: 1 },
      { item: 1, score: 0 },
    ]);
    const decayed = built(true);
    // relevant rows on days 0, 4, 2: span 4 days → half-life 1 day, as of day 4
    expect(decayed.popularityRule).toEqual({ timeColumn: "ts", halfLifeDays: 1, asOf: 4 * DAY });
    const top = decayed.popular(4);
    expect(top.map((x) => x.item)).toEqual([2, 3, 0, 1]);
    expect(top[0]!.score).toBe(1);
    expect(top[1]!.score).toBeCloseTo(0.25, 12);
    expect(top[2]!.score).toBeCloseTo(0.0625, 12);
    expect(decayed.popular(4, 1).map((x) => x.item)).toEqual([0, 1]); // user 1's items left out
    expect(decayed.popularityOf(4)).toBe(0);
  });

  it("round-trips through its bytes and refuses a file whose tables disagree", () => {
    const r = built(true);
    const back = Retrieval.deserialize(r.serialize());
    expect(back.topK(0, 4, false)).toEqual(r.topK(0, 4, false));
    expect(back.popular(4)).toEqual(r.popular(4));
    expect(back.popularityRule).toEqual(r.popularityRule);
    const bad = new Retrieval(
      { ...tables(), nUsers: 4 },
      "user",
      "item",
      r.catalogue,
      r.popularity,
      r.seenOffsets,
      r.seenItems,
      {},
    );
    expect(() => Retrieval.deserialize(bad.serialize())).toThrow(/do not agree/);
  });
});
