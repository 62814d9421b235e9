// The source's data hash counts the data rows of line-oriented files, so a CSV edit plans as
// `rows 5000 → 5001` instead of `rows 5000 → ?`; the count survives the stat cache.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hashFileCachedBy } from "../../src/data/file-hash.js";
import { MemoryStatCache } from "../../src/data/data-hash.js";

describe("data rows while hashing", () => {
  it("counts csv rows without the header, jsonl lines, and keeps them through the cache", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlc-rows-"));
    writeFileSync(join(dir, "a.csv"), "x,y\n1,2\n3,4\n5,6"); // no final newline
    writeFileSync(join(dir, "b.jsonl"), '{"x":1}\n{"x":2}\n');
    writeFileSync(join(dir, "c.parquet"), "PAR1");
    const cache = new MemoryStatCache();
    expect((await hashFileCachedBy(join(dir, "a.csv"), cache)).rows).toBe(3);
    expect((await hashFileCachedBy(join(dir, "a.csv"), cache)).rows).toBe(3);
    expect((await hashFileCachedBy(join(dir, "b.jsonl"), cache)).rows).toBe(2);
    expect((await hashFileCachedBy(join(dir, "c.parquet"), cache)).rows).toBeUndefined();
  });
});
