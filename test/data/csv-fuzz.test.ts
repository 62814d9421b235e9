// Issue 19: a seeded fuzz run over mutated CSV files (truncated lines, bad UTF-8, extra and missing
// fields, stray quotes, huge numbers, NaN and Infinity, hex, a BOM, CRLF, an empty file, a header
// alone…). Each goes through the real reader with a declared schema, and a share of them through
// apply (source → features → split). Nothing may fail with an internal error: a failure is a coded
// diagnostic (MLC2xxx, not MLC2999), and one about a value names its row, its column and the value.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ColumnSpec } from "../../src/data/column-type.js";
import { readCsvWithSchema } from "../../src/data/csv-reader.js";
import { MlcError } from "../../src/ir/errors.js";
import { Rng } from "../../src/ml/random.js";
import { applyProject } from "../../src/runtime/project.js";

const HEADER = "id,price,city,note,ok";
const DECLARED: ColumnSpec[] = [
  { name: "id", type: "int", nullable: false },
  { name: "price", type: "float", nullable: true },
  { name: "city", type: "category", nullable: false },
  { name: "note", type: "string", nullable: true },
  { name: "ok", type: "bool", nullable: false },
];
const CITIES = ["paris", "café", "ōsaka", "new york", "o'hare"];

function baseRows(r: Rng, n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const note = r.int(4) === 0 ? "" : r.int(3) === 0 ? `"a, ""quoted"" note"` : `note ${i}`;
    return `${i + 1},${(r.next() * 1000).toFixed(2)},${CITIES[r.int(CITIES.length)]},${note},${r.int(2) ? "true" : "false"}`;
  });
}

const NASTY_VALUES = [
  "99999999999999999999",
  "1e39",
  "1e308",
  "-1e400",
  "NaN",
  "nan",
  "Infinity",
  "-Infinity",
  "inf",
  "0x10",
  "0b11",
  "1_000",
  "1,5",
  " 12 ",
  "+7",
  "1e",
  ".",
  "-",
  "",
  '"',
  '""',
  '"unterminated',
  "TRUE",
  "yes",
  "2",
  "\u0000",
  "😀",
  "x".repeat(70_000),
];

type Mutation = (lines: string[], r: Rng) => string[] | Buffer;

const pick = <T>(xs: readonly T[], r: Rng): T => xs[r.int(xs.length)]!;
const row = (lines: string[], r: Rng): number => 1 + r.int(Math.max(1, lines.length - 1));
const setField = (line: string, r: Rng, value: string): string => {
  const f = line.split(",");
  f[r.int(f.length)] = value;
  return f.join(",");
};

const MUTATIONS: Record<string, Mutation> = {
  "truncated line": (l, r) => {
    const i = row(l, r);
    l[i] = l[i]!.slice(0, r.int(l[i]!.length));
    return l;
  },
  "truncated file": (l, r) => {
    const text = l.join("\n");
    return l.length ? text.slice(0, r.int(text.length)).split("\n") : l;
  },
  "nasty value": (l, r) => {
    const i = row(l, r);
    l[i] = setField(l[i]!, r, pick(NASTY_VALUES, r));
    return l;
  },
  "extra field": (l, r) => {
    const i = row(l, r);
    l[i] = `${l[i]},extra`;
    return l;
  },
  "missing field": (l, r) => {
    const i = row(l, r);
    l[i] = l[i]!.split(",").slice(0, -1).join(",");
    return l;
  },
  "extra column": (l) => l.map((x, i) => (i === 0 ? `${x},bonus` : `${x},${i}`)),
  "missing column": (l) => l.map((x) => x.split(",").slice(0, 4).join(",")),
  "renamed column": (l) => [l[0]!.replace("price", "Price"), ...l.slice(1)],
  "duplicate column": (l) => l.map((x) => `${x},${x.split(",")[1]}`),
  "stray quote": (l, r) => {
    const i = row(l, r);
    const p = r.int(l[i]!.length + 1);
    l[i] = `${l[i]!.slice(0, p)}"${l[i]!.slice(p)}`;
    return l;
  },
  "quoted newline": (l, r) => {
    const i = row(l, r);
    l[i] = setField(l[i]!, r, '"two\nlines"');
    return l;
  },
  "bad UTF-8": (l, r) => {
    const i = row(l, r);
    const bytes = Buffer.from(l.join("\n") + "\n");
    const at = Buffer.byteLength(l.slice(0, i).join("\n")) + 1 + r.int(Math.max(1, l[i]!.length));
    return Buffer.concat([
      bytes.subarray(0, at),
      Buffer.from([pick([0xe9, 0xff, 0xc3, 0x80, 0xfe], r)]),
      bytes.subarray(at),
    ]);
  },
  BOM: (l) => [`\ufeff${l[0]}`, ...l.slice(1)],
  CRLF: (l) => [l.join("\r\n")],
  "lone CR": (l) => [l.join("\r")],
  "empty file": () => [],
  "header only": (l) => [l[0]!],
  "blank lines": (l, r) => {
    l.splice(row(l, r), 0, "", "   ");
    return l;
  },
  "tab delimited": (l) => l.map((x) => x.replaceAll(",", "\t")),
  semicolons: (l) => l.map((x) => x.replaceAll(",", ";")),
  "random bytes": (l, r) => {
    const bytes = Buffer.from(l.join("\n"));
    for (let k = 0; k < 3; k++) if (bytes.length) bytes[r.int(bytes.length)] = r.int(256);
    return bytes;
  },
  "null bytes": (l, r) => {
    const i = row(l, r);
    l[i] = l[i]!.replace(",", ",\u0000");
    return l;
  },
  "empty header name": (l) => [l[0]!.replace("note", ""), ...l.slice(1)],
};

