import { createHash } from "node:crypto";
import { readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import xxhash from "xxhash-wasm";
import { fileDataFingerprint, hashFile, hashFileCached, MemoryStatCache } from "../../src/data/data-hash.js";
import {
  ArtifactCorruptError,
  ArtifactMissingError,
  openArtifacts,
} from "../../src/runtime/artifacts/store.js";
import type { GraphNode } from "../../src/ir/graph-ir.js";
import { makeProject } from "./fixtures.js";

describe("data hashing", () => {
  it("hashes across chunk boundaries the same as in one piece, and counts csv rows", async () => {
    const dir = makeProject({});
    const big = Buffer.alloc(20 * 1024 * 1024 + 17, "x");
    for (let i = 99; i < big.length; i += 100) big[i] = 10;
    writeFileSync(join(dir, "a.csv"), big);
    writeFileSync(join(dir, "b.bin"), big);
    const a = await hashFile(join(dir, "a.csv"));
    const b = await hashFile(join(dir, "b.bin"));
    expect(a.hash).toBe(b.hash);
    const { h64Raw } = await xxhash();
    expect(a.hash).toBe("xxh64:" + h64Raw(big).toString(16).padStart(16, "0"));
    expect(a.bytes).toBe(big.length);
    // lines = newlines + an unterminated last line; minus the header
    const newlines = Math.floor(big.length / 100);
    expect(a.rows).toBe(newlines + 1 - 1);
    expect(b.rows).toBeUndefined();
    big[5] = 0x79;
    writeFileSync(join(dir, "c.bin"), big);
    expect((await hashFile(join(dir, "c.bin"))).hash).not.toBe(b.hash);
  });

  it("does not read a file again while its path, size and mtime are unchanged", async () => {
    const dir = makeProject({ "d.csv": "h\n1\n2\n" });
    const f = join(dir, "d.csv");
    const cache = new MemoryStatCache();
    const first = await hashFileCached(f, cache);
    expect(first.cached).toBe(false);
    expect(cache.changed()).toHaveLength(1);
    const again = await hashFileCached(f, new MemoryStatCache(cache.changed()));
    expect(again).toEqual({ ...first, cached: true });
    // same size, new content, new mtime: hashed again
    writeFileSync(f, "h\n3\n4\n");
    utimesSync(f, new Date(), new Date(Date.now() + 5000));
    const edited = await hashFileCached(f, new MemoryStatCache(cache.changed()));
    expect(edited.cached).toBe(false);
    expect(edited.hash).not.toBe(first.hash);
  });

  it("a declared version is used instead of hashing; a missing file is a clear failure", async () => {
    const dir = makeProject({ "d.csv": "h\n1\n" });
    const node = (config: GraphNode["config"]): GraphNode => ({
      id: "source.s",
      kind: "source",
      name: "s",
      config,
      inputs: [],
    });
    const v = await fileDataFingerprint(
      node({ file: "gone.csv", version: "2024-06" }),
      dir,
      new MemoryStatCache(),
    );
    expect(v).toEqual({ hash: 'version:"2024-06"', description: 'version "2024-06"' });
    await expect(fileDataFingerprint(node({ file: "gone.csv" }), dir, new MemoryStatCache())).rejects.toThrow(
      /source\.s: data file 'gone\.csv' does not exist/,
    );
    const fp = await fileDataFingerprint(node({ file: "d.csv" }), dir, new MemoryStatCache());
    expect(fp).toMatchObject({ rows: 1, bytes: 4, description: "d.csv" });
  });
});

describe("artifact store", () => {
  it("stores by sha256 under objects/ab/cdef…, verifies on read, and repairs a corrupt object on put", async () => {
    const dir = makeProject({});
    const store = openArtifacts(dir);
    const bytes = new TextEncoder().encode("hello artifacts");
    const hash = await store.put(bytes);
    expect(hash).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(store.pathOf(hash)).toBe(join(dir, ".mlc", "objects", hash.slice(0, 2), hash.slice(2)));
    expect(Buffer.from(await store.get(hash)).toString()).toBe("hello artifacts");
    expect(await store.check(hash)).toBe("ok");
    writeFileSync(store.pathOf(hash), "hellO artifacts");
    expect(await store.check(hash)).toBe("corrupt");
    await expect(store.get(hash)).rejects.toBeInstanceOf(ArtifactCorruptError);
    expect(await store.put(bytes)).toBe(hash);
    expect(readFileSync(store.pathOf(hash), "utf8")).toBe("hello artifacts");
    const other = "0".repeat(64);
    await expect(store.get(other)).rejects.toBeInstanceOf(ArtifactMissingError);
    expect(await store.check(other)).toBe("missing");
    expect(() => store.pathOf("../etc/passwd")).toThrow(/not an artifact hash/);
  });

  it("streams a file in with putFile", async () => {
    const dir = makeProject({ "m.bin": "model bytes".repeat(1000) });
    const store = openArtifacts(dir);
    const hash = await store.putFile(join(dir, "m.bin"));
    expect(Buffer.from(await store.get(hash)).toString()).toBe("model bytes".repeat(1000));
    expect((await store.list()).map((o) => o.hash)).toEqual([hash]);
  });
});
