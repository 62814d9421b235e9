// OpenLineage run events (START, COMPLETE, FAIL) for every node run, appended as NDJSON to
// MLC_OPENLINEAGE_FILE or POSTed to MLC_OPENLINEAGE_URL. Emission failures are logged, never fatal.
// A source's data files are datasets named as OpenLineage's naming spec asks for local files
// (namespace `file://HOST`, name the absolute path) with the standard schema, dataSource and
// version facets; a database source's query is the job's `sql` facet. The producer is this
// package's page for its version.
import { existsSync, readFileSync } from "node:fs";
import { appendFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { DataFingerprint } from "../ir/executor.js";
import type { GraphNode, Json } from "../ir/graph-ir.js";

const OPENLINEAGE_SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
const ERROR_FACET_SCHEMA =
  "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet";
const SCHEMA_FACET_SCHEMA =
  "https://openlineage.io/spec/facets/1-0-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet";
const DATASOURCE_FACET_SCHEMA =
  "https://openlineage.io/spec/facets/1-0-1/DatasourceDatasetFacet.json#/$defs/DatasourceDatasetFacet";
const VERSION_FACET_SCHEMA =
  "https://openlineage.io/spec/facets/1-0-0/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet";
const SQL_FACET_SCHEMA = "https://openlineage.io/spec/facets/1-0-1/SQLJobFacet.json#/$defs/SQLJobFacet";

/**
 * The producer URI: the package's own page for the version that ran (its `repository` at the
 * version's tag when package.json names one, else its npm registry page).
 */
function producerUrl(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const f = join(dir, "package.json");
    if (existsSync(f)) {
      const p = JSON.parse(readFileSync(f, "utf8")) as {
        name?: string;
        version?: string;
        repository?: string | { url?: string };
      };
      if (p.name === "mlspec-compiler" && p.version) {
        const repo = typeof p.repository === "string" ? p.repository : p.repository?.url;
        if (repo) return `${repo.replace(/^git\+/, "").replace(/\.git$/, "")}/tree/v${p.version}`;
        return `https://www.npmjs.com/package/${p.name}/v/${p.version}`;
      }
    }
    dir = dirname(dir);
  }
  return "https://www.npmjs.com/package/mlspec-compiler";
}
export const PRODUCER = producerUrl();

const facet = (schemaURL: string, body: Record<string, unknown>): Record<string, unknown> => ({
  _producer: PRODUCER,
  _schemaURL: schemaURL,
  ...body,
});

/** A local file as OpenLineage names it: namespace `file://HOST`, name its absolute path. */
export function fileDataset(
  path: string,
  facets: { fields?: { name: string; type: string }[]; version?: string } = {},
): OlDataset {
  const namespace = `file://${hostname()}`;
  const abs = resolve(path);
  return {
    namespace,
    name: abs,
    facets: {
      dataSource: facet(DATASOURCE_FACET_SCHEMA, {
        name: namespace,
        uri: `${namespace}${pathToFileURL(abs).pathname}`,
      }),
      ...(facets.fields ? { schema: facet(SCHEMA_FACET_SCHEMA, { fields: facets.fields }) } : {}),
      ...(facets.version ? { version: facet(VERSION_FACET_SCHEMA, { datasetVersion: facets.version }) } : {}),
    },
  };
}

const obj = (j: Json | undefined): { [k: string]: Json } | undefined =>
  j !== null && typeof j === "object" && !Array.isArray(j) ? j : undefined;

/**
 * The datasets a source node reads (its data files, or a SQLite database), with the schema it
 * read (`summary.schema` of its result, after the run) and the data's hash as their version.
 */
export function sourceDatasets(
  node: GraphNode,
  projectDir: string,
  data: DataFingerprint | undefined,
  summary?: Json,
): OlDataset[] {
  if (node.kind !== "source") return [];
  const sum = obj(summary);
  const fields = Array.isArray(sum?.schema)
    ? sum.schema.flatMap((c) => {
        const o = obj(c);
        return typeof o?.name === "string" && typeof o.type === "string"
          ? [{ name: o.name, type: o.type }]
          : [];
      })
    : undefined;
  const at = (p: string) => (isAbsolute(p) ? p : resolve(projectDir, p));
  const file = node.config.file;
  if (typeof file === "string") {
    const files = Array.isArray(sum?.files)
      ? sum.files.filter((f): f is string => typeof f === "string")
      : [];
    const paths = files.length ? files : [file];
    return paths.map((p) =>
      fileDataset(at(p), {
        ...(fields ? { fields } : {}),
        ...(data && paths.length === 1 ? { version: data.hash } : {}),
      }),
    );
  }
  const conn = obj(node.config.connection);
  const path = obj(conn?.named)?.path ?? (Array.isArray(conn?.args) ? conn.args[0] : undefined);
  if (conn?.$call === "sqlite" && typeof path === "string")
    return [
      fileDataset(at(path), { ...(fields ? { fields } : {}), ...(data ? { version: data.hash } : {}) }),
    ];
  return [];
}

