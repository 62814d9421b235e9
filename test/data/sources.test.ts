import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as aq from "arquero";
import Database from "better-sqlite3";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { parquetBytes } from "../../src/data/parquet-reader.js";
import { loadSource, sourceFingerprint } from "../../src/data/source-load.js";
import { readSourceSpec } from "../../src/data/source-spec.js";
import { columnValues } from "../../src/data/table-columns.js";
import type { Json } from "../../src/ir/graph-ir.js";
import { MemoryStatCache, tempProject } from "./fixtures.js";
import { call, ref } from "./expr-helpers.js";

const schema = (cols: Record<string, Json>): Json => ({ $block: "schema", attributes: cols });

describe("file sources", () => {
  it("reads JSON lines with declared columns, or inferred ones without a schema", async () => {
    const dir = tempProject();
    writeFileSync(
      join(dir, "e.jsonl"),
      '{"id": 1, "kind": "a", "at": "2024-01-01T00:00:00Z"}\n\n{"id": 2, "kind": "b", "amount": 2.5}\n',
    );
    const spec = readSourceSpec({
      file: "e.jsonl",
      schema: schema({
        id: ref("int"),
        kind: ref("category"),
        at: call("nullable", [ref("timestamp")]),
        amount: "float?",
      }),
    });
    const { table, schema: s } = await loadSource(spec, dir);
    expect(table.numRows()).toBe(2);
    expect(s.map((c) => `${c.name}:${c.type}${c.nullable ? "?" : ""}`)).toEqual([
      "id:int",
      "kind:category",
      "at:timestamp?",
      "amount:float?",
    ]);
    expect(Array.from(columnValues(table, "amount") as Float64Array)).toEqual([NaN, 2.5]);
    const inferred = await loadSource(readSourceSpec({ file: "e.jsonl" }), dir);
    expect(inferred.schema.map((c) => `${c.name}:${c.type}${c.nullable ? "?" : ""}`)).toEqual([
      "id:int?",
      "kind:string?",
      "at:timestamp?",
      "amount:float?",
    ]);
  });

  it("reads a glob of partitioned Parquet files in path order", async () => {
    const dir = tempProject();
    mkdirSync(join(dir, "data/events"), { recursive: true });
    for (const [name, ids] of [
      ["part-1.parquet", [3, 4]],
      ["part-0.parquet", [1, 2]],
    ] as const) {
      const t = aq.table({
        id: Int32Array.from(ids),
        city: ids.map((i) => `c${i}`),
        v: Float64Array.from(ids, (i) => i / 2),
      });
      writeFileSync(join(dir, "data/events", name), parquetBytes(aq.toArrowIPC(t)));
    }
    writeFileSync(join(dir, "data/events/notes.txt"), "not data");
    const spec = readSourceSpec({
      file: "data/events/*.parquet",
      schema: schema({ id: ref("int"), city: ref("category"), v: ref("float") }),
    });
    const loaded = await loadSource(spec, dir);
    expect(loaded.files).toEqual(["data/events/part-0.parquet", "data/events/part-1.parquet"]);
    expect(Array.from(columnValues(loaded.table, "id") as Float64Array)).toEqual([1, 2, 3, 4]);
    expect(loaded.schema.map((c) => c.type)).toEqual(["int", "category", "float"]); // Arrow dictionary strings are categories
    const cache = new MemoryStatCache();
    const fp = await sourceFingerprint(spec, dir, cache);
    expect(fp.description).toBe("data/events/*.parquet (2 files)");
    expect(await sourceFingerprint(spec, dir, cache)).toEqual(fp);
    expect(cache.hits).toBe(2);
  });

  it("a file's fingerprint follows its content, and the stat cache skips rehashing", async () => {
    const dir = tempProject();
    const f = join(dir, "d.csv");
    writeFileSync(f, "a\n1\n");
    const spec = readSourceSpec({ file: "d.csv" });
    const cache = new MemoryStatCache();
    const one = await sourceFingerprint(spec, dir, cache);
    await sourceFingerprint(spec, dir, cache);
    expect(cache.hits).toBe(1);
    writeFileSync(f, "a\n2\n");
    utimesSync(f, new Date(), new Date(Date.now() + 5000));
    expect((await sourceFingerprint(spec, dir, cache)).hash).not.toBe(one.hash);
    const tagged = readSourceSpec({ file: "d.csv", version: "2024-06" });
    const v = await sourceFingerprint(tagged, dir, cache);
    writeFileSync(f, "a\n3\n");
    expect(await sourceFingerprint(tagged, dir, cache)).toEqual(v);
    expect(v.description).toBe('d.csv version "2024-06"');
  });

  it("a path that leaves the project is an error unless allowed", async () => {
    const dir = tempProject();
    await expect(loadSource(readSourceSpec({ file: "../elsewhere.csv" }), dir)).rejects.toThrow(
      /leaves the project directory/,
    );
    await expect(
      loadSource(readSourceSpec({ file: "../elsewhere.csv", allow_outside_paths: true }), dir),
    ).rejects.toThrow(/no such file/);
  });

  it("accepts the nullable spellings `nullable(float)` and `float?` and rejects unknown types", () => {
    const spec = readSourceSpec({
      file: "x.csv",
      schema: schema({ a: call("nullable", [ref("float")]), b: "int?", c: ref("category") }),
    });
    expect(spec.declared).toEqual([
      { name: "a", type: "float", nullable: true },
      { name: "b", type: "int", nullable: true },
      { name: "c", type: "category", nullable: false },
    ]);
    expect(() => readSourceSpec({ file: "x.csv", schema: schema({ a: ref("decimal") }) })).toThrow(
      /unknown type/,
    );
  });
});

