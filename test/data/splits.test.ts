import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import { parseSplitMethod, runSplit } from "../../src/data/splits/index.js";
import { sharesOfConfig as parseShares } from "../../src/kinds/split/config.js";
import { TEST, TRAIN, VALID } from "../../src/data/splits/types.js";
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

describe("splits", () => {
  it("random: shares met, deterministic for a seed, different for another", () => {
    const a = runSplit(parseSplitMethod(ref("random")), { table: t, shares, seed: 7 });
    expect([count(a.part, TRAIN), count(a.part, VALID), count(a.part, TEST)]).toEqual([700, 150, 150]);
    expect(runSplit({ name: "random" }, { table: t, shares, seed: 7 }).part).toEqual(a.part);
    expect(runSplit({ name: "random" }, { table: t, shares, seed: 8 }).part).not.toEqual(a.part);
  });

  it("stratified keeps the label's share in every part", () => {
    const a = runSplit(parseSplitMethod(call("stratified", [ref("label")])), { table: t, shares, seed: 1 });
    const labels = t.array("label") as string[];
    for (const p of [TRAIN, VALID, TEST]) {
      const rows = [...a.part.keys()].filter((i) => a.part[i] === p);
      const yes = rows.filter((i) => labels[i] === "yes").length / rows.length;
      expect(yes).toBeCloseTo(0.1, 2);
    }
  });

  it("temporal: valid and test rows are strictly later than every training row, cuts reported", () => {
    const a = runSplit(parseSplitMethod(call("temporal", [ref("ts")])), { table: t, shares, seed: 1 });
    const ts = (t.array("ts") as Date[]).map((d) => d.getTime());
    const max = (p: number) => Math.max(...ts.filter((_, i) => a.part[i] === p));
    const min = (p: number) => Math.min(...ts.filter((_, i) => a.part[i] === p));
    expect(min(VALID)).toBeGreaterThan(max(TRAIN));
    expect(min(TEST)).toBeGreaterThan(max(VALID));
    expect(a.report.train_end).toBe(new Date(max(TRAIN)).toISOString());
    expect(a.report.valid_end).toBe(new Date(max(VALID)).toISOString());
  });

  it("group: an entity is never in two parts", () => {
    const a = runSplit(parseSplitMethod(call("group", [ref("user")])), { table: t, shares, seed: 3 });
    const users = t.array("user") as string[];
    const partOf = new Map<string, number>();
    users.forEach((u, i) => {
      expect(partOf.get(u) ?? a.part[i]).toBe(a.part[i]);
      partOf.set(u, a.part[i]!);
    });
    expect(new Set(partOf.values()).size).toBe(3);
  });

  it("kfold holds out test first and deals the rest into k folds", () => {
    const a = runSplit(parseSplitMethod(call("kfold", [5], { by: ref("label") })), {
      table: t,
      shares: parseShares({ train: pct(80), test: pct(20) }),
      seed: 2,
    });
    expect(count(a.part, TEST)).toBe(200);
    const folds = [0, 1, 2, 3, 4].map((f) => a.fold!.filter((x) => x === f).length);
    expect(folds).toEqual([160, 160, 160, 160, 160]);
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
});
