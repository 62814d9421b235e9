// Writes batch-scoring output (key columns passed through + prediction columns) to CSV, JSON lines
// or Parquet, chosen by the file extension; written to a temporary name and renamed.
import * as aq from "arquero";
import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, extname, join } from "node:path";

type OutputColumn = ArrayLike<unknown>;
type ScoreFormat = "csv" | "jsonl" | "parquet";

function formatOf(path: string): ScoreFormat | undefined {
  const ext = extname(path).toLowerCase();
  return ext === ".csv"
    ? "csv"
    : ext === ".jsonl" || ext === ".ndjson"
      ? "jsonl"
      : ext === ".parquet"
        ? "parquet"
        : undefined;
}

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) return "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

function toCsv(cols: Record<string, OutputColumn>, n: number): string {
  const names = Object.keys(cols);
  const parts: string[] = [names.map(csvCell).join(",")];
  const arrs = names.map((k) => cols[k]!);
  for (let i = 0; i < n; i++) {
    let line = "";
    for (let c = 0; c < arrs.length; c++) line += (c ? "," : "") + csvCell(arrs[c]![i]);
    parts.push(line);
  }
  return parts.join("\n") + "\n";
}

function toJsonl(cols: Record<string, OutputColumn>, n: number): string {
  const names = Object.keys(cols);
  const arrs = names.map((k) => cols[k]!);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const o: Record<string, unknown> = {};
    for (let c = 0; c < names.length; c++) {
      const v = arrs[c]![i];
      o[names[c]!] = typeof v === "number" && !Number.isFinite(v) ? null : v;
    }
    parts.push(JSON.stringify(o));
  }
  return parts.join("\n") + (n ? "\n" : "");
}

function toParquet(cols: Record<string, OutputColumn>): Uint8Array {
  const require = createRequire(import.meta.url);
  const pq = require("parquet-wasm/node") as typeof import("parquet-wasm/node");
  const plain: Record<string, unknown[] | Float32Array | Float64Array> = {};
  for (const [k, v] of Object.entries(cols))
    plain[k] = v instanceof Float32Array || v instanceof Float64Array ? v : Array.from(v);
  const ipc = aq.toArrowIPC(aq.table(plain), { format: "stream" });
  return pq.writeParquet(pq.Table.fromIPCStream(ipc));
}

/** Writes `cols` (all of length n) to `path`; the format follows the extension (.csv, .jsonl/.ndjson, .parquet). */
export function writeScores(path: string, cols: Record<string, OutputColumn>): void {
  const format = formatOf(path);
  if (!format)
    throw new Error(`cannot write scores to '${path}': use a .csv, .jsonl, .ndjson or .parquet file name`);
  const lengths = new Set(Object.values(cols).map((c) => c.length));
  if (lengths.size > 1) throw new Error(`cannot write scores to '${path}': columns have different lengths`);
  const n = lengths.size ? [...lengths][0]! : 0;
  const bytes = format === "csv" ? toCsv(cols, n) : format === "jsonl" ? toJsonl(cols, n) : toParquet(cols);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
