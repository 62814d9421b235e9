// The prediction log's contract: what a served row logs, what a feedback label stores, where both
// live (files, PostgreSQL, Redis), and the one interface every sink implements for server and monitor.
import { MlcError, type MlcErrorOptions } from "../../ir/errors.js";
import type { PredictionLogEntry, PredictionLogFields } from "../prediction-log.js";

/** One scored row as the server hands it to a sink: scalars plus the record and prediction as JSON text. */
export interface LoggedPrediction extends PredictionLogFields {
  /** The record's input fields as a JSON object (excluded fields already removed), without line breaks. */
  features: string;
  /** The prediction as returned, as JSON. */
  output: string;
}

/** A label value: a class name, a number (regression, relevance) or a boolean (binary, anomaly). */
export type Label = string | number | boolean;

/** One stored feedback label: joined to its prediction by request id, or later by entity key and time. */
export interface FeedbackEntry {
  /** Identity for idempotence: `r:<request id>#<row>` or `k:<canonical key>@<time>`; the first stored wins. */
  id: string;
  /** ISO-8601 time the label was received. */
  received: string;
  request_id?: string;
  /** Row of a batch request (0 for a single-record request). */
  index?: number;
  /** Entity key fields, for labels joined by key and time. */
  key?: Record<string, string | number | boolean>;
  /** ISO-8601 time of the outcome (with `key`). */
  time?: string;
  label: Label;
}

/**
 * One stored outcome of an online experiment (`POST /v1/feedback` with `metric` and `value`): joined to
 * its prediction by request id, or to the experiment's unit by the key field. Labels and outcomes share
 * the store; `readFeedback` returns only labels, `readOutcomes` only outcomes.
 */
export interface OutcomeEntry {
  /** `o:<metric>:r:<request id>#<row>` or `o:<metric>:k:<canonical key>@<time>`; the first stored wins. */
  id: string;
  received: string;
  request_id?: string;
  index?: number;
  key?: Record<string, string | number | boolean>;
  time?: string;
  /** The experiment's metric (`converted`, `revenue`). */
  metric: string;
  /** Its value: 0/1 for binary metrics, any finite number for continuous ones. */
  value: number;
}

/** What the feedback store holds: labels and experiment outcomes. */
export type StoredFeedback = FeedbackEntry | OutcomeEntry;

export const isOutcomeEntry = (f: StoredFeedback): f is OutcomeEntry =>
  typeof (f as Partial<OutcomeEntry>).metric === "string";

/** Where a deployment's log lives, as recorded in its pointer. Never holds a credential. */
export type LogStoreRef =
  | { kind: "files" }
  | {
      kind: "postgres";
      /** a literal URL without a password */ url?: string;
      /** the environment variable holding the URL */ url_env?: string;
      /** table of predictions (optionally schema-qualified); feedback goes to `<table>_feedback` */ table: string;
    }
  | {
      kind: "redis";
      url?: string;
      url_env?: string;
      /** key prefix of the streams */ prefix: string;
    };

/** A deployment's log settings (`log = files | postgres {…} | redis {…}` on the deploy block). */
export interface LogConfig {
  store: LogStoreRef;
  /** Entries older than this are deleted; absent = kept forever. */
  retention_seconds?: number;
  /** Request fields never written to the log. */
  exclude?: string[];
}

export const DEFAULT_PG_TABLE = "mlc_predictions";
export const DEFAULT_REDIS_LOG_PREFIX = "mlc:log";

/** Which rows a read returns: a time range and/or the last N, optionally only some arms. */
export interface LogQuery {
  /** Entries at or after this time. */
  since?: Date;
  /** Entries before this time. */
  until?: Date;
  /** Only the newest N entries (after the other filters). */
  last?: number;
  /** Only these arms (e.g. ["stable", "canary"] to leave shadow scores out). */
  arms?: string[];
  /** Every arm but these (["shadow"]: every row a client was answered with, experiment arms included). */
  exceptArms?: string[];
  /** Include the rows of requests an arm failed to answer (`error` set, output null); left out by default. */
  failures?: boolean;
}

export interface RetentionResult {
  predictions: number;
  feedback: number;
}

/**
 * A prediction log and its feedback, shared by every replica of a deployment. `append` never does
 * I/O: entries are queued and written by a timer or when enough wait; a full queue drops and counts.
 */
export interface PredictionSink {
  readonly kind: LogStoreRef["kind"];
  /** For messages: no URL, no credential. */
  readonly describe: string;
  /**
   * `ascii`: the caller knows every string in `p` holds only characters below 0x80 (a file sink then
   * copies the line's bytes instead of encoding it); never set on a guess.
   */
  append(p: LoggedPrediction, ascii?: boolean): void;
  /** Entries waiting to be written. */
  readonly buffered: number;
  /** Writes what is queued; resolves when it is stored (or has failed and been re-queued). */
  flush(): Promise<void>;
  /** Logged entries, oldest first. */
  read(q?: LogQuery): Promise<PredictionLogEntry[]>;
  /** Rows logged per request id (shadow rows not counted); ids never logged are absent. */
  requestRows(requestIds: readonly string[]): Promise<Map<string, number>>;
  /** Stores labels and outcomes in order; per item true = stored, false = an entry with that id was already there. */
  addFeedback(items: readonly StoredFeedback[]): Promise<boolean[]>;
  /** Stored labels (the first per id), oldest first; outcomes are left out. */
  readFeedback(q?: { since?: Date }): Promise<FeedbackEntry[]>;
  /** Stored experiment outcomes (the first per id), oldest first. */
  readOutcomes(q?: { since?: Date }): Promise<OutcomeEntry[]>;
  /** Deletes predictions and feedback older than `retentionSeconds` before `now`. */
  enforceRetention(retentionSeconds: number, now?: Date): Promise<RetentionResult>;
  /** Flushes and releases connections; later appends are ignored. */
  close(): Promise<void>;
}

export interface SinkOptions {
  /** Flush period in ms (default 50 for files, 200 for databases). */
  flushMs?: number;
  /** Flush as soon as this many entries wait (default 1024). */
  flushEntries?: number;
  /** Entries queued beyond this are dropped and counted (default 200 000). */
  maxBuffered?: number;
  /** Called with the number of entries dropped (a full queue while the store is down). */
  onDrop?(n: number): void;
  /** Called when a write fails (the batch is kept for the next flush while the queue has room). */
  onError?(e: Error): void;
  /** Files only: start a new file beyond this size (default 64 MiB). */
  maxFileBytes?: number;
  /** Retention, so a sink can expire what it indexes (Redis keys) and rotate files in time. */
  retentionSeconds?: number;
}

export class LogStoreError extends MlcError {
  constructor(message: string, opts?: MlcErrorOptions) {
    super("MLC2307", message, opts);
  }
}

/** The identity of a feedback item (the first stored per id wins); an outcome's names its metric. */
export function feedbackId(
  f:
    { request_id: string; index?: number } | { key: Record<string, string | number | boolean>; time: string },
  metric?: string,
): string {
  if (metric !== undefined) return `o:${metric}:${feedbackId(f)}`;
  if ("key" in f) {
    const keys = Object.keys(f.key).sort();
    return `k:${JSON.stringify(keys.map((k) => [k, f.key[k]]))}@${f.time}`;
  }
  return `r:${f.request_id}#${f.index ?? 0}`;
}
