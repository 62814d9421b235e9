// Property test: the byte-level CSV reader (numbers parsed while scanned, categories interned from
// their bytes, chunks, a warm-up prefix, byte ranges on worker threads) against a reference built
// field by field from the texts with parseValue (column-type.ts), on seeded files full of edge
// cases: quotes, CRLF, empty fields, null tokens, exponents, a leading +, -0, NaN text, spaces,
// very long fields, UTF-8 and a BOM. Values must be the same bits (Object.is: -0 is not 0).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type ColumnSpec, type ColumnType, parseValue } from "../../src/data/column-type.js";
import { readCsv } from "../../src/data/csv-reader.js";
import { DEFAULT_NULLS } from "../../src/data/null-tokens.js";
import { columnValues } from "../../src/data/table-columns.js";
import { Rng } from "../../src/ml/random.js";
import { tempProject } from "./fixtures.js";

const DECLARED: ColumnSpec[] = [
  { name: "id", type: "int", nullable: false },
  { name: "x", type: "float", nullable: true },
  { name: "n", type: "int", nullable: true },
  { name: "c", type: "category", nullable: true },
  { name: "b", type: "bool", nullable: true },
  { name: "s", type: "string", nullable: true },
];

const FLOATS = [
  "0", "-0", "-0.000", "+5", "+0.25", "007", ".5", "5.", "-123.456", "0.1", "1e3", "-2.5E-3", "1E+2",
  " 7 ", "123456789012345", "1234567890123456.5", "9007199254740993", "0.30000000000000004",
  "", "NA", "NaN", "nan", "null", "N/A", "-999.5", "3.14159",
]; // prettier-ignore
const INTS = ["0", "-0", "+5", "42", "-17", "1e3", " 8", "123456789", "", "NA", "NULL", "007"];
const CATS = [
  "basic",
  "pro",
  "ünï",
  "a,b",
  'say "hi"',
  "two\nlines",
  "crlf\r\nin",
  "",
  "NA",
  "x".repeat(300),
];
const BOOLS = ["true", "FALSE", "y", "N", "1", "0", "yes", "No", "t", "f", "", "NA", "null"];
const STRINGS = ["plain", "", "NA", 'quote " inside', "ü € 😀", "line\nbreak", "comma, here", "  padded  "];

/** A field as written: quoted when it must be, and sometimes when it need not be. */
function written(text: string, r: Rng): string {
  const must = /[",\r\n]/.test(text);
  return must || r.next() < 0.1 ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The reference: the value parseValue gives the field's text, nulls as the reader keeps them. */
function expected(text: string, spec: ColumnSpec): unknown {
  const type: ColumnType = spec.type;
  const isNull = text === "" || (type !== "string" && type !== "category" && DEFAULT_NULLS.includes(text));
  const numeric = type === "int" || type === "float";
  if (isNull) return numeric ? NaN : null;
  const p = parseValue(text, type);
  if (!p.ok) throw new Error(`the generator made a bad ${type}: ${JSON.stringify(text)}`);
  return p.value === null && numeric ? NaN : p.value;
}

function generate(seed: number): { text: string; want: unknown[][] } {
  const r = new Rng(seed);
  const eol = r.next() < 0.5 ? "\r\n" : "\n";
  const rows = 5000 + r.int(3000);
  const long = r.int(rows);
  const want: unknown[][] = DECLARED.map(() => []);
  let text = (r.next() < 0.5 ? "\ufeff" : "") + DECLARED.map((c) => c.name).join(",") + eol;
  for (let i = 0; i < rows; i++) {
    const texts = [
      String(i),
      FLOATS[r.int(FLOATS.length)]!,
      INTS[r.int(INTS.length)]!,
      CATS[r.int(CATS.length)]!,
      BOOLS[r.int(BOOLS.length)]!,
      i === long ? "long ".repeat(20000) : STRINGS[r.int(STRINGS.length)]!,
    ];
    texts.forEach((t, j) => want[j]!.push(expected(t, DECLARED[j]!)));
    text += texts.map((t) => written(t, r)).join(",") + (i < rows - 1 || r.next() < 0.5 ? eol : "");
  }
  return { text, want };
}

describe("CSV reader against a field-by-field reference", () => {
  it("gives the same values on 8 seeded edge-case files, whatever the chunks and ranges", async () => {
    const dir = tempProject();
    for (let seed = 1; seed <= 8; seed++) {
      const { text, want } = generate(seed);
      const file = join(dir, `edge-${seed}.csv`);
      writeFileSync(file, text);
      const r = new Rng(seed * 31);
      const ways = [
        { threads: 1 },
        { threads: 1, chunkSize: 7 + r.int(5000) },
        { threads: 3, minBytesPerThread: 4096, chunkSize: 64 + r.int(100_000) },
        { declaredOnly: true, threads: 2, minBytesPerThread: 4096 },
      ];
      for (const way of ways) {
        const t = await readCsv(file, { declared: DECLARED, ...way });
        expect(t.numRows(), `seed ${seed} ${JSON.stringify(way)}`).toBe(want[0]!.length);
        DECLARED.forEach((c, j) => {
          const got = Array.from(columnValues(t, c.name) as ArrayLike<unknown>);
          const bad = got.findIndex((v, i) => !Object.is(v, want[j]![i]));
          if (bad >= 0)
            expect(
              { row: bad + 1, column: c.name, got: got[bad] },
              `seed ${seed} ${JSON.stringify(way)}`,
            ).toEqual({ row: bad + 1, column: c.name, got: want[j]![bad] });
        });
      }
    }
  });
});
