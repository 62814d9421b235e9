// OpenLineage run events (START, COMPLETE, FAIL) for every node run, appended as NDJSON to
// MLC_OPENLINEAGE_FILE or POSTed to MLC_OPENLINEAGE_URL. Emission failures are logged, never fatal.
import { appendFile } from "node:fs/promises";

const OPENLINEAGE_SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
const PRODUCER = "https://github.com/mlc-dev/mlc/tree/v0.1.0";
const ERROR_FACET_SCHEMA =
  "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet";

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
    job: { namespace: p.namespace, name: p.job },
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
