// The SIMD newline scan that counts rows while hashing agrees with a byte-by-byte count at every
// alignment and length, and the streamed hash agrees with a one-shot xxh64 at chunk multiples
// and while several files are hashed at once (each in its own buffers).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import xxhash from "xxhash-wasm";
import { byteScanner } from "../../src/data/byte-scan.js";
import { hashFileContent } from "../../src/data/file-hash.js";

/** Seeded letters and newlines: a random block of up to 64 KiB (odd length), repeated. */
function bytesWithNewlines(n: number, seed: number): Buffer {
  const block = Buffer.alloc(Math.min(n, 65521));
  let x = seed;
  for (let i = 0; i < block.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    block[i] = x % 7 === 0 ? 10 : 97 + (x % 26);
  }
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i += block.length) block.copy(b, i);
  return b;
}

describe("byte scan", () => {
  it("counts newlines like a plain loop at every start and length", () => {
    const data = bytesWithNewlines(1000, 3);
    const scanner = byteScanner(4096);
    data.copy(scanner.bytes, 0);
    for (const start of [0, 1, 15, 16, 63, 64, 65])
      for (const length of [0, 1, 63, 64, 65, 128, 200, 935 - start]) {
        let want = 0;
        for (let i = start; i < start + length; i++) if (data[i] === 10) want++;
        expect(scanner.newlines(start, length)).toBe(want);
      }
  });

  it("hashes whole-chunk files and files hashed concurrently the same as in one piece", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlc-scan-"));
    const { h64Raw } = await xxhash();
    const sizes = [0, 1, 4 << 20, (8 << 20) + 1, 12 << 20];
    const files = sizes.map((n, i) => {
      const b = bytesWithNewlines(n, i + 1);
      const f = join(dir, `f${i}.csv`);
      writeFileSync(f, b);
      let newlines = 0;
      for (let p = b.indexOf(10); p !== -1; p = b.indexOf(10, p + 1)) newlines++;
      const lines = newlines + (n > 0 && b[n - 1] !== 10 ? 1 : 0);
      return {
        f,
        hash: "xxh64:" + h64Raw(b).toString(16).padStart(16, "0"),
        rows: Math.max(0, lines - 1),
        n,
      };
    });
    const got = await Promise.all(files.map((f) => hashFileContent(f.f, 1)));
    expect(got).toEqual(files.map((f) => ({ hash: f.hash, bytes: f.n, rows: f.rows })));
    expect(await hashFileContent(files[3]!.f)).toEqual({ hash: files[3]!.hash, bytes: files[3]!.n });
  });
});
