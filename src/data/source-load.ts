// Loads a source's rows (file, glob of files, or database query) with its declared schema
// applied, and computes the source's data fingerprint without loading when it can.
import { join } from "node:path";
import type { DataFingerprint, StatCache } from "../ir/executor.js";
import { NodeFailure } from "../ir/executor.js";
import { readCsvWithSchema } from "./csv-reader.js";
import { exprJsonText as exprText } from "../ir/expr-json.js";
import { hashBytes, hashFileCachedBy, hashText } from "./file-hash.js";
import { expandGlob, isGlob } from "./glob.js";
import { readJsonLines } from "./jsonl-reader.js";
import { readParquet } from "./parquet-reader.js";
import { resolveDataPath } from "./project-path.js";
import { type SourceSpec, describeLocation, secretValue } from "./source-spec.js";
import { type QueryResult, queryPostgres, querySqlite, tableFromQuery, versionSql } from "./sql-reader.js";
import { tableToBytes } from "./table-artifact.js";
import { type LoadedTable, concatTables, undeclaredColumnsFailure } from "./values-table.js";

/** The files a file source reads: one path, or the sorted matches of a glob (at least one). */
async function sourceFiles(spec: SourceSpec, projectDir: string): Promise<{ rel: string; abs: string }[]> {
  const loc = spec.location;
  if (loc.kind !== "file") return [];
  if (!isGlob(loc.file))
    return [{ rel: loc.file, abs: resolveDataPath(projectDir, loc.file, spec.allowOutside) }];
  const star = loc.file.search(/[*?[]/);
  const base = loc.file.slice(0, loc.file.lastIndexOf("/", star) + 1);
  const root = resolveDataPath(projectDir, base || ".", spec.allowOutside);
  const matches = await expandGlob(root, loc.file.slice(base.length));
  if (matches.length === 0) throw new NodeFailure(`no file matches "${loc.file}"`, { code: "MLC2100" });
  // Each match is checked on its own: a link inside the tree may lead out of the project.
  return matches.map((m) => ({
    rel: base + m,
    abs: spec.allowOutside ? join(root, m) : resolveDataPath(projectDir, base + m, false),
  }));
}

async function runQuery(spec: SourceSpec, projectDir: string, query: string): Promise<QueryResult> {
  const loc = spec.location;
  if (loc.kind === "sqlite")
    return querySqlite(
      resolveDataPath(projectDir, loc.path, spec.allowOutside),
      query,
      describeLocation(loc),
    );
  if (loc.kind === "postgres") return queryPostgres(secretValue(loc.url), query, describeLocation(loc));
  throw new Error(`runQuery on a ${loc.kind} source`);
}

export async function loadSource(
  spec: SourceSpec,
  projectDir: string,
): Promise<LoadedTable & { files: string[] }> {
  const loc = spec.location;
  if (loc.kind === "review") throw new Error("a review source is read from the state by the source executor");
  if (loc.kind === "file") {
    const files = await sourceFiles(spec, projectDir);
    const parts: LoadedTable[] = [];
    for (const f of files) {
      if (loc.format === "csv")
        parts.push(
          await readCsvWithSchema(f.abs, {
            declared: spec.declared,
            display: f.rel,
            delimiter: loc.delimiter,
            ...(loc.nulls ? { nulls: loc.nulls } : {}),
            encoding: loc.encoding,
            declaredOnly: spec.declaredOnly,
          }),
        );
      else {
        const part =
          loc.format === "parquet"
            ? await readParquet(f.abs, spec.declared, f.rel)
            : await readJsonLines(f.abs, spec.declared, f.rel, loc.encoding);
        const undeclared =
          spec.declaredOnly &&
          undeclaredColumnsFailure(
            part.table.columnNames(),
            spec.declared.map((c) => c.name),
            f.rel,
          );
        if (undeclared) throw undeclared;
        parts.push(part);
      }
    }
    return { ...concatTables(parts, loc.file), files: files.map((f) => f.rel) };
  }
  const r = await runQuery(spec, projectDir, loc.query);
  return { ...tableFromQuery(r, spec.declared, describeLocation(loc)), files: [] };
}

/**
 * Files: the content hash of every file (stat cache first). Databases: the declared `version`
 * (evaluated by the database: `max(updated_at)`), else a hash of the query's result.
 */
export async function sourceFingerprint(
  spec: SourceSpec,
  projectDir: string,
  cache: StatCache,
): Promise<DataFingerprint> {
  const loc = spec.location;
  const literal =
    typeof spec.version === "string" || typeof spec.version === "number" ? spec.version : undefined;
  if (loc.kind === "file" && literal !== undefined) {
    // A declared literal version (a release tag, a date) stands for the files' content.
    return {
      hash: hashText(`version\u0000${literal}`),
      description: `${loc.file} version ${JSON.stringify(literal)}`,
    };
  }
  if (loc.kind === "review")
    throw new Error("a review source is fingerprinted from the state by the source executor");
  if (loc.kind === "file") {
    const files = await sourceFiles(spec, projectDir);
    const parts: { rel: string; hash: string; bytes: number; rows?: number }[] = [];
    for (const f of files) {
      try {
        parts.push({ rel: f.rel, ...(await hashFileCachedBy(f.abs, cache)) });
      } catch {
        throw new NodeFailure(`data file "${f.rel}" does not exist (looked at ${f.abs})`, {
          code: "MLC2100",
        });
      }
    }
    const bytes = parts.reduce((s, p) => s + p.bytes, 0);
    // data rows of line-oriented files, so the plan shows `rows 5000 → 5100` (both counts)
    const rows = parts.every((p) => p.rows !== undefined)
      ? parts.reduce((a, p) => a + p.rows!, 0)
      : undefined;
    const counted = rows === undefined ? {} : { rows };
    if (parts.length === 1) return { hash: parts[0]!.hash, bytes, ...counted, description: loc.file };
    return {
      hash: hashText(parts.map((p) => `${p.rel}\u0000${p.hash}`).join("\n")),
      bytes,
      ...counted,
      description: `${loc.file} (${parts.length} files)`,
    };
  }
  if (spec.version !== undefined) {
    const sql = versionSql(spec.version, loc.query);
    if (!sql)
      throw new NodeFailure(
        `version = ${exprText(spec.version)}: use max(col), min(col), count(), sum(col), rows, or a SQL string`,
        { code: "MLC2100" },
      );
    const r = await runQuery(spec, projectDir, sql);
    const value = r.rows[0]?.[0];
    const text = value instanceof Date ? value.toISOString() : String(value);
    return {
      hash: hashText(`version\u0000${exprText(spec.version)}\u0000${text}`),
      description: `${describeLocation(loc)} version ${exprText(spec.version)} = ${text}`,
    };
  }
  const loaded = await loadSource(spec, projectDir);
  return {
    hash: hashBytes(tableToBytes(loaded.table)),
    rows: loaded.table.numRows(),
    description: `${describeLocation(loc)} (query result)`,
  };
}