/** The job facets of a node: a database source's query as the standard `sql` facet. */
export function jobFacets(node: GraphNode): Record<string, unknown> | undefined {
  const q = node.config.query;
  return node.kind === "source" && typeof q === "string"
    ? { sql: facet(SQL_FACET_SCHEMA, { query: q }) }
    : undefined;
}

/** An artifact of a node as a dataset of the project's namespace, versioned by its content hash. */
export function artifactDataset(namespace: string, node: string, role?: string, hash?: string): OlDataset {
  return {
    namespace,
    name: role ? `${node}/${role}` : node,
    ...(hash ? { facets: { version: facet(VERSION_FACET_SCHEMA, { datasetVersion: hash }) } } : {}),
  };
}

type RunEventType = "START" | "COMPLETE" | "FAIL";

export interface OlDataset {
  namespace: string;
  name: string;
  facets?: Record<string, unknown>;
}

export interface RunEvent {
  eventType: RunEventType;
  eventTime: string;
  run: { runId: string; facets?: Record<string, unknown> };
  job: { namespace: string; name: string; facets?: Record<string, unknown> };
  inputs: OlDataset[];
  outputs: OlDataset[];
  producer: string;
  schemaURL: string;
}

export function runEvent(
  eventType: RunEventType,
  p: {
    runId: string;
    namespace: string;
    job: string;
    inputs: OlDataset[];
    outputs: OlDataset[];
    error?: string;
    time?: Date;
    jobFacets?: Record<string, unknown>;
  },
): RunEvent {
  const facets: Record<string, unknown> = {};
  if (p.error !== undefined) {
    facets.errorMessage = {
      _producer: PRODUCER,
      _schemaURL: ERROR_FACET_SCHEMA,
      message: p.error,
      programmingLanguage: "TypeScript",
    };
  }
  return {
    eventType,
    eventTime: (p.time ?? new Date()).toISOString(),
    run: { runId: p.runId, ...(Object.keys(facets).length ? { facets } : {}) },
    job: { namespace: p.namespace, name: p.job, ...(p.jobFacets ? { facets: p.jobFacets } : {}) },
    inputs: p.inputs,
    outputs: p.outputs,
    producer: PRODUCER,
    schemaURL: OPENLINEAGE_SCHEMA_URL,
  };
}

export interface LineageSink {
  emit(e: RunEvent): void;
  /** Waits for every emission started so far. */
  flush(): Promise<void>;
}

/** A sink from MLC_OPENLINEAGE_FILE / MLC_OPENLINEAGE_URL, or undefined when neither is set. */
export function lineageSinkFromEnv(
  log: (m: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): LineageSink | undefined {
  const file = env.MLC_OPENLINEAGE_FILE;
  const url = env.MLC_OPENLINEAGE_URL;
  if (!file && !url) return undefined;
  const pending = new Set<Promise<void>>();
  // File appends are chained so lines never interleave out of order.
  let fileChain: Promise<void> = Promise.resolve();
  const track = (p: Promise<void>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  return {
    emit(e) {
      const line = JSON.stringify(e);
      if (file) {
        fileChain = fileChain
          .then(() => appendFile(file, line + "\n"))
          .catch((err) => log(`openlineage: cannot write ${file}: ${(err as Error).message}`));
        track(fileChain);
      }
      if (url) {
        track(
          fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: line,
            signal: AbortSignal.timeout(10_000),
          })
            .then((r) => {
              if (!r.ok) log(`openlineage: ${url} answered ${r.status} to a ${e.eventType} event`);
            })
            .catch((err) => log(`openlineage: cannot POST to ${url}: ${(err as Error).message}`)),
        );
      }
    },
    async flush() {
      await Promise.all([...pending]);
    },
  };
}
