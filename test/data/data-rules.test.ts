import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as aq from "arquero";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { ColumnSpec } from "../../src/data/column-type.js";
import { readCsv, readCsvWithSchema } from "../../src/data/csv-reader.js";
import { parquetBytes } from "../../src/data/parquet-reader.js";
import { loadSource } from "../../src/data/source-load.js";
import { readSourceSpec } from "../../src/data/source-spec.js";
import { columnValues } from "../../src/data/table-columns.js";
import { NodeFailure } from "../../src/ir/executor.js";
import type { Json } from "../../src/ir/graph-ir.js";
import { call, ref } from "./expr-helpers.js";
import { tempProject } from "./fixtures.js";

const write = (bytes: string | Buffer, name = "data.csv"): { dir: string; file: string } => {
  const dir = tempProject();
  writeFileSync(join(dir, name), bytes);
  return { dir, file: join(dir, name) };
};
const col = (name: string, type: ColumnSpec["type"], nullable = false): ColumnSpec => ({
  name,
  type,
  nullable,
});
const failure = (p: Promise<unknown>): Promise<NodeFailure> =>
  p.then(
    () => {
      throw new Error("read succeeded");
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(NodeFailure);
      return e as NodeFailure;
    },
  );
const schema = (cols: Record<string, Json>): Json => ({ $block: "schema", attributes: cols });

