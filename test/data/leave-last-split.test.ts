// leave_last(user, time, n): each user's last n rows by time are test, the n before them valid
// (when valid has a share), the rest train; users with too few rows stay in train.
import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import { parseSplitMethod, runSplit } from "../../src/data/splits/index.js";
import { identityOf } from "../../src/data/splits/row-hash.js";
import { TEST, TRAIN, VALID, type Shares } from "../../src/data/splits/types.js";
import { call, ref } from "./expr-helpers.js";

const day = (d: number): Date => new Date(Date.UTC(2026, 0, d));
// rows deliberately out of time order; user c has two rows, user d one
const table = aq.table({
  user: ["a", "b", "a", "a", "b", "a", "c", "b", "c", "a", "d", "b", "b"],
  ts: [5, 1, 2, 9, 3, 7, 1, 2, 4, 1, 3, 8, 8].map(day),
});
const input = (shares: Shares) => ({ table, shares, seed: 1, identity: identityOf(table) });
const withValid = { train: 0.8, valid: 0.1, test: 0.1 };
const noValid = { train: 0.9, valid: 0, test: 0.1 };
const partsOf = (part: Uint8Array, user: string): Array<[number, number]> =>
  (table.array("user") as string[])
    .map((u, i) => [u, i] as const)
    .filter(([u]) => u === user)
    .map(([, i]) => [(table.array("ts") as Date[])[i]!.getUTCDate(), part[i]!] as [number, number])
    .sort((x, y) => x[0] - y[0]);

describe("leave_last split", () => {
  it("n = 1: the last row of each user is test, the one before valid", () => {
    const a = runSplit(parseSplitMethod(call("leave_last", [ref("user"), ref("ts")])), input(withValid));
    // a: days 1 2 5 7 9 → train train train valid test
    expect(partsOf(a.part, "a")).toEqual([
      [1, TRAIN],
      [2, TRAIN],
      [5, TRAIN],
      [7, VALID],
      [9, TEST],
    ]);
    // b: days 1 2 3 8 8 — the tie at day 8 keeps row order: the later row (index 12) is test
    const b = partsOf(a.part, "b");
    expect(b.map(([, p]) => p)).toEqual([TRAIN, TRAIN, TRAIN, VALID, TEST]);
    expect(a.part[12]).toBe(TEST);
    expect(a.part[11]).toBe(VALID);
    // c: two rows → train, test (too few for valid); d: one row → train
    expect(partsOf(a.part, "c")).toEqual([
      [1, TRAIN],
      [4, TEST],
    ]);
    expect(partsOf(a.part, "d")).toEqual([[3, TRAIN]]);
    expect(a.report).toMatchObject({ users: 4, users_tested: 3, users_validated: 2, n: 1 });
  });
  it("n = 2 without a valid share: the last two rows are test", () => {
    const a = runSplit(
      parseSplitMethod(call("leave_last", [ref("user"), ref("ts")], { n: 2 })),
      input(noValid),
    );
    expect(partsOf(a.part, "a").map(([, p]) => p)).toEqual([TRAIN, TRAIN, TRAIN, TEST, TEST]);
    expect(partsOf(a.part, "c").map(([, p]) => p)).toEqual([TRAIN, TRAIN]);
    expect(a.part.filter((p) => p === VALID).length).toBe(0);
  });
  it("refuses a bad n and a missing column, naming them", () => {
    expect(() => parseSplitMethod(call("leave_last", [ref("user"), ref("ts")], { n: 0 }))).toThrow(
      /n is a whole/,
    );
    expect(() =>
      runSplit(parseSplitMethod(call("leave_last", [ref("nope"), ref("ts")])), input(withValid)),
    ).toThrow(/no column `nope`/);
  });
});
