import { describe, expect, it } from "vitest";
import type { BundleInput } from "../../src/serve/bundle.js";
import { isProblem, RecordEncoder, type ColumnBatch } from "../../src/serve/record-encoder.js";

const inputs: BundleInput[] = [
  { name: "n", type: "int", nullable: false },
  { name: "x", type: "float", nullable: true },
  { name: "y", type: "float", nullable: false },
  { name: "plan", type: "category", nullable: true, values: ["a", "b"] },
  { name: "tier", type: "category", nullable: false, values: ["gold", "silver"], unseen: "error" },
  { name: "note", type: "string", nullable: true },
];

const batch = (r: ReturnType<RecordEncoder["encodeColumns"]>): ColumnBatch => {
  if (isProblem(r)) throw new Error(r.message);
  return r;
};

describe("record encoder, columns", () => {
  const enc = new RecordEncoder(inputs);
  const x = [1.5, NaN, 3.4028234663852886e39, -0.1, 7];
  const table = {
    n: Int32Array.from([1, 2, 3, 4, 5]),
    x: Float64Array.from(x),
    y: Float32Array.from([0.25, 1, 2, 3, 4]),
    plan: ["a", "new", null, 7, "b"],
    tier: ["gold", "silver", "gold", "gold", "silver"],
    note: ["", "é", undefined, true, "日本"],
  };

  it("encodes typed and string columns as the record path encodes the same rows", () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({
      n: table.n[i],
      // the record path refuses a float beyond float32; the column path stores what float32 makes of it
      x: Number.isNaN(x[i]!) || i === 2 ? null : x[i],
      y: table.y[i],
      plan: table.plan[i],
      tier: table.tier[i],
      note: table.note[i],
    }));
    const byCols = batch(enc.encodeColumns(table, 1, 4));
    const byRows = batch(enc.encodeRecords(rows.slice(1), true));
    expect(byCols.n).toBe(4);
    const [n, xc, y, plan, tier, note] = byCols.columns;
    expect(n).toEqual(Float32Array.from([2, 3, 4, 5]));
    expect(Array.from(xc as Float32Array)).toEqual([NaN, Infinity, Math.fround(-0.1), 7]);
    expect(y).toEqual(byRows.columns[2]);
    expect(plan).toEqual(["new", "", "7", "b"]);
    expect(tier).toEqual(["silver", "gold", "gold", "silver"]);
    expect(note).toEqual(["é", "", "true", "日本"]);
    expect(plan).toEqual(byRows.columns[3]);
    expect(note).toEqual(byRows.columns[5]);
  });

  it("names the first bad row of a typed column, as before", () => {
    const bad = (over: Record<string, unknown>) => enc.encodeColumns({ ...table, ...over }, 0, 5);
    expect(bad({ y: Float64Array.from([0, 1, NaN, 3, NaN]) })).toEqual({
      field: "y",
      message: "column 'y' row 2: null in a non-nullable column",
      index: 2,
    });
    expect(bad({ n: Float64Array.from([1, 2, 3, 4.5, NaN]) })).toEqual({
      field: "n",
      message: "column 'n' row 3: expected an integer, got 4.5",
      index: 3,
    });
    expect(bad({ n: Float64Array.from([1, NaN, 3, 4, 5]) })).toEqual({
      field: "n",
      message: "column 'n' row 1: null in a non-nullable column",
      index: 1,
    });
    expect(bad({ tier: ["gold", "bronze", "gold", "gold", "gold"] })).toMatchObject({
      field: "tier",
      index: 1,
    });
    expect(bad({ note: ["", "", {}, "", ""] })).toEqual({
      field: "note",
      message: "column 'note' row 2: expected a string, got object",
      index: 2,
    });
  });
});