describe("no silent changes to CSV values", () => {
  it("bytes that are not UTF-8 are an error naming line, row, column and bytes, never U+FFFD", async () => {
    const bytes = Buffer.concat([
      Buffer.from("id,city\n1,paris\n2,caf"),
      Buffer.from([0xe9]),
      Buffer.from("\n3,caf"),
      Buffer.from([0xe8]),
      Buffer.from("\n"),
    ]);
    const { file } = write(bytes);
    for (const declared of [[col("city", "category")], [col("city", "string")], []]) {
      for (const chunkSize of [5, 1 << 20]) {
        const err = await failure(readCsv(file, { declared, display: "data/c.csv", chunkSize }));
        expect(err.message).toBe(
          'data/c.csv:3: row 2, column "city": "caf\\xe9" is not valid UTF-8 (byte 0xe9); if the file is Latin-1, declare `encoding = "latin1"` on the source',
        );
        expect(err.details).toMatchObject({ line: 3, row: 2, column: "city" });
      }
    }
  });

  it("a multi-byte character cut by a chunk boundary is valid; a truncated one at the end is not", async () => {
    const { file } = write("name\n" + "é€😀\n".repeat(50));
    for (const chunkSize of [1, 2, 3, 7, 64]) {
      const t = await readCsv(file, { declared: [col("name", "category")], chunkSize });
      expect(new Set(columnValues(t, "name"))).toEqual(new Set(["é€😀"]));
    }
    const cut = write(Buffer.concat([Buffer.from("name\nok\n"), Buffer.from("€").subarray(0, 2)])).file;
    expect((await failure(readCsv(cut))).message).toMatch(
      /:3: row 2, column "name": "\\xe2\\x82" is not valid UTF-8/,
    );
  });

  it("an invalid byte in the header is named with the header", async () => {
    const { file } = write(
      Buffer.concat([Buffer.from("id,caf"), Buffer.from([0xe9]), Buffer.from("\n1,2\n")]),
    );
    expect((await failure(readCsv(file, { display: "d.csv" }))).message).toMatch(
      /^d\.csv:1: the header, field 2: "caf\\xe9" is not valid UTF-8/,
    );
  });

  it("a Latin-1 file is read as declared: é and è stay two categories", async () => {
    const bytes = Buffer.concat([
      Buffer.from("city\ncaf"),
      Buffer.from([0xe9]),
      Buffer.from("\ncaf"),
      Buffer.from([0xe8]),
      Buffer.from("\n"),
    ]);
    const { file, dir } = write(bytes);
    const t = await readCsv(file, { declared: [col("city", "category")], encoding: "latin1" });
    expect(columnValues(t, "city")).toEqual(["café", "cafè"]);
    const spec = readSourceSpec({
      file: "data.csv",
      encoding: "latin1",
      schema: schema({ city: ref("category") }),
    });
    expect(columnValues((await loadSource(spec, dir)).table, "city")).toEqual(["café", "cafè"]);
  });

  it("ints are plain decimal and exact: hex, blanks and digits past 2^53 - 1 are errors", async () => {
    const read = (v: string) =>
      readCsv(write(`x\n1\n${v}\n`).file, { declared: [col("x", "int")], display: "d.csv" });
    expect((await failure(read("0x10"))).message).toBe(
      'd.csv:3: row 2, column "x" (int): "0x10" is not an int',
    );
    expect((await failure(read('" "'))).message).toBe('d.csv:3: row 2, column "x" (int): " " is not an int');
    expect((await failure(read("99999999999999999999"))).message).toMatch(
      /^d\.csv:3: row 2, column "x" \(int\): "99999999999999999999" is beyond the exact integer range ±9007199254740991/,
    );
    expect((await failure(read("9007199254740993"))).message).toMatch(/beyond the exact integer range/);
    const ok = await readCsv(write("x\n9007199254740991\n-9007199254740991\n5.0\n").file, {
      declared: [col("x", "int")],
    });
    expect(Array.from(columnValues(ok, "x") as Float64Array)).toEqual([
      9007199254740991, -9007199254740991, 5,
    ]);
  });

  it("floats are finite within float32: Infinity, 1e39 and 1e308 are errors, 1e30 is read", async () => {
    for (const v of ["Infinity", "-Infinity", "inf", "1e39", "1e308", "-3.5e38", "1e400"]) {
      const err = await failure(
        readCsv(write(`x\n1\n${v}\n`).file, { declared: [col("x", "float")], display: "d.csv" }),
      );
      expect(err.message).toBe(
        `d.csv:3: row 2, column "x" (float): ${JSON.stringify(v)} is beyond the float32 range ±3.4028235e38, which the model and ONNX bundle compute in (infinities are not read)`,
      );
    }
    const t = await readCsv(write("x\n1e30\n-3.4e38\n0x1\n".replace("0x1\n", "")).file, {
      declared: [col("x", "float")],
    });
    expect(Array.from(columnValues(t, "x") as Float64Array)).toEqual([1e30, -3.4e38]);
    expect(
      (await failure(readCsv(write("x\n0x1\n").file, { declared: [col("x", "float")] }))).message,
    ).toMatch(/"0x1" is not a float/);
  });

  it("NaN in a float column that is not nullable is reported as a missing value, not as empty", async () => {
    const err = await failure(
      readCsv(write('x\n1\n"NaN"\n').file, { declared: [col("x", "float")], display: "d.csv" }),
    );
    expect(err.message).toBe(
      'd.csv:3: row 2, column "x" (float): "NaN" means a missing value but the column is not nullable (declare it nullable(float))',
    );
  });

  it("undeclared columns are read as text, never as a changed number", async () => {
    const { file } = write(
      "id,hex,inf,big\n1,0x10,Infinity,99999999999999999999\n2,0x11,1,99999999999999999998\n3,0x10,2,99999999999999999999\n",
    );
    const { table, schema: s } = await readCsvWithSchema(file);
    expect(s.map((c) => `${c.name}:${c.type}`)).toEqual(["id:int", "hex:string", "inf:string", "big:string"]);
    expect(columnValues(table, "big")).toEqual([
      "99999999999999999999",
      "99999999999999999998",
      "99999999999999999999",
    ]);
  });

  it("a column that is typed from the sample and later holds an out-of-range value is read as text", async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => `${i},${i === 2400 ? "1e39" : i / 2}`);
    const { table, schema: s } = await readCsvWithSchema(write("id,v\n" + rows.join("\n") + "\n").file);
    expect(s[1]).toEqual({ name: "v", type: "string", nullable: true });
    expect(columnValues(table, "v")[2400]).toBe("1e39");
  });
});

