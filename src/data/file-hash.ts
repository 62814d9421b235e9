// Content hashes of data files: xxh64 streamed over large chunks, skipped when the stat cache
// knows the file unchanged (same path, size and mtime), as DVC does.
import { open, stat } from "node:fs/promises";
import xxhash from "xxhash-wasm";
import type { StatCache } from "../ir/executor.js";

const hasher = await xxhash();
const CHUNK = 8 << 20;

/** Header lines of line-oriented formats, whose data rows are counted while hashing (for plan reasons). */
const HEADER_LINES: Record<string, number> = { csv: 1, tsv: 1, jsonl: 0, ndjson: 0 };

async function hashFileContent(path: string): Promise<{ hash: string; rows?: number }> {
  const header = HEADER_LINES[path.slice(path.lastIndexOf(".") + 1).toLowerCase()];
  const h = hasher.create64();
  const fh = await open(path, "r");
  let lines = 0;
  let last = 10;
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      const view = bytesRead === CHUNK ? buf : buf.subarray(0, bytesRead);
      h.update(view);
      if (header === undefined) continue;
      for (let p = view.indexOf(10); p !== -1; p = view.indexOf(10, p + 1)) lines++;
      last = view[bytesRead - 1]!;
    }
  } finally {
    await fh.close();
  }
  const hash = "xxh64:" + h.digest().toString(16).padStart(16, "0");
  if (header === undefined) return { hash };
  if (last !== 10) lines++;
  return { hash, rows: Math.max(0, lines - header) };
}

/** A file's hash (and data rows, for csv/tsv/jsonl), from the stat cache when it knows the file unchanged. */
export async function hashFileCachedBy(
  path: string,
  cache: StatCache,
): Promise<{ hash: string; bytes: number; rows?: number }> {
  const st = await stat(path);
  const known = cache.lookup(path, st.size, st.mtimeMs);
  const knownRows = cache.lookupRows?.(path, st.size, st.mtimeMs);
  if (known !== undefined)
    return { hash: known, bytes: st.size, ...(knownRows === undefined ? {} : { rows: knownRows }) };
  const { hash, rows } = await hashFileContent(path);
  const after = await stat(path);
  // A file that changed while it was read is not cached: the next plan reads it again.
  if (after.size === st.size && after.mtimeMs === st.mtimeMs)
    cache.record(path, st.size, st.mtimeMs, hash, rows);
  return { hash, bytes: st.size, ...(rows === undefined ? {} : { rows }) };
}

export function hashText(text: string): string {
  return "xxh64:" + hasher.h64ToString(text);
}

export function hashBytes(bytes: Uint8Array): string {
  const h = hasher.create64();
  h.update(bytes);
  return "xxh64:" + h.digest().toString(16).padStart(16, "0");
}
