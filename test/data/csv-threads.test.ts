import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ColumnTable } from "arquero";
import type { ColumnSpec } from "../../src/data/column-type.js";
import { type CsvReadOptions, readCsvWithSchema } from "../../src/data/csv-reader.js";
import { columnValues } from "../../src/data/table-columns.js";
import { NodeFailure } from "../../src/ir/executor.js";
import { tempProject } from "./fixtures.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const write = (text: string): string => {
  const f = join(tempProject(), "data.csv");
  writeFileSync(f, text);
  return f;
};

/** Every column as a plain array (typed arrays copied out), for deep comparison. */
const contents = (t: ColumnTable): Record<string, unknown[]> =>
  Object.fromEntries(t.columnNames().map((n) => [n, Array.from(columnValues(t, n) as ArrayLike<unknown>)]));

const PLANS = ["basic", "pro", '"quoted", plan', "ünï", ""];

/** Rows past the schema sample (2000), with every feature of the format the parser handles. */
function mixedCsv(rows: number, eol: string): string {
  let text = "id,amount,plan,flag,when,note,code" + eol;
  for (let i = 0; i < rows; i++) {
    if (i % 997 === 0) text += eol; // blank lines are no records
    const plan = PLANS[i % PLANS.length]!;
    const note = i % 97 === 0 ? `"two${eol}lines, ""quoted"""` : i % 7 === 0 ? "" : `n${i}`;
    const amount =
      i % 11 === 0
        ? ""
        : i % 17 === 0
          ? `"${(i * 1.5).toFixed(1)}"`
          : i % 19 === 0
            ? "1e3"
            : ((i - 500) * 0.37).toFixed(3);
    text +=
      [
        i,
        amount,
        plan.includes('"') ? `"${plan.replaceAll('"', '""')}"` : plan,
        ["TRUE", "no", "Y", "0"][i % 4],
        `2024-01-${String((i % 28) + 1).padStart(2, "0")}`,
        note,
        i % 3,
      ].join(",") + eol;
  }
  return text;
}

const DECLARED: ColumnSpec[] = [
  { name: "id", type: "int", nullable: false },
  { name: "amount", type: "float", nullable: true },
  { name: "plan", type: "category", nullable: true },
  { name: "flag", type: "bool", nullable: false },
  { name: "when", type: "timestamp", nullable: false },
];

