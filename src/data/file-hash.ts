// Content hashes of data files: xxh64 streamed over large chunks with rows counted by a SIMD
// newline scan, skipped when the stat cache knows the file unchanged (same path, size and
// mtime), as DVC does.
import { open, stat } from "node:fs/promises";
import xxhash from "xxhash-wasm";
import type { StatCache } from "../ir/executor.js";
import { type ByteScanner, byteScanner } from "./byte-scan.js";

const hasher = await xxhash();
/** Read size, and how many chunks a scanner holds: up to SLOTS − 1 reads in flight while one is hashed. */
const CHUNK = 4 << 20;
const SLOTS = 4;

/** Header lines of line-oriented formats, whose data rows are counted while hashing (for plan reasons). */
const HEADER_LINES: Record<string, number> = { csv: 1, tsv: 1, jsonl: 0, ndjson: 0 };

// Scanners not in use (16 MiB each; at most IDLE_MAX kept): concurrent hashes never share a buffer.
const idle: ByteScanner[] = [];
const IDLE_MAX = 2;

/**
 * xxh64 of a file, and its data rows when `headerLines` is given (newlines, plus an unterminated
 * last line, minus the header). Chunks are read straight into WebAssembly memory, several at a
 * time on the thread pool, while the oldest is hashed and its newlines counted by a SIMD scan.
 * The file is read to its end even if it grew since it was opened (the callers compare stats).
 */
export async function hashFileContent(
  path: string,
  headerLines?: number,
): Promise<{ hash: string; bytes: number; rows?: number }> {
  const h = hasher.create64();
  const fh = await open(path, "r");
  const scanner = idle.pop() ?? byteScanner(SLOTS * CHUNK);
  const { bytes: mem } = scanner;
  const inFlight: Promise<{ bytesRead: number }>[] = [];
  try {
    let lines = 0;
    let last = 10;
    let pos = 0;
    const take = (offset: number, bytesRead: number): void => {
      pos += bytesRead;
      h.update(mem.subarray(offset, offset + bytesRead));
      if (headerLines === undefined) return;
      lines += scanner.newlines(offset, bytesRead);
      last = mem[offset + bytesRead - 1]!;
    };
    // Chunk k lands in slot k % SLOTS; the read of chunk k + SLOTS − 1 starts before chunk k is hashed.
    let issued = 0;
    const issue = () => inFlight.push(fh.read(mem, (issued % SLOTS) * CHUNK, CHUNK, issued++ * CHUNK));
    while (issued < SLOTS - 1) issue();
    for (let k = 0; ; k++) {
      const { bytesRead } = await inFlight.shift()!;
      if (bytesRead < CHUNK) {
        // The end (or a short read): drop the reads beyond it and finish one chunk at a time.
        await Promise.allSettled(inFlight.splice(0));
        if (bytesRead > 0) take((k % SLOTS) * CHUNK, bytesRead);
        for (;;) {
          const { bytesRead: n } = await fh.read(mem, 0, CHUNK, pos);
          if (n === 0) break;
          take(0, n);
        }
        break;
      }
      issue();
      take((k % SLOTS) * CHUNK, bytesRead);
    }
    const hash = "xxh64:" + h.digest().toString(16).padStart(16, "0");
    if (headerLines === undefined) return { hash, bytes: pos };
    if (last !== 10) lines++;
    return { hash, bytes: pos, rows: Math.max(0, lines - headerLines) };
  } finally {
    // A read still in flight writes into the scanner's memory: let it land before reuse.
    await Promise.allSettled(inFlight);
    await fh.close();
    if (idle.length < IDLE_MAX) idle.push(scanner);
  }
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
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  const { hash, rows } = await hashFileContent(path, HEADER_LINES[ext]);
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
