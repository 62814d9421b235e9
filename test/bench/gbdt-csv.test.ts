// bench/gbdt's numeric CSV reader: the parallel reader (byte ranges split at line starts, parsed on
// worker threads into shared columns) gives the same values as the one-thread reader, with a header
// or without, a missing last newline, empty fields and more threads than lines. Runs the compiled
// reader in dist/ (its worker is a .js file), skipped when the bench is not built.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const compiled = join(repoRoot, "dist/bench/gbdt/csv.js");
const built = existsSync(compiled) && existsSync(join(repoRoot, "dist/bench/gbdt/csv-worker.js"));

interface Read {
  X: { nRows: number; columns: Float32Array[]; names: string[] };
  y: Float64Array;
}
interface CsvModule {
  readNumericCsv(path: string, header: boolean): Read;
  readNumericCsvParallel(path: string, header: boolean, threads: number): Promise<Read>;
}

const plain = (r: Read) => ({
  names: r.X.names,
  y: Array.from(r.y),
  columns: r.X.columns.map((c) => Array.from(c)),
});

describe.skipIf(!built)("bench/gbdt CSV reader (parallel = one thread)", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlc-gbdt-csv-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the same values on 1, 2 and 7 threads", async () => {
    const m = (await import(pathToFileURL(compiled).href)) as CsvModule;
    const lines = Array.from({ length: 301 }, (_, i) =>
      [i % 3, i % 7 === 0 ? "" : (i * 0.37 - 20).toFixed(3), `-${i}e-2`, i % 5 === 0 ? "x" : String(i)].join(
        ",",
      ),
    );
    const cases = [
      { name: "header.csv", text: "label,a,b,c\n" + lines.join("\n") + "\n", header: true },
      { name: "no-newline.csv", text: lines.join("\n"), header: false },
      { name: "tiny.csv", text: "1,2,3,4\n0,5,,7", header: false },
    ];
    for (const c of cases) {
      const path = join(dir, c.name);
      writeFileSync(path, c.text);
      const one = m.readNumericCsv(path, c.header);
      expect(one.X.nRows).toBe(c.name === "tiny.csv" ? 2 : 301);
      for (const threads of [2, 7]) {
        const par = await m.readNumericCsvParallel(path, c.header, threads);
        expect(par.X.nRows).toBe(one.X.nRows);
        expect(plain(par)).toEqual(plain(one));
      }
    }
    const tiny = m.readNumericCsv(join(dir, "tiny.csv"), false);
    expect(Array.from(tiny.y)).toEqual([1, 0]);
    expect(Number.isNaN(tiny.X.columns[1]![1]!)).toBe(true);
  });
});