describe("a source with a schema holds only its declared columns", () => {
  it("an undeclared CSV column is an error at the header; without a schema every column is inferred", async () => {
    const { dir } = write("id,extra\n1,a\n");
    const err = await failure(
      loadSource(readSourceSpec({ file: "data.csv", schema: schema({ id: ref("int") }) }), dir),
    );
    expect(err.message).toBe(
      'data.csv:1: column "extra" is not declared in the source\'s schema; declare it (e.g. extra = string) or remove it from the data',
    );
    const { schema: s } = await loadSource(readSourceSpec({ file: "data.csv" }), dir);
    expect(s.map((c) => c.name)).toEqual(["id", "extra"]);
    const two = write("id,my col,x\n1,a,b\n");
    const plural = await failure(
      loadSource(readSourceSpec({ file: "data.csv", schema: schema({ id: ref("int") }) }), two.dir),
    );
    expect(plural.message).toBe(
      'data.csv:1: columns "my col", "x" are not declared in the source\'s schema; declare them (e.g. `my col` = string) or remove them from the data',
    );
  });

  it("an undeclared JSON-lines key is an error", async () => {
    const { dir } = write('{"id": 1}\n{"id": 2, "note": "x"}\n', "e.jsonl");
    const err = await failure(
      loadSource(readSourceSpec({ file: "e.jsonl", schema: schema({ id: ref("int") }) }), dir),
    );
    expect(err.message).toMatch(/^e\.jsonl: column "note" is not declared in the source's schema/);
  });
});

describe("no silent changes to JSON-lines values", () => {
  it("bytes that are not UTF-8 are an error naming line, row and key; latin1 reads them", async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"city": "paris"}\n\n{"city": "caf'),
      Buffer.from([0xe9]),
      Buffer.from('"}\n'),
    ]);
    const { dir } = write(bytes, "e.jsonl");
    const err = await failure(loadSource(readSourceSpec({ file: "e.jsonl" }), dir));
    expect(err.message).toBe(
      'e.jsonl:3: row 2, column "city": "caf\\xe9" is not valid UTF-8 (byte 0xe9); if the file is Latin-1, declare `encoding = "latin1"` on the source',
    );
    const t = (await loadSource(readSourceSpec({ file: "e.jsonl", encoding: "latin1" }), dir)).table;
    expect(columnValues(t, "city")).toEqual(["paris", "café"]);
  });

  it("numbers past the exact int range or float32 are errors; a NaN text is a missing value", async () => {
    const { dir } = write('{"n": 1, "f": 1.5}\n{"n": 99999999999999999999, "f": 1e39}\n', "e.jsonl");
    const int = await failure(loadSource(readSourceSpec({ file: "e.jsonl" }), dir));
    expect(int.message).toMatch(
      /^e\.jsonl row 2, column "n" \(int\): 100000000000000000000 is beyond the exact integer range/,
    );
    const float = await failure(
      loadSource(
        readSourceSpec({ file: "e.jsonl", schema: schema({ n: ref("float"), f: ref("float") }) }),
        dir,
      ),
    );
    expect(float.message).toMatch(
      /^e\.jsonl row 2, column "f" \(float\): 1e\+39 is beyond the float32 range/,
    );
    const nan = write('{"f": "NaN"}\n', "n.jsonl");
    const err = await failure(
      loadSource(readSourceSpec({ file: "n.jsonl", schema: schema({ f: ref("float") }) }), nan.dir),
    );
    expect(err.message).toBe(
      'n.jsonl row 1, column "f" (float): "NaN" means a missing value but the column is not nullable (declare it nullable(float))',
    );
  });
});

describe("no silent changes to Parquet values", () => {
  it("an infinite float is an error; a NaN in a column that is not nullable is named as a missing value", async () => {
    const pq = (v: number[]) =>
      parquetBytes(aq.toArrowIPC(aq.table({ id: Int32Array.from([1, 2]), v: Float64Array.from(v) })));
    const inf = write(Buffer.from(pq([1.5, Infinity])), "p.parquet");
    expect((await failure(loadSource(readSourceSpec({ file: "p.parquet" }), inf.dir))).message).toMatch(
      /^p\.parquet row 2, column "v" \(float\): Infinity is beyond the float32 range/,
    );
    const nan = write(Buffer.from(pq([NaN, 2])), "p.parquet");
    const spec = readSourceSpec({ file: "p.parquet", schema: schema({ id: ref("int"), v: ref("float") }) });
    expect((await failure(loadSource(spec, nan.dir))).message).toBe(
      'p.parquet row 1, column "v" (float): NaN means a missing value but the column is not nullable (declare it nullable(float))',
    );
  });
});

describe("no silent changes to SQLite values", () => {
  it("an integer past 2^53 - 1 is an error in an int column and exact in a string one", async () => {
    const dir = tempProject();
    const db = new Database(join(dir, "d.db"));
    db.exec("create table t (id integer, big integer); insert into t values (1, 5), (2, 99999999999999999)");
    db.close();
    const conn = call("sqlite", [], { path: "d.db" });
    const err = await failure(
      loadSource(readSourceSpec({ connection: conn, query: "select * from t" }), dir),
    );
    expect(err.message).toMatch(
      /row 2, column "big" \(int\): 99999999999999999 is beyond the exact integer range/,
    );
    const spec = readSourceSpec({
      connection: conn,
      query: "select * from t",
      schema: schema({ big: ref("string") }),
    });
    const { table } = await loadSource(spec, dir);
    expect(columnValues(table, "big")).toEqual(["5", "99999999999999999"]);
    expect(Array.from(columnValues(table, "id") as Float64Array)).toEqual([1, 2]);
  });
});
