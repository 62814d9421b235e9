import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import { parseSplitMethod, runSplit } from "../../src/data/splits/index.js";
import { sharesOfConfig as parseShares } from "../../src/kinds/split/config.js";
import { identityOf } from "../../src/data/splits/row-hash.js";
import { TEST, TRAIN, VALID, type Shares } from "../../src/data/splits/types.js";
import type { ColumnTable } from "arquero";
import { call, pct, ref } from "./expr-helpers.js";

const n = 1000;
const t = aq.table({
  id: Float64Array.from({ length: n }, (_, i) => i),
  label: Array.from({ length: n }, (_, i) => (i % 10 === 0 ? "yes" : "no")),
  user: Array.from({ length: n }, (_, i) => `u${i % 37}`),
  ts: Array.from({ length: n }, (_, i) => new Date(Date.UTC(2024, 0, 1) + Math.floor(i / 3) * 3600e3)),
});
const shares = parseShares({ train: pct(70), valid: pct(15), test: pct(15) });
const count = (part: Uint8Array, p: number) => part.filter((x) => x === p).length;
const content = { content: ["id", "label", "ts", "user"] };
const input = (table: ColumnTable, seed: number, s: Shares = shares, key?: string) => ({
  table,
  shares: s,
  seed,
  identity: identityOf(table, key),
});
/** Binomial noise: |observed − expected| within 4 standard deviations. */
const near = (observed: number, n: number, p: number) =>
  expect(Math.abs(observed - n * p)).toBeLessThan(4 * Math.sqrt(n * p * (1 - p)) + 1);

describe("splits", () => {
  it("random: shares met up to sampling noise, deterministic for a seed, different for another", () => {
    const a = runSplit(parseSplitMethod(ref("random")), input(t, 7));
    near(count(a.part, TRAIN), n, 0.7);
    near(count(a.part, VALID), n, 0.15);
    near(count(a.part, TEST), n, 0.15);
    expect(runSplit({ name: "random" }, input(t, 7)).part).toEqual(a.part);
    expect(runSplit({ name: "random" }, input(t, 8)).part).not.toEqual(a.part);
    expect(content.content).toEqual([...t.columnNames()].sort());
  });

  it("stratified keeps the label's share in every part", () => {
    const a = runSplit(parseSplitMethod(call("stratified", [ref("label")])), input(t, 1));
    const labels = t.array("label") as string[];
    const sh = [0.7, 0.15, 0.15];
    for (const p of [TRAIN, VALID, TEST]) {
      const yes = [...a.part.keys()].filter((i) => a.part[i] === p && labels[i] === "yes").length;
      near(yes, 100, sh[p]!);
    }
    const reported = (a.report.strata_rows as Record<string, Record<string, number>>).yes!;
    expect(reported.train! + reported.valid! + reported.test!).toBe(100);
  });

  it("temporal: valid and test rows are strictly later than every training row, cuts reported", () => {
    const a = runSplit(parseSplitMethod(call("temporal", [ref("ts")])), input(t, 1));
    const ts = (t.array("ts") as Date[]).map((d) => d.getTime());
    const max = (p: number) => Math.max(...ts.filter((_, i) => a.part[i] === p));
    const min = (p: number) => Math.min(...ts.filter((_, i) => a.part[i] === p));
    expect(min(VALID)).toBeGreaterThan(max(TRAIN));
    expect(min(TEST)).toBeGreaterThan(max(VALID));
    expect(a.report.train_end).toBe(new Date(max(TRAIN)).toISOString());
    expect(a.report.valid_end).toBe(new Date(max(VALID)).toISOString());
  });

  it("group: an entity is never in two parts", () => {
    const a = runSplit(parseSplitMethod(call("group", [ref("user")])), input(t, 3));
    const users = t.array("user") as string[];
    const partOf = new Map<string, number>();
    users.forEach((u, i) => {
      expect(partOf.get(u) ?? a.part[i]).toBe(a.part[i]);
      partOf.set(u, a.part[i]!);
    });
    expect(new Set(partOf.values()).size).toBe(3);
  });

  it("kfold holds out test first and deals the rest into k folds", () => {
    const a = runSplit(
      parseSplitMethod(call("kfold", [5], { by: ref("label") })),
      input(t, 2, parseShares({ train: pct(80), test: pct(20) })),
    );
    near(count(a.part, TEST), n, 0.2);
    const train = n - count(a.part, TEST);
    const folds = [0, 1, 2, 3, 4].map((f) => a.fold!.filter((x) => x === f).length);
    // Dealt round-robin per stratum: fold sizes differ by at most one per stratum.
    for (const f of folds) expect(Math.abs(f - train / 5)).toBeLessThanOrEqual(2);
    expect([...a.fold!].filter((f, i) => (f === -1) !== (a.part[i] === TEST))).toEqual([]);
  });

  it("rejects shares that do not add up and unknown methods", () => {
    expect(() => parseShares({ train: pct(70), test: pct(20) })).toThrow(
      "split shares add up to 90%, not 100%",
    );
    expect(() => parseSplitMethod(call("chronological", [ref("ts")]))).toThrow(
      /unknown split method `chronological`/,
    );
  });

  describe("stable assignment as data grows", () => {
    const grow = (rows: number) =>
      aq.table({
        id: Float64Array.from({ length: rows }, (_, i) => i),
        label: Array.from({ length: rows }, (_, i) => (i % 10 === 0 ? "yes" : "no")),
        user: Array.from({ length: rows }, (_, i) => `u${i % 37}`),
      });
    const before = grow(1000);
    // Appended rows, and the old rows shuffled: neither may move an old row.
    const after = grow(1300).reify(Array.from({ length: 1300 }, (_, i) => (i * 7919) % 1300));
    const oldAt = (tbl: ColumnTable) => Array.from(tbl.array("id") as ArrayLike<number>);
    for (const [name, method, key] of [
      ["random by content", ref("random"), undefined],
      ["random by key", ref("random"), "id"],
      ["stratified", call("stratified", [ref("label")]), "id"],
      ["group", call("group", [ref("user")]), undefined],
      ["kfold's test part", call("kfold", [5], { by: ref("label") }), "id"],
    ] as const) {
      it(`${name}: no old row changes part when rows are appended and reordered`, () => {
        const m = parseSplitMethod(method);
        const a = runSplit(m, input(before, 11, shares, key));
        const b = runSplit(m, input(after, 11, shares, key));
        const partBefore = new Map(oldAt(before).map((id, i) => [id, a.part[i]]));
        let moved = 0;
        oldAt(after).forEach((id, i) => {
          if (partBefore.has(id) && partBefore.get(id) !== b.part[i]) moved++;
        });
        expect(moved).toBe(0);
      });
    }
  });
});
