// The re-ranking features (src/ml/recommend/rerank-features.ts): hand-computed values for a small
// history (recency, relevant rows, category affinity and recency, decayed popularity; rows of one time
// never seeing each other; only counted rows entering the state), and train/serve parity: the values
// the server computes from the stored history at as_of equal, bit for bit, the values training
// computes for a row dated as_of.
import { describe, expect, it } from "vitest";
import {
  HistoryState,
  pointInTimeFeatures,
  RERANK_FEATURES,
  RERANK_WIDTH,
  RerankHistory,
  type HistoryRow,
} from "../../src/ml/recommend/rerank-features.js";

const DAY = 86_400_000;
const row = (user: number, item: number, category: string, day: number, relevant: boolean): HistoryRow => ({
  user,
  item,
  category,
  time: day * DAY,
  relevant,
});
const at = (f: Float64Array, i: number): number[] =>
  Array.from(f.subarray(i * RERANK_WIDTH, (i + 1) * RERANK_WIDTH));

describe("pointInTimeFeatures", () => {
  // user 1: a relevant book on day 0, a viewed toy on day 1, a relevant book on day 3, then day 5
  const rows = [
    row(1, 10, "books", 0, true),
    row(1, 20, "toys", 1, false),
    row(2, 10, "books", 1, true),
    row(1, 11, "books", 3, true),
    row(1, 20, "toys", 5, true),
    row(1, 10, "books", 5, false),
  ];
  const { features, state } = pointInTimeFeatures(rows, () => true, 2 * DAY);

  it("gives a row without history missing recency and affinity, no relevant rows and zero popularity", () => {
    expect(at(features, 0)).toEqual([NaN, 0, NaN, NaN, 0]);
  });

  it("counts the rows strictly before a row's time, by hand", () => {
    // row 1 (user 1, toys, day 1): last row day 0 (1 day), 1 relevant, 0 of it toys, no toys history
    expect(at(features, 1)).toEqual([1, 1, 0, NaN, 0]);
    // row 2 (user 2, item 10, day 1): a new user; item 10 had one relevant row on day 0 (half-life 2 days)
    expect(at(features, 2)).toEqual([NaN, 0, NaN, NaN, Math.pow(0.5, 1 / 2)]);
    // row 3 (user 1, item 11, books, day 3): last row day 1 (2 days), 1 relevant (books, day 0)
    expect(at(features, 3)).toEqual([2, 1, 1, 3, 0]);
  });

  it("keeps rows of one time from seeing each other, and decays popularity from each relevant row", () => {
    // rows 4 and 5 are both on day 5: neither sees the other
    // row 4 (user 1, toys): last row day 3; 2 relevant (both books): toys affinity 0
    expect(at(features, 4)).toEqual([2, 2, 0, NaN, 0]);
    // row 5 (user 1, item 10, books): affinity 2/2, last book day 3; item 10: relevant on day 0 and day 1
    const pop = (Math.pow(0.5, 1 / 2) + 1) * Math.pow(0.5, 4 / 2);
    expect(at(features, 5)[0]).toBe(2);
    expect(at(features, 5)[2]).toBe(1);
    expect(at(features, 5)[3]).toBe(2);
    expect(at(features, 5)[4]).toBeCloseTo(pop, 12);
    expect(state.users.get(1)!.relevant).toBe(3);
  });

  it("adds only the counted rows to the state (valid and test rows never become history)", () => {
    const r = pointInTimeFeatures(rows, (i) => i !== 0, 2 * DAY);
    // without row 0, user 1 at day 1 has no history
    expect(at(r.features, 1)).toEqual([NaN, 0, NaN, NaN, 0]);
    expect(r.state.items.get(10)!.popularity).toBeGreaterThan(0);
    expect(r.state.users.get(1)!.byCategory.get("books")!.relevant).toBe(1);
  });

  it("does not depend on the order rows are given in", () => {
    const perm = [3, 0, 5, 1, 4, 2];
    const r = pointInTimeFeatures(
      perm.map((i) => rows[i]!),
      () => true,
      2 * DAY,
    );
    perm.forEach((orig, i) => expect(at(r.features, i)).toEqual(at(features, orig)));
  });
});

describe("train/serve parity", () => {
  // a seeded random history: 30 users, 40 items in 5 categories, 600 rows over 60 days
  let seed = 7;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const cats = ["a", "b", "c", "d", "e"];
  const itemCat = Array.from({ length: 40 }, (_, i) => cats[i % 5]!);
  const rows: HistoryRow[] = Array.from({ length: 600 }, () => {
    const item = Math.floor(rand() * 40);
    return {
      user: Math.floor(rand() * 30),
      item,
      category: itemCat[item]!,
      time: Math.floor(rand() * 60 * DAY),
      relevant: rand() < 0.4,
    };
  });
  const asOf = Math.max(...rows.map((r) => r.time)) + 1;

  it("serves, from the stored history at as_of, exactly the values training gives a row dated as_of", () => {
    const probes: HistoryRow[] = [];
    for (let u = 0; u < 30; u++)
      for (let i = 0; i < 40; i += 3)
        probes.push({ user: u, item: i, category: itemCat[i]!, time: asOf, relevant: true });
    const all = [...rows, ...probes];
    const train = pointInTimeFeatures(all, (i) => i < rows.length, 5 * DAY);
    const stored = new RerankHistory(
      { user: "user_id", item: "item_id", category: "category", time: "ts" },
      pointInTimeFeatures(rows, () => true, 5 * DAY).state,
      asOf,
    );
    const served = RerankHistory.deserialize(stored.serialize());
    let compared = 0;
    for (let u = 0; u < 30; u++) {
      const items = Array.from({ length: 14 }, (_, j) => j * 3).filter((i) => i < 40);
      const recs = served.candidateRecords(u, items);
      items.forEach((item, j) => {
        const p = probes.findIndex((r) => r.user === u && r.item === item);
        const expected = at(train.features, rows.length + p);
        const rec = recs[j]!;
        expect(rec.user_id).toBe(u);
        expect(rec.item_id).toBe(item);
        expect(rec.category).toBe(itemCat[item]);
        RERANK_FEATURES.forEach((name, f) => {
          const v = expected[f]!;
          expect(rec[name], `${name} of user ${u}, item ${item}`).toBe(Number.isNaN(v) ? null : v);
        });
        compared++;
      });
    }
    expect(compared).toBe(30 * 14);
  });

  it("serialises to the same bytes whatever order the state was built in", () => {
    const a = new RerankHistory(
      { user: "u", item: "i", category: "c", time: "t" },
      pointInTimeFeatures(rows, () => true, DAY).state,
      asOf,
    );
    const b = new RerankHistory(
      { user: "u", item: "i", category: "c", time: "t" },
      pointInTimeFeatures([...rows].reverse(), () => true, DAY).state,
      asOf,
    );
    expect(Buffer.from(a.serialize()).equals(Buffer.from(b.serialize()))).toBe(true);
  });

  it("refuses a file that is not a history, and a non-positive half-life", () => {
    expect(() => RerankHistory.deserialize(new TextEncoder().encode('{"format":"other"}'))).toThrow(
      /not a re-ranking history file/,
    );
    expect(() => new HistoryState(0)).toThrow(/half-life/);
  });
});
