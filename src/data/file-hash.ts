// Content hashes of data files: xxh64 streamed over large chunks, skipped when the stat cache
// knows the file unchanged (same path, size and mtime), as DVC does.
import { open, stat } from "node:fs/promises";
import xxhash from "xxhash-wasm";
import type { StatCache } from "../ir/executor.js";

const hasher = await xxhash();
const CHUNK = 8 << 20;

async function hashFileContent(path: string): Promise<string> {
  const h = hasher.create64();
  const fh = await open(path, "r");
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      h.update(bytesRead === CHUNK ? buf : buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return "xxh64:" + h.digest().toString(16).padStart(16, "0");
}

export async function hashFileCachedBy(
  path: string,
  cache: StatCache,
): Promise<{ hash: string; bytes: number }> {
  const st = await stat(path);
  const known = cache.lookup(path, st.size, st.mtimeMs);
  if (known !== undefined) return { hash: known, bytes: st.size };
  const hash = await hashFileContent(path);
  const after = await stat(path);
  // A file that changed while it was read is not cached: the next plan reads it again.
  if (after.size === st.size && after.mtimeMs === st.mtimeMs) cache.record(path, st.size, st.mtimeMs, hash);
  return { hash, bytes: st.size };
}

export function hashText(text: string): string {
  return "xxh64:" + hasher.h64ToString(text);
}

export function hashBytes(bytes: Uint8Array): string {
  const h = hasher.create64();
  h.update(bytes);
  return "xxh64:" + h.digest().toString(16).padStart(16, "0");
}
