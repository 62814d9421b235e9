// Content hashes of source data: xxh64 over the file streamed in large chunks (file-hash.ts),
// with a (path, size, mtime) stat cache so unchanged files are never read again, as DVC does.
import { readdir, stat } from "node:fs/promises";
import { extname, join, relative, resolve } from "node:path";
import type { DataFingerprint, StatCache } from "../ir/executor.js";
import type { GraphNode, Json } from "../ir/graph-ir.js";
import type { StatEntry } from "../ir/state-store.js";
import { canonicalJson } from "../ir/expr-json.js";
import { NodeFailure } from "../ir/executor.js";
import { hashFileContent, hashText } from "./file-hash.js";

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

const headerLines: Record<string, number> = { ".csv": 1, ".tsv": 1, ".jsonl": 0, ".ndjson": 0, ".txt": 0 };

/** Hashes a whole file with xxh64 (rows counted for line-oriented formats). */
export async function hashFile(path: string): Promise<FileHash> {
  return hashFileContent(path, headerLines[extname(path).toLowerCase()]);
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
  const rows = parts.every((p) => p.rows !== undefined) ? parts.reduce((a, p) => a + p.rows!, 0) : undefined;
  return {
    hash: hashText(files.map((f, i) => `${relative(projectDir, f)}\0${parts[i]!.hash}`).join("\n")),
    rows,
    bytes: parts.reduce((a, p) => a + p.bytes, 0),
    description,
  };
}