describe("CSV reader in worker threads", () => {
  let outDir = "";
  let workerUrl: URL;
  beforeAll(() => {
    // Compile the worker and its imports, as `npm run build` does for dist/.
    outDir = mkdtempSync(join(tmpdir(), "mlc-csv-worker-"));
    execFileSync(
      process.execPath,
      [
        join(repoRoot, "node_modules/typescript/bin/tsc"),
        "--outDir",
        outDir,
        "--rootDir",
        join(repoRoot, "src"),
        "--module",
        "nodenext",
        "--moduleResolution",
        "nodenext",
        "--target",
        "es2022",
        "--skipLibCheck",
        "--types",
        "node",
        join(repoRoot, "src/data/csv-worker.ts"),
      ],
      { cwd: repoRoot, stdio: "pipe" },
    );
    writeFileSync(join(outDir, "package.json"), '{"type":"module"}');
    workerUrl = pathToFileURL(join(outDir, "data/csv-worker.js"));
  }, 60_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  const threaded = (threads: number): CsvReadOptions => ({ threads, minBytesPerThread: 1024, workerUrl });
  const single: CsvReadOptions = { threads: 1 };

  it("gives the same table and schema as one thread: quoted fields and newlines, CRLF, blank lines, nulls, categories, bools, timestamps, inferred columns", async () => {
    for (const eol of ["\n", "\r\n"]) {
      const f = write(mixedCsv(6000, eol));
      const one = await readCsvWithSchema(f, { declared: DECLARED, ...single });
      expect(one.ranges).toBe(1);
      for (const threads of [2, 3]) {
        const many = await readCsvWithSchema(f, { declared: DECLARED, ...threaded(threads) });
        expect(many.ranges).toBe(threads);
        expect(many.schema).toEqual(one.schema);
        expect(contents(many.table)).toEqual(contents(one.table));
      }
      expect(one.table.numRows()).toBe(6000);
      expect(one.schema.map((c) => `${c.name}:${c.type}`)).toEqual([
        "id:int",
        "amount:float",
        "plan:category",
        "flag:bool",
        "when:timestamp",
        "note:string",
        "code:int",
      ]);
      const note = columnValues(one.table, "note");
      expect(note[5141]).toBe(`two${eol}lines, "quoted"`);
      expect(columnValues(one.table, "plan")[5002]).toBe('"quoted", plan');
      expect((columnValues(one.table, "amount") as Float64Array)[5510]).toBe(1000);
    }
  });

  it("a category column with more distinct values than it interns joins codes and strings across ranges", async () => {
    const rows = Array.from(
      { length: 9000 },
      (_, i) => `${i < 5000 ? `user_${i}` : ["a", "b", ""][i % 3]},${i}`,
    );
    const f = write("who,i\n" + rows.join("\n") + "\n");
    const declared: ColumnSpec[] = [{ name: "who", type: "category", nullable: true }];
    const many = await readCsvWithSchema(f, { declared, ...threaded(2) });
    expect(many.ranges).toBe(2);
    const want = rows.map((r) => r.split(",")[0] || null);
    expect(columnValues(many.table, "who")).toEqual(want);
    expect(columnValues((await readCsvWithSchema(f, { declared, ...single })).table, "who")).toEqual(want);
  });

  it("reads on one thread when a cut falls inside a quoted field (a field spanning many lines)", async () => {
    const head = Array.from({ length: 2100 }, (_, i) => `${i},short`);
    const long = Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join("\n");
    const f = write("k,text\n" + head.join("\n") + `\n2100,"${long}"\n2101,after\n`);
    const many = await readCsvWithSchema(f, threaded(2));
    expect(many.ranges).toBe(1);
    const one = await readCsvWithSchema(f, single);
    expect(contents(many.table)).toEqual(contents(one.table));
    expect(columnValues(many.table, "text")[2100]).toBe(long);
    expect(columnValues(many.table, "text")[2101]).toBe("after");
  });

  it("reports a bad value in a worker's range with the file's row and line", async () => {
    // Quoted newlines make lines and rows differ; the bad value sits near the end of the file.
    const rows = Array.from({ length: 5000 }, (_, i) =>
      i === 4700 ? `oops,x` : i % 10 === 0 ? `${i},"a\nb"` : `${i},c`,
    );
    const f = write("n,s\n" + rows.join("\n") + "\n");
    const declared: ColumnSpec[] = [{ name: "n", type: "int", nullable: false }];
    const quotedBefore = 470; // rows 0, 10, …, 4690 each take two lines
    const line = 1 + 4700 + quotedBefore + 1;
    for (const opts of [threaded(2), single]) {
      const err = await readCsvWithSchema(f, { declared, display: "data/d.csv", ...opts }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(NodeFailure);
      expect((err as NodeFailure).message).toBe(
        `data/d.csv:${line}: row 4701, column "n" (int): "oops" is not an int`,
      );
      expect((err as NodeFailure).details).toEqual({
        file: "data/d.csv",
        line,
        row: 4701,
        column: "n",
        value: "oops",
      });
    }
    // The same file without the bad value is read in two ranges, so the error above came from a worker.
    const ok = write("n,s\n" + rows.map((r, i) => (i === 4700 ? "4700,x" : r)).join("\n") + "\n");
    expect((await readCsvWithSchema(ok, { declared, ...threaded(2) })).ranges).toBe(2);
  });

  it("bytes that are not UTF-8 and ints past 2^53 - 1 in a worker's range are named as on one thread", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i},c${i % 10}`);
    const f = join(tempProject(), "data.csv");
    const head = "n,s\n" + rows.slice(0, 4700).join("\n") + "\n4700,caf";
    writeFileSync(
      f,
      Buffer.concat([
        Buffer.from(head),
        Buffer.from([0xe9]),
        Buffer.from("\n" + rows.slice(4701).join("\n") + "\n"),
      ]),
    );
    const big = write(
      "n,s\n" + rows.map((r, i) => (i === 4700 ? "99999999999999999999,x" : r)).join("\n") + "\n",
    );
    const declared: ColumnSpec[] = [{ name: "n", type: "int", nullable: false }];
    for (const opts of [threaded(2), single]) {
      const err = await readCsvWithSchema(f, { declared, display: "d.csv", ...opts }).catch(
        (e: unknown) => e,
      );
      expect((err as NodeFailure).message).toMatch(
        /^d\.csv:4702: row 4701, column "s": "caf\\xe9" is not valid UTF-8/,
      );
      const range = await readCsvWithSchema(big, { declared, display: "d.csv", ...opts }).catch(
        (e: unknown) => e,
      );
      expect((range as NodeFailure).message).toMatch(
        /^d\.csv:4702: row 4701, column "n" \(int\): "99999999999999999999" is beyond the exact integer range/,
      );
    }
  });

  it("an inferred column that stops fitting in a worker's range is read as text, as on one thread", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i},${i === 4800 ? "n/a" : i % 10}`);
    const f = write("id,code\n" + rows.join("\n") + "\n");
    const many = await readCsvWithSchema(f, threaded(2));
    const one = await readCsvWithSchema(f, single);
    expect(many.schema).toEqual(one.schema);
    expect(many.schema[1]!.type).toBe("category"); // no longer int: text, then inferred
    expect(contents(many.table)).toEqual(contents(one.table));
  });

  it("reads on this thread alone when the worker cannot be started", async () => {
    const f = write(mixedCsv(3000, "\n"));
    const missing = await readCsvWithSchema(f, {
      declared: DECLARED,
      threads: 2,
      minBytesPerThread: 1024,
      workerUrl: pathToFileURL(join(outDir, "nope.js")),
    });
    expect(missing.ranges).toBe(1);
    expect(contents(missing.table)).toEqual(
      contents((await readCsvWithSchema(f, { declared: DECLARED, ...single })).table),
    );
  });
});
