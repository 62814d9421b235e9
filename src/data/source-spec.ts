// A source node's config read into a typed description: where the rows come from (file, glob,
// SQLite, PostgreSQL), the declared schema, expectations, and the version watermark.
import { type Json, isObj, type JsonObject as Obj } from "../ir/graph-ir.js";
import { NodeFailure } from "../ir/executor.js";
import { type ColumnSpec, isColumnType } from "./column-type.js";
import {
  type BlockConfig,
  assertionsOf,
  nestedBlock,
  readBlock,
  refAttr,
  stringAttr,
} from "../ir/node-config.js";
import type { TextEncoding } from "./text-encoding.js";
import { nameArg } from "./transforms/support.js";

/** A secret: the name of the environment variable, never its value. */
type Secret = { env: string } | { literal: string };

export type SourceLocation =
  | {
      kind: "file";
      file: string;
      format: "csv" | "parquet" | "jsonl";
      delimiter: string;
      /** The texts read as null in a CSV file (absent: the default of null-tokens.ts). */
      nulls?: string[];
      /** The text encoding of CSV and JSON-lines files. */
      encoding: TextEncoding;
    }
  | { kind: "sqlite"; path: string; query: string }
  | { kind: "postgres"; url: Secret; query: string }
  /** The labelled events of a deployment's review queue (read by the source executor from the state). */
  | { kind: "review"; deployment: string };

export interface SourceSpec {
  location: SourceLocation;
  declared: ColumnSpec[];
  /** A `schema` block is declared: the data may hold only its columns (else all are inferred). */
  declaredOnly: boolean;
  expect: Json[];
  warn: Json[];
  key?: string;
  timestamp?: string;
  version?: Json;
  allowOutside: boolean;
}

/** `int`, `"float?"`, `nullable(float)` → a column spec. */
function parseColumnType(name: string, j: Json): ColumnSpec {
  if (isObj(j) && typeof j.$call === "string" && (j.$call === "nullable" || j.$call === "optional")) {
    const inner = Array.isArray(j.args) ? j.args[0] : undefined;
    const spec = parseColumnType(name, inner ?? null);
    return { ...spec, nullable: true };
  }
  let text = nameArg(j);
  let nullable = false;
  if (text?.endsWith("?")) {
    nullable = true;
    text = text.slice(0, -1);
  }
  if (!text || !isColumnType(text)) {
    throw new NodeFailure(
      `schema: column "${name}" has an unknown type ${JSON.stringify(j)}; use int, float, bool, string, category, timestamp or nullable(type)`,
    );
  }
  return { name, type: text, nullable };
}

function formatOf(b: BlockConfig, file: string): "csv" | "parquet" | "jsonl" {
  const declared = nameArg(b.attributes.format);
  if (declared === "csv" || declared === "parquet" || declared === "jsonl") return declared;
  const lower = file.toLowerCase();
  if (lower.endsWith(".parquet") || lower.endsWith(".pq")) return "parquet";
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson") || lower.endsWith(".json")) return "jsonl";
  return "csv";
}

function secretOf(j: Json | undefined): Secret {
  if (isObj(j) && j.$call === "env" && Array.isArray(j.args) && typeof j.args[0] === "string")
    return { env: j.args[0] };
  if (typeof j === "string") return { literal: j };
  throw new NodeFailure('postgres { url = … } must be env("VAR") (or a literal URL without a password)');
}

export function readSourceSpec(config: Obj): SourceSpec {
  const b = readBlock(config);
  const schema = nestedBlock(b, "schema");
  const declared = schema ? Object.entries(schema.attributes).map(([n, t]) => parseColumnType(n, t)) : [];
  const file = stringAttr(b, "file");
  const conn = b.attributes.connection;
  const query = stringAttr(b, "query");
  let location: SourceLocation;
  const review = refAttr(b, "review")?.at(-1);
  if (review !== undefined) {
    location = { kind: "review", deployment: review };
  } else if (file !== undefined) {
    location = {
      kind: "file",
      file,
      format: formatOf(b, file),
      delimiter: stringAttr(b, "delimiter") ?? ",",
      ...(Array.isArray(b.attributes.nulls)
        ? { nulls: b.attributes.nulls.filter((x): x is string => typeof x === "string") }
        : {}),
      encoding: nameArg(b.attributes.encoding) === "latin1" ? "latin1" : "utf-8",
    };
  } else if (isObj(conn) && typeof conn.$call === "string") {
    if (!query) throw new NodeFailure('a database source needs `query = "select …"`');
    const named = isObj(conn.named) ? conn.named : {};
    const args = Array.isArray(conn.args) ? conn.args : [];
    if (conn.$call === "sqlite") {
      const path = named.path ?? args[0];
      if (typeof path !== "string") throw new NodeFailure('sqlite { path = "…" } needs a path');
      location = { kind: "sqlite", path, query };
    } else if (conn.$call === "postgres") {
      location = { kind: "postgres", url: secretOf(named.url ?? args[0]), query };
    } else
      throw new NodeFailure(
        `unknown connection \`${conn.$call}\`; use sqlite { path = … } or postgres { url = env("…") }`,
      );
  } else {
    throw new NodeFailure('a source needs `file = "…"` or `connection = sqlite { … } | postgres { … }`');
  }
  const allow = b.attributes.allow_outside_paths;
  return {
    location,
    declared,
    declaredOnly: schema !== undefined,
    expect: assertionsOf(b, "expect"),
    warn: assertionsOf(b, "warn"),
    key: refAttr(b, "key")?.at(-1),
    timestamp: refAttr(b, "timestamp")?.at(-1),
    version: b.attributes.version ?? undefined,
    allowOutside: allow === true,
  };
}

/** Reads a secret from the environment; the message names the variable, never a value. */
export function secretValue(s: Secret): string {
  if ("literal" in s) return s.literal;
  const v = process.env[s.env];
  if (v === undefined || v === "")
    throw new NodeFailure(`the environment variable ${s.env} is not set (it holds the database URL)`, {
      code: "MLC2008",
      hint: `set ${s.env} in the environment of mlc`,
      details: { variable: s.env },
    });
  return v;
}

export function describeLocation(l: SourceLocation): string {
  switch (l.kind) {
    case "file":
      return l.file;
    case "sqlite":
      return `sqlite:${l.path}`;
    case "postgres":
      return `postgres:${"env" in l.url ? `env(${l.url.env})` : "<url>"}`;
    case "review":
      return `reviews of ${l.deployment}`;
  }
}
