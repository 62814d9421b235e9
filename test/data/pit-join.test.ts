import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import { pointInTimeJoin } from "../../src/data/pit-join.js";
import { columnValues } from "../../src/data/table-columns.js";

const d = (day: number) => new Date(Date.UTC(2024, 0, day));

describe("point-in-time join", () => {
  const labels = aq.table({
    user: ["a", "a", "b", "c"],
    at: [d(5), d(10), d(5), d(5)],
    churned: [false, true, false, true],
  });
  const stats = aq.table({
    user: ["a", "a", "a", "b", "b"],
    ts: [d(1), d(9), d(11), d(6), d(2)],
    spend: Float64Array.from([10, 90, 1100, 60, 20]),
  });

  it("takes the latest feature row at or before each label's time, never a later one", () => {
    const j = pointInTimeJoin(labels, "at", [{ table: stats, keys: ["user"], time: "ts" }]);
    expect(Array.from(columnValues(j, "spend") as Float64Array)).toEqual([10, 90, 20, NaN]);
    expect(j.columnNames()).toEqual(["user", "at", "churned", "spend"]);
  });

  it("drops feature rows older than the TTL and prefixes joined columns", () => {
    const j = pointInTimeJoin(labels, "at", [
      { table: stats, keys: ["user"], time: "ts", ttlMs: 2 * 86400e3, prefix: "f_" },
    ]);
    expect(Array.from(columnValues(j, "f_spend") as Float64Array)).toEqual([NaN, 90, NaN, NaN]);
  });
});
