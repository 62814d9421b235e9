import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import { windowAggregate } from "../../src/data/windows.js";
import { buildPipeline } from "../../src/data/pipeline.js";
import { compileFeatures } from "../../src/data/compile-features.js";
import { evalBatch, tableEnv } from "../../src/data/evaluate-batch.js";
import { tableColumns } from "../../src/data/table-columns.js";
import { NodeFailure } from "../../src/ir/executor.js";
import { call, days, ref } from "./expr-helpers.js";

const DAY = 86400e3;

/** Brute force: rows of the same entity with time in [t - over, t). */
function naive(op: string, v: number[], e: string[], t: number[], over: number): number[] {
  return t.map((ti, i) => {
    const xs = v.filter((x, j) => e[j] === e[i] && t[j]! < ti && t[j]! >= ti - over && !Number.isNaN(x));
    if (op === "count") return xs.length;
    if (op === "sum") return xs.reduce((a, b) => a + b, 0);
    if (!xs.length) return NaN;
    if (op === "mean") return xs.reduce((a, b) => a + b, 0) / xs.length;
    return op === "max" ? Math.max(...xs) : Math.min(...xs);
  });
}

describe("window aggregations", () => {
  it("match a brute-force point-in-time computation, never using the row itself or later rows", () => {
    let s = 1;
    const rand = () => (s = (s * 16807) % 2147483647) / 2147483647;
    const n = 400;
    const e = Array.from({ length: n }, () => `e${Math.floor(rand() * 5)}`);
    const t = Array.from(
      { length: n },
      () => Math.floor(rand() * 60) * DAY + Math.floor(rand() * 3) * 3600e3,
    );
    const v = Array.from({ length: n }, () => (rand() < 0.1 ? NaN : Math.round(rand() * 100)));
    for (const op of ["count", "sum", "mean", "max", "min"] as const) {
      const got = windowAggregate(
        op,
        op === "count" ? undefined : Float32Array.from(v),
        e,
        Float64Array.from(t),
        7 * DAY,
      );
      const want = naive(op, op === "count" ? v.map(() => 1) : v, e, t, 7 * DAY);
      want.forEach((w, i) => (Number.isNaN(w) ? expect(got[i]).toBeNaN() : expect(got[i]).toBeCloseTo(w, 3)));
    }
  });

  it("a future row never changes an earlier row's value", () => {
    const e = ["a", "a", "a"],
      t = Float64Array.from([0, DAY, 2 * DAY]);
    const before = windowAggregate("sum", Float32Array.from([1, 2, 3]), e, t, 30 * DAY);
    const after = windowAggregate("sum", Float32Array.from([1, 2, 1000]), e, t, 30 * DAY);
    expect(Array.from(before)).toEqual([0, 1, 3]);
    expect(Array.from(after.slice(0, 2))).toEqual([0, 1]);
  });

  it("window features compile from the spec form and are inputs (lookups) of a model pipeline", () => {
    const table = aq.table({
      station: ["s1", "s1", "s2", "s1"],
      date: [new Date(0), new Date(DAY), new Date(DAY), new Date(3 * DAY)],
      rides: Float64Array.from([10, 20, 5, 40]),
    });
    const config = {
      from: ref("trips"),
      timestamp: ref("date"),
      rides_7d: call("mean", [ref("rides")], { over: days(7), by: ref("station") }),
      trips_7d: call("count", [], { over: days(7), by: ref("station") }),
    };
    const compiled = compileFeatures(config, tableColumns(table));
    const env = tableEnv(table, new Map(), false, true);
    expect(Array.from(evalBatch(compiled.features[0]!.node, env).v as Float32Array)).toEqual([
      NaN,
      10,
      NaN,
      15,
    ]);
    expect(Array.from(evalBatch(compiled.features[1]!.node, env).v as Float32Array)).toEqual([0, 1, 0, 2]);
    const p = buildPipeline(config, [
      ...tableColumns(table),
      { name: "rides_7d", type: "float" },
      { name: "trips_7d", type: "float" },
    ]);
    expect(p.lookups).toEqual(["rides_7d", "trips_7d"]);
    expect(p.rawInputs).toEqual([
      { name: "rides_7d", type: "float" },
      { name: "trips_7d", type: "float" },
    ]);
  });

  it("a window without a timestamp column is an error", () => {
    expect(() =>
      compileFeatures(
        { from: ref("t"), x: call("sum", [ref("rides")], { over: days(7), by: ref("station") }) },
        [
          { name: "rides", type: "float" },
          { name: "station", type: "string" },
        ],
      ),
    ).toThrow(NodeFailure);
    expect(() =>
      compileFeatures(
        { from: ref("t"), x: call("sum", [ref("rides")], { over: days(7), by: ref("station") }) },
        [
          { name: "rides", type: "float" },
          { name: "station", type: "string" },
        ],
      ),
    ).toThrow(/needs a timestamp column/);
  });
});