const NAMES = Object.keys(MUTATIONS);

/** The i-th mutated file: one to three mutations of a small valid CSV, all drawn from seed i. */
function mutated(i: number): { bytes: Buffer; steps: string[] } {
  const r = new Rng(1000 + i);
  let lines = [HEADER, ...baseRows(r, 3 + r.int(12))];
  const steps: string[] = [];
  let out: Buffer | undefined;
  const count = 1 + r.int(3);
  // (an empty file or a header alone ends the mutations: the others edit data rows)
  for (let k = 0; k < count && !out && lines.length > 1; k++) {
    const name = NAMES[(i + k * 7) % NAMES.length]!;
    steps.push(name);
    const m = MUTATIONS[name]!(lines, r);
    if (Buffer.isBuffer(m)) out = m;
    else lines = m;
  }
  return { bytes: out ?? Buffer.from(lines.length ? lines.join("\n") + (r.int(2) ? "\n" : "") : ""), steps };
}

const FILES = 320;
const APPLIED_EVERY = 16;

/** A failure must be mlc's own, coded, and name where it happened. */
function expectCodedFailure(e: unknown, label: string): void {
  if (!(e instanceof MlcError))
    throw new Error(`${label}: not a coded failure: ${String((e as Error)?.stack ?? e)}`);
  expect(e.code, `${label}: ${e.message}`).toMatch(/^MLC2\d{3}$/);
  expect(e.code, `${label}: ${e.message}`).not.toBe("MLC2999");
  const d = e.details as { row?: number; column?: string } | undefined;
  if (d?.row !== undefined && d.column !== undefined) {
    expect(e.message, label).toMatch(/row \d+/);
    expect(e.message, label).toContain(d.column);
  }
}

const SPEC = `source rows {
  file = "data/rows.csv"
  schema {
    id    = int
    price = nullable(float)
    city  = category
    note  = nullable(string)
    ok    = bool
  }
}

features f {
  from  = rows
  cheap = price < 100
  city  = onehot(city)
}

split s {
  from   = f
  method = random
  train  = 60%
  valid  = 20%
  test   = 20%
}
`;

describe("CSV fuzz", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it(`${FILES} seeded mutated files through the reader, every ${APPLIED_EVERY}th through apply: no internal error`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlc-csvfuzz-"));
    dirs.push(dir);
    const seen = { ok: 0, failed: 0, applied: 0 };
    const codes = new Set<string>();
    for (let i = 0; i < FILES; i++) {
      const { bytes, steps } = mutated(i);
      const label = `file ${i} (${steps.join(" + ")})`;
      const file = join(dir, `f${i}.csv`);
      writeFileSync(file, bytes);
      try {
        await readCsvWithSchema(file, {
          declared: DECLARED,
          declaredOnly: true,
          display: `f${i}.csv`,
          chunkSize: i % 3 === 0 ? 7 : undefined,
          threads: 1,
        });
        seen.ok++;
      } catch (e) {
        expectCodedFailure(e, label);
        codes.add((e as MlcError).code);
        seen.failed++;
      }
      if (i % APPLIED_EVERY === 0) {
        const project = mkdtempSync(join(tmpdir(), "mlc-csvfuzz-apply-"));
        dirs.push(project);
        writeFileSync(join(project, "main.mlspec"), SPEC);
        mkdirSync(join(project, "data"));
        writeFileSync(join(project, "data/rows.csv"), bytes);
        const out = await applyProject(project, { log: () => undefined, parallel: 1 });
        if (!out.ok) throw new Error(`${label}: ${out.diagnostics.map((d) => d.message).join("; ")}`);
        for (const o of out.result.outcomes.filter((x) => x.status === "failed")) {
          expect(o.diagnostic?.code, `${label}: ${o.id}: ${o.error}`).toMatch(/^MLC2\d{3}$/);
          expect(o.diagnostic?.code, `${label}: ${o.id}: ${o.error}`).not.toBe("MLC2999");
          expect(o.error, label).not.toMatch(/internal error|\n\s+at /);
        }
        seen.applied++;
      }
    }
    // the mutations reach both outcomes and several kinds of failure
    expect(seen.ok).toBeGreaterThan(20);
    expect(seen.failed).toBeGreaterThan(100);
    expect(codes.size).toBeGreaterThan(1);
    expect(seen.applied).toBe(FILES / APPLIED_EVERY);
  }, 120_000);
});
