// Content hashes of source data: xxh64 over the file streamed in large chunks (several GB/s),
// with a (path, size, mtime) stat cache so unchanged files are never read again, as DVC does.
import { open, readdir, stat } from "node:fs/promises";
import { extname, join, relative, resolve } from "node:path";
import xxhash from "xxhash-wasm";
import type { DataFingerprint, StatCache } from "../ir/executor.js";
import type { GraphNode, Json } from "../ir/graph-ir.js";
import type { StatEntry } from "../ir/state-store.js";
import { canonicalJson } from "../ir/expr-json.js";
import { NodeFailure } from "../ir/executor.js";

let api: Awaited<ReturnType<typeof xxhash>> | undefined;
async function hasher() {
  api ??= await xxhash();
  return api;
}

/** The stat cache as plan and apply use it: loaded from the state store, new entries written back. */
export class MemoryStatCache implements StatCache {
  private readonly entries = new Map<string, StatEntry>();
  private readonly dirty = new Map<string, StatEntry>();

  constructor(entries: Iterable<StatEntry> = []) {
    for (const e of entries) this.entries.set(e.path, e);
  }

  lookup(path: string, size: number, mtimeMs: number): string | undefined {
    const e = this.entries.get(path);
    return e && e.size === size && e.mtimeMs === mtimeMs ? e.hash : undefined;
  }

  lookupRows(path: string, size: number, mtimeMs: number): number | undefined {
    const e = this.entries.get(path);
    return e && e.size === size && e.mtimeMs === mtimeMs ? e.rows : undefined;
  }

  record(path: string, size: number, mtimeMs: number, hash: string, rows?: number): void {
    const e: StatEntry = { path, size, mtimeMs, hash, ...(rows === undefined ? {} : { rows }) };
    this.entries.set(path, e);
    this.dirty.set(path, e);
  }

  /** Entries recorded since load, to save back to the state store. */
  changed(): StatEntry[] {
    return [...this.dirty.values()];
  }
}

interface FileHash {
  hash: string;
  bytes: number;
  /** Data rows, counted for line-oriented formats (csv/tsv minus the header, jsonl). */
  rows?: number;
}

const CHUNK = 8 << 20;
const headerLines: Record<string, number> = { ".csv": 1, ".tsv": 1, ".jsonl": 0, ".ndjson": 0, ".txt": 0 };

/** Hashes a whole file with xxh64, reading the next chunk while hashing the current one. */
export async function hashFile(path: string): Promise<FileHash> {
  const { create64 } = await hasher();
  const h = create64();
  const header = headerLines[extname(path).toLowerCase()];
  const countLines = header !== undefined;
  const fh = await open(path, "r");
  try {
    const bufs = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
    let which = 0;
    let pos = 0;
    let lines = 0;
    let last = -1;
    let pending = fh.read(bufs[0]!, 0, CHUNK, 0);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      const cur = bufs[which]!;
      pos += bytesRead;
      which ^= 1;
      pending = fh.read(bufs[which]!, 0, CHUNK, pos);
      const view = bytesRead === CHUNK ? cur : cur.subarray(0, bytesRead);
      h.update(view);
      if (countLines) {
        let p = view.indexOf(10);
        while (p !== -1) {
          lines++;
          p = view.indexOf(10, p + 1);
        }
        last = view[bytesRead - 1]!;
      }
    }
    const hash = "xxh64:" + h.digest().toString(16).padStart(16, "0");
    if (!countLines) return { hash, bytes: pos };
    if (pos > 0 && last !== 10) lines++;
    return { hash, bytes: pos, rows: Math.max(0, lines - header!) };
  } finally {
    await fh.close();
  }
}

/** hashFile unless the stat cache knows the file unchanged (same path, size, mtime). */
export async function hashFileCached(
  absPath: string,
  cache: StatCache,
): Promise<FileHash & { cached: boolean }> {
  const st = await stat(absPath);
  const known = cache.lookup(absPath, st.size, st.mtimeMs);
  if (known !== undefined)
    return {
      hash: known,
      bytes: st.size,
      rows: cache.lookupRows?.(absPath, st.size, st.mtimeMs),
      cached: true,
    };
  const fresh = await hashFile(absPath);
  // If the file changed while we read it, do not cache: the next plan must read it again.
  const after = await stat(absPath);
  if (after.size === st.size && after.mtimeMs === st.mtimeMs)
    cache.record(absPath, st.size, st.mtimeMs, fresh.hash, fresh.rows);
  return { ...fresh, cached: false };
}

async function filesUnder(path: string): Promise<string[]> {
  const st = await stat(path);
  if (!st.isDirectory()) return [path];
  const out: string[] = [];
  for (const e of (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith(".")) continue;
    out.push(...(await filesUnder(join(path, e.name))));
  }
  return out;
}

const literalString = (j: Json | undefined): string | undefined => (typeof j === "string" ? j : undefined);

/**
 * The data fingerprint of a file-backed source: `version = …` when declared (a watermark, an
 * ETag, a table version: no file is read), else the content hash of `file` (a file, a list of
 * files, or a directory). Source executors can use this as their `dataFingerprint`.
 */
export async function fileDataFingerprint(
  node: GraphNode,
  projectDir: string,
  cache: StatCache,
): Promise<DataFingerprint> {
  const version = node.config.version;
  if (version !== undefined && version !== null) {
    return { hash: "version:" + canonicalJson(version), description: `version ${canonicalJson(version)}` };
  }
  const spec = node.config.file;
  const rel = Array.isArray(spec) ? spec.map(literalString) : [literalString(spec)];
  if (!rel.length || rel.some((r) => r === undefined)) {
    throw new NodeFailure(`${node.id}: 'file' must be a path or a list of paths to hash its data`, {
      code: "MLC2100",
    });
  }
  const files: string[] = [];
  for (const r of rel as string[]) {
    const abs = resolve(projectDir, r);
    try {
      files.push(...(await filesUnder(abs)));
    } catch {
      throw new NodeFailure(`${node.id}: data file '${r}' does not exist (looked at ${abs})`, {
        code: "MLC2100",
      });
    }
  }
  const parts: FileHash[] = [];
  for (const f of files) parts.push(await hashFileCached(f, cache));
  const description = (rel as string[]).join(", ");
  if (parts.length === 1)
    return { hash: parts[0]!.hash, rows: parts[0]!.rows, bytes: parts[0]!.bytes, description };
  const { h64ToString } = await hasher();
  const rows = parts.every((p) => p.rows !== undefined) ? parts.reduce((a, p) => a + p.rows!, 0) : undefined;
  return {
    hash:
      "xxh64:" + h64ToString(files.map((f, i) => `${relative(projectDir, f)}\0${parts[i]!.hash}`).join("\n")),
    rows,
    bytes: parts.reduce((a, p) => a + p.bytes, 0),
    description,
  };
}
