import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCsv, readCsvWithSchema } from "../../src/data/csv-reader.js";
import { NodeFailure } from "../../src/ir/executor.js";
import { columnValues } from "../../src/data/table-columns.js";
import { tempProject } from "./fixtures.js";

const write = (text: string): string => {
  const f = join(tempProject(), "data.csv");
  writeFileSync(f, text);
  return f;
};

describe("CSV reader", () => {
  it("reads quoted fields with delimiters, escaped quotes, newlines and CRLF line ends", async () => {
    const f = write('id,name,note\r\n1,"Smith, J","said ""hi"""\r\n2,plain,"two\nlines"\r\n3,,last\r\n');
    const t = await readCsv(f);
    expect(t.numRows()).toBe(3);
    expect(Array.from(columnValues(t, "id"))).toEqual([1, 2, 3]);
    expect(columnValues(t, "name")).toEqual(["Smith, J", "plain", null]);
    expect(columnValues(t, "note")).toEqual(['said "hi"', "two\nlines", "last"]);
  });

  it("gives the same table whatever the chunk size (records cut across chunks)", async () => {
    const rows = Array.from(
      { length: 300 },
      (_, i) => `${i},"q ""${i}"", x",${(i * 0.37).toFixed(2)},${i % 2 ? "yes" : "no"}`,
    );
    const f = write("a,b,c,d\n" + rows.join("\n") + "\n");
    const declared = [
      { name: "a", type: "int" as const, nullable: false },
      { name: "c", type: "float" as const, nullable: false },
      { name: "d", type: "bool" as const, nullable: false },
    ];
    const big = await readCsv(f, { declared });
    for (const chunkSize of [7, 64, 1000]) {
      const small = await readCsv(f, { declared, chunkSize });
      for (const c of ["a", "b", "c", "d"])
        expect(Array.from(columnValues(small, c) as ArrayLike<unknown>)).toEqual(
          Array.from(columnValues(big, c) as ArrayLike<unknown>),
        );
    }
    expect(columnValues(big, "b")[5]).toBe('q "5", x');
    expect(columnValues(big, "d")[1]).toBe(true);
  });

  it("applies the declared schema and infers the other columns", async () => {
    const f = write(
      "tenure,monthly,plan,when,flag,score\n3,19.5,basic,2024-01-02,true,1e3\n4,,pro,2024-02-03T10:00:00Z,false,-2.5\n",
    );
    const { table, schema } = await readCsvWithSchema(f, {
      declared: [{ name: "monthly", type: "float", nullable: true }],
    });
    expect(schema.map((c) => `${c.name}:${c.type}`)).toEqual([
      "tenure:int",
      "monthly:float",
      "plan:string",
      "when:timestamp",
      "flag:bool",
      "score:float",
    ]);
    expect(Array.from(columnValues(table, "monthly") as Float64Array)).toEqual([19.5, NaN]);
    expect(Array.from(columnValues(table, "score") as Float64Array)).toEqual([1000, -2.5]);
    expect((columnValues(table, "when")[1] as Date).toISOString()).toBe("2024-02-03T10:00:00.000Z");
  });

  it("reports a bad value with file, line, row, column and value", async () => {
    const f = write("tenure,plan\n1,a\n2,b\nx7,c\n");
    const err = await readCsv(f, {
      declared: [{ name: "tenure", type: "int", nullable: false }],
      display: "data/churn.csv",
    }).catch((e) => e);
    expect(err).toBeInstanceOf(NodeFailure);
    expect(err.message).toBe('data/churn.csv:4: row 3, column "tenure" (int): "x7" is not an int');
    expect(err.details).toMatchObject({ row: 3, column: "tenure", value: "x7" });
  });

  it("rejects an empty field in a non-nullable column and accepts it in a nullable one", async () => {
    const f = write("a,b\n1,\n");
    await expect(readCsv(f, { declared: [{ name: "b", type: "float", nullable: false }] })).rejects.toThrow(
      /column "b" \(float\): "" is empty but the column is not nullable/,
    );
    const t = await readCsv(f, { declared: [{ name: "b", type: "float", nullable: true }] });
    expect(Number.isNaN((columnValues(t, "b") as Float64Array)[0])).toBe(true);
  });

  it("reports a row with the wrong number of fields, a missing declared column, and a missing file", async () => {
    await expect(readCsv(write("a,b\n1,2\n3\n"))).rejects.toThrow(/:3: row 2 has 1 fields, the header has 2/);
    await expect(
      readCsv(write("a,b\n1,2\n"), { declared: [{ name: "c", type: "int", nullable: false }] }),
    ).rejects.toThrow(/declared column "c" is not in the file/);
    await expect(readCsv("/nonexistent/x.csv", { display: "data/x.csv" })).rejects.toThrow(
      "cannot read data/x.csv: no such file",
    );
  });

  it("reads declared categories and bools from their bytes, as the text reader would", async () => {
    const plans = ["basic", "pro", "team", "enterprise", "ünï", "basic "];
    const rows = Array.from(
      { length: 500 },
      (_, i) => `${plans[i % plans.length]},${["TRUE", "no", "y", "0", "False", "1"][i % 6]}`,
    );
    const f = write("plan,flag\n" + rows.join("\n") + '\n"quo""ted",t\n,yes\n');
    const t = await readCsv(f, {
      declared: [
        { name: "plan", type: "category", nullable: true },
        { name: "flag", type: "bool", nullable: false },
      ],
    });
    const want = [...rows.map((r) => r.split(",")[0]), 'quo"ted', null];
    expect(columnValues(t, "plan")).toEqual(want);
    expect((columnValues(t, "flag") as boolean[]).slice(0, 6)).toEqual([
      true,
      false,
      true,
      false,
      false,
      true,
    ]);
    await expect(
      readCsv(write("flag\nmaybe\n"), { declared: [{ name: "flag", type: "bool", nullable: false }] }),
    ).rejects.toThrow(/"maybe" is not a bool/);
  });

  it("parses decimal numbers of every shape as Number() does, quoted or not, with exact rounding", async () => {
    const texts = [
      "0",
      "-0",
      "+5",
      "007",
      ".5",
      "5.",
      "-123.456",
      "0.1",
      "1e3",
      "-2.5E-3",
      " 7 ",
      "123456789012345",
      "1234567890123456.5",
      "9007199254740993",
      "0.30000000000000004",
    ];
    const f = write("x\n" + texts.map((t, i) => (i % 2 ? `"${t}"` : t)).join("\n") + "\n");
    const t = await readCsv(f, { declared: [{ name: "x", type: "float", nullable: false }] });
    const got = Array.from(columnValues(t, "x") as Float64Array);
    texts.forEach((text, i) => expect(Object.is(got[i], Number(text)), `${text}: ${got[i]}`).toBe(true));
    await expect(
      readCsv(write("x\n1.5\n"), { declared: [{ name: "x", type: "int", nullable: false }] }),
    ).rejects.toThrow(/"1.5" is not an int/);
    await expect(
      readCsv(write("x\n12-3\n"), { declared: [{ name: "x", type: "float", nullable: false }] }),
    ).rejects.toThrow(/"12-3" is not a float/);
  });

  it("a closing quote as the very last byte of the file closes the field, whatever the chunk size", async () => {
    const f = write('a,b\n1,"x""y"\n2,"""z"""');
    for (const chunkSize of [1, 2, 3, 5, 8, 1000]) {
      const t = await readCsv(f, { chunkSize });
      expect(columnValues(t, "b")).toEqual(['x"y', '"z"']);
    }
  });

  it("reads a real dataset with a date column (every 25th day of Chicago ridership)", async () => {
    const t = await readCsv(join(import.meta.dirname, "../fixtures/datasets/Chicago.csv"), {
      declared: [{ name: "date", type: "timestamp", nullable: false }],
    });
    expect(t.numRows()).toBe(228);
    expect((columnValues(t, "date")[0] as Date).toISOString()).toBe("2001-01-22T00:00:00.000Z");
  });
});

describe("CSV type inference past the sample", () => {
  it("a column that looks numeric in the first rows but is not later is read as text", async () => {
    const rows = Array.from(
      { length: 2500 },
      (_, i) => `${i},${i < 2400 ? i % 10 : "n/a"},${i % 3 === 0 ? "true" : "false"},${i * 0.5}`,
    );
    const f = write("id,code,flag,half\n" + rows.join("\n") + "\n");
    const { table, schema } = await readCsvWithSchema(f);
    expect(schema.map((c) => `${c.name}:${c.type}`)).toEqual([
      "id:int",
      "code:category",
      "flag:bool",
      "half:float",
    ]);
    expect(columnValues(table, "code")[2450]).toBe("n/a");
    expect(columnValues(table, "code")[3]).toBe("3");
    expect((columnValues(table, "half") as Float64Array)[2499]).toBe(1249.5);
  });
});