describe("SQLite sources", () => {
  it("reads a query's rows with the database's column types, and fingerprints by version or result", async () => {
    const dir = tempProject();
    const db = new Database(join(dir, "shop.db"));
    db.exec(
      "create table orders (id integer, amount real, note text, updated_at text); insert into orders values (1, 9.5, 'x', '2024-01-01'), (2, 20, null, '2024-02-01')",
    );
    db.close();
    const conn = call("sqlite", [], { path: "shop.db" });
    const spec = readSourceSpec({
      connection: conn,
      query: "select * from orders order by id",
      schema: schema({ updated_at: ref("timestamp") }),
    });
    const { table, schema: s } = await loadSource(spec, dir);
    expect(s.map((c) => c.type)).toEqual(["int", "float", "string", "timestamp"]);
    expect(columnValues(table, "note")).toEqual(["x", null]);
    const cache = new MemoryStatCache();
    const byResult = await sourceFingerprint(spec, dir, cache);
    expect(byResult.rows).toBe(2);
    const versioned = readSourceSpec({
      connection: conn,
      query: "select * from orders",
      version: call("max", [ref("updated_at")]),
    });
    const v1 = await sourceFingerprint(versioned, dir, cache);
    expect(v1.description).toBe("sqlite:shop.db version max(updated_at) = 2024-02-01");
    const db2 = new Database(join(dir, "shop.db"));
    db2.exec("insert into orders values (3, 1, 'y', '2024-03-01')");
    db2.close();
    expect((await sourceFingerprint(versioned, dir, cache)).hash).not.toBe(v1.hash);
    expect((await sourceFingerprint(spec, dir, cache)).hash).not.toBe(byResult.hash);
  });

  it("a failing query is a clear error", async () => {
    const dir = tempProject();
    new Database(join(dir, "e.db")).close();
    await expect(
      loadSource(
        readSourceSpec({
          connection: call("sqlite", [], { path: "e.db" }),
          query: "select * from missing_table",
        }),
        dir,
      ),
    ).rejects.toThrow(/sqlite:e.db: the query failed: no such table: missing_table/);
  });
});

const pgUrl = process.env.MLC_TEST_PG_URL;

describe("PostgreSQL sources", () => {
  it.skipIf(!pgUrl)(
    "reads a query through env(…) and never puts the URL in messages (needs MLC_TEST_PG_URL)",
    async () => {
      const table = `mlc_data_src_${process.pid}`;
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      try {
        await client.query(
          `drop table if exists ${table}; create table ${table} (id bigint, amount numeric, flag boolean, at timestamptz, name text)`,
        );
        await client.query(
          `insert into ${table} values (1, 2.5, true, '2024-01-01T00:00:00Z', 'a'), (2, null, false, '2024-01-02T00:00:00Z', null)`,
        );
        process.env.MLC_DATA_TEST_PG = pgUrl;
        const conn = call("postgres", [], { url: call("env", ["MLC_DATA_TEST_PG"]) });
        const spec = readSourceSpec({ connection: conn, query: `select * from ${table} order by id` });
        const { table: t, schema: s } = await loadSource(spec, tempProject());
        expect(s.map((c) => c.type)).toEqual(["int", "float", "bool", "timestamp", "string"]);
        expect(Array.from(columnValues(t, "amount") as Float64Array)).toEqual([2.5, NaN]);
        const v = await sourceFingerprint(
          readSourceSpec({
            connection: conn,
            query: `select * from ${table}`,
            version: call("max", [ref("at")]),
          }),
          tempProject(),
          new MemoryStatCache(),
        );
        expect(v.description).toBe(
          "postgres:env(MLC_DATA_TEST_PG) version max(at) = 2024-01-02T00:00:00.000Z",
        );
        const err = await loadSource(
          readSourceSpec({ connection: conn, query: "select * from no_such_table_here" }),
          tempProject(),
        ).catch((e) => e as Error);
        expect(err.message).toMatch(/no_such_table_here/);
        expect(err.message).not.toContain(pgUrl!);
      } finally {
        await client.query(`drop table if exists ${table}`);
        await client.end();
      }
    },
  );

  it("a server that cannot be reached is a coded failure without the password (pg loads on first use)", async () => {
    // port 1 on the loopback: nothing listens there, so the connection is refused at once
    process.env.MLC_DATA_TEST_PG_DOWN = "postgres://mlc:s3cret-word@127.0.0.1:1/db";
    try {
      const spec = readSourceSpec({
        connection: call("postgres", [], { url: call("env", ["MLC_DATA_TEST_PG_DOWN"]) }),
        query: "select 1",
      });
      const err = (await loadSource(spec, tempProject()).catch((e: unknown) => e)) as Error & {
        code?: string;
      };
      expect(err.code).toBe("MLC2100");
      expect(err.message).toMatch(/ECONNREFUSED|connect/);
      expect(err.message).not.toContain("s3cret-word");
    } finally {
      delete process.env.MLC_DATA_TEST_PG_DOWN;
    }
  });

  it("a missing environment variable names the variable only", async () => {
    delete process.env.MLC_DATA_TEST_UNSET;
    const spec = readSourceSpec({
      connection: call("postgres", [], { url: call("env", ["MLC_DATA_TEST_UNSET"]) }),
      query: "select 1",
    });
    await expect(loadSource(spec, tempProject())).rejects.toThrow(
      "the environment variable MLC_DATA_TEST_UNSET is not set (it holds the database URL)",
    );
  });
});
