// Missing values in CSV files (specs/data-rules.md, "Missing values"): NA, N/A, NaN, nan, null, NULL
// are null by default in int, float, bool and timestamp columns and text in string and category
// columns; a source's `nulls = [...]` replaces that list for every column. A null text in a column
// that is not nullable, or a text that is neither a value nor a null, is an error naming the row,
// the column and the value.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ColumnSpec } from "../../src/data/column-type.js";
import { readCsvWithSchema } from "../../src/data/csv-reader.js";
import { columnValues } from "../../src/data/table-columns.js";
import { tempProject } from "./fixtures.js";

const write = (text: string): string => {
  const f = join(tempProject(), "data.csv");
  writeFileSync(f, text);
  return f;
};
const col = (name: string, type: ColumnSpec["type"], nullable = true): ColumnSpec => ({
  name,
  type,
  nullable,
});
const values = (t: Awaited<ReturnType<typeof readCsvWithSchema>>["table"], c: string): unknown[] =>
  Array.from(columnValues(t, c) as ArrayLike<unknown>).map((v) =>
    typeof v === "number" && Number.isNaN(v) ? null : v instanceof Date ? v.toISOString() : v,
  );

describe("null texts in CSV", () => {
  const data = 'n,x,flag,at,region\n1,2.5,yes,2024-01-01,EU\nNA,NaN,N/A,null,NA\n3,"NA",NULL,NULL,\n';
  const declared = [
    col("n", "int"),
    col("x", "float"),
    col("flag", "bool"),
    col("at", "timestamp"),
    col("region", "category"),
  ];

  it("by default: NA, N/A, NaN, null, NULL are null in typed columns, text in categories", async () => {
    const { table } = await readCsvWithSchema(write(data), { declared });
    expect(values(table, "n")).toEqual([1, null, 3]);
    expect(values(table, "x")).toEqual([2.5, null, null]);
    expect(values(table, "flag")).toEqual([true, null, null]);
    expect(values(table, "at")).toEqual(["2024-01-01T00:00:00.000Z", null, null]);
    expect(values(table, "region")).toEqual(["EU", "NA", null]);
  });

  it("by default an inferred numeric column reads NA as null; a text column keeps it", async () => {
    const { table, schema } = await readCsvWithSchema(
      write("n,score,code\n1,0.5,NA\nNA,NA,EU\n3,N/A,NA\n4,1.5,EU\n"),
    );
    expect(schema.map((c) => [c.name, c.type])).toEqual([
      ["n", "int"],
      ["score", "float"],
      ["code", "category"],
    ]);
    expect(values(table, "n")).toEqual([1, null, 3, 4]);
    expect(values(table, "score")).toEqual([0.5, null, null, 1.5]);
    expect(values(table, "code")).toEqual(["NA", "EU", "NA", "EU"]);
  });

  it("a declared list replaces the default in every column, numbers included", async () => {
    const f = write("n,region,amount\n1,EU,-999\n-,-,5\n?,US,-999\n");
    const { table } = await readCsvWithSchema(f, {
      declared: [col("n", "int"), col("region", "category"), col("amount", "int")],
      nulls: ["", "-", "?", "-999"],
    });
    expect(values(table, "n")).toEqual([1, null, null]);
    expect(values(table, "region")).toEqual(["EU", null, "US"]);
    expect(values(table, "amount")).toEqual([null, 5, null]);
    // inferred columns take the declared list too, and NA is no longer null
    const inferred = await readCsvWithSchema(write("a,b\n1,x\n-,NA\n"), { nulls: ["-"] });
    expect(values(inferred.table, "a")).toEqual([1, null]);
    expect(values(inferred.table, "b")).toEqual(["x", "NA"]);
  });

  it("a null text in a column that is not nullable names the row, the column and the value", async () => {
    await expect(
      readCsvWithSchema(write("n\n1\n2\nNA\n"), { declared: [col("n", "int", false)], display: "d.csv" }),
    ).rejects.toThrow(
      'd.csv:4: row 3, column "n" (int): "NA" means a missing value but the column is not nullable (declare it nullable(int))',
    );
  });

  it("a text outside the declared list is an error naming the row, the column and the value", async () => {
    await expect(
      readCsvWithSchema(write("n\n1\n-\nNA\n"), {
        declared: [col("n", "int")],
        nulls: ["-"],
        display: "d.csv",
      }),
    ).rejects.toThrow(/^d\.csv:4: row 3, column "n" \(int\): "NA" /);
    await expect(
      readCsvWithSchema(write("flag\nyes\nmissing\n"), { declared: [col("flag", "bool")], display: "d.csv" }),
    ).rejects.toThrow(/^d\.csv:3: row 2, column "flag" \(bool\): "missing" /);
  });
});
