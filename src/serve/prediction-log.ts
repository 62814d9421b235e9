// The prediction log: one NDJSON line per scored row under `.mlc/predictions/<deployment>/`, buffered
// in memory and appended by a timer, never on the response path; files rotate by size. The monitor reads it.
import { mkdirSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { join, resolve } from "node:path";

/** The scalar fields of a logged row, as written and as read back. */
export interface PredictionLogFields {
  /** ISO-8601 time the request was received. */
  ts: string;
  request_id: string;
  deployment: string;
  model_version: number;
  /** stable | canary | shadow (the shadow candidate's outputs are logged, never returned). */
  arm: string;
  latency_ms: number;
  /** Position of the row in a batch request. */
  index?: number;
  /** The online experiment and its arm, when the request was routed by one. */
  experiment?: string;
  experiment_arm?: string;
  /**
   * Set on the rows of a request its arm failed to answer (`scoring_failed`, `online_store_unavailable`:
   * a 5xx), whose `output` is null: an experiment's error-rate guardrail counts them. Reads leave them
   * out unless asked (`failures`), so no other reader mistakes them for predictions.
   */
  error?: string;
}

export interface PredictionLogEntry extends PredictionLogFields {
  /** The record's input fields (and the rollout key when one is set). */
  features: Record<string, unknown>;
  /** The prediction as returned (or, for shadow, as it would have been returned). */
  output: unknown;
}

let isoMs = NaN;
let isoText = "";

/**
 * `new Date(ms).toISOString()`, remembered for the last millisecond asked: a server under load logs
 * many requests received in the same millisecond, and formatting a date is a measurable part of each.
 */
export function isoTime(ms: number): string {
  if (ms !== isoMs) {
    isoText = new Date(ms).toISOString();
    isoMs = ms;
  }
  return isoText;
}

/** Whether `s` is printable ASCII without `"` or `\\`: its JSON string is itself in quotes, one byte a character. */
export function plainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** Whether every character of `s` is below 0x80 (its UTF-8 and latin1 bytes are the same). */
export function asciiText(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** JSON.stringify of a string (a call into the runtime, some 200 ns), written directly when plain ASCII. */
export const jsonString = (s: string): string => (plainAscii(s) ? `"${s}"` : JSON.stringify(s));

/**
 * One log line from parts that are already JSON (the request's raw record, the response's prediction):
 * the hot path then never serialises a value twice. `featuresJson` must be a JSON object without line breaks.
 */
export function predictionLogLine(
  ts: string,
  requestId: string,
  deployment: string,
  modelVersion: number,
  arm: string,
  latencyMs: number,
  index: number | undefined,
  featuresJson: string,
  outputJson: string,
  experiment?: { name: string; arm: string },
  error?: string,
): string {
  // few parts: each `+` is a rope node the writer flattens; the middle is the same for every row of a version
  let line =
    `{"ts":"${ts}","request_id":` + jsonString(requestId) + lineMiddle(deployment, modelVersion, arm);
  line += JSON.stringify(latencyMs); // String's digits, faster (see prediction-format.ts)
  if (index !== undefined) line += `,"index":${index}`;
  if (experiment)
    line += `,"experiment":${JSON.stringify(experiment.name)},"experiment_arm":${JSON.stringify(experiment.arm)}`;
  if (error !== undefined) line += `,"error":${JSON.stringify(error)}`;
  return line + ',"features":' + featuresJson + ',"output":' + outputJson + "}";
}

let midDeployment: string | undefined;
let midVersion: number | undefined;
let midArm: string | undefined;
let midText = "";

/** `,"deployment":…,"model_version":…,"arm":…,"latency_ms":`, remembered for the last version and arm. */
function lineMiddle(deployment: string, modelVersion: number, arm: string): string {
  if (deployment !== midDeployment || modelVersion !== midVersion || arm !== midArm) {
    midText = `,"deployment":${JSON.stringify(deployment)},"model_version":${modelVersion},"arm":${JSON.stringify(arm)},"latency_ms":`;
    midDeployment = deployment;
    midVersion = modelVersion;
    midArm = arm;
  }
  return midText;
}

export interface PredictionLogOptions {
  /** Start a new file beyond this size (default 64 MiB). */
  maxFileBytes?: number;
  /** Flush period (default 50 ms: lines then die young instead of being promoted to V8's old space). */
  flushMs?: number;
  /** Flush as soon as this many entries wait (default 1024). */
  flushEntries?: number;
  /** Entries buffered beyond this are dropped and counted rather than slowing the server (default 200 000). */
  maxBuffered?: number;
  onDrop?(n: number): void;
  /**
   * Start a new file once the open one is this old or has not been written for this long (default: never).
   * Retention deletes files by age, so a writer must never append to a file old enough to be deleted.
   */
  maxFileAgeMs?: number;
}

/** Bounds of one buffer of encoded lines. */
const MIN_CHUNK_BYTES = 16 * 1024;
const MAX_CHUNK_BYTES = 1024 * 1024;

export const predictionLogDir = (projectDir: string, deployment: string): string =>
  join(resolve(projectDir), ".mlc", "predictions", deployment);

export class PredictionLogWriter {
  /**
   * Lines waiting, encoded as they are appended (while their parts are still in cache, and so that
   * no line string outlives its request): full chunks, then the one being filled.
   */
  private full: Buffer[] = [];
  private chunk: Buffer | undefined;
  private used = 0;
  private chunkBytes = MIN_CHUNK_BYTES;
  /** Lines waiting to be written. */
  private waiting = 0;
  private file: FileHandle | undefined;
  private fileBytes = 0;
  private fileName: string | undefined;
  private fileOpened = 0;
  private lastWrite = 0;
  private seq = 0;
  private writing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly maxFileBytes: number;
  private readonly maxBuffered: number;
  private readonly flushEntries: number;
  private readonly stamp = new Date().toISOString().replace(/[-:.]/g, "");
  private closed = false;

  constructor(
    readonly dir: string,
    private readonly opts: PredictionLogOptions = {},
  ) {
    this.maxFileBytes = opts.maxFileBytes ?? 64 * 1024 * 1024;
    this.maxBuffered = opts.maxBuffered ?? 200_000;
    mkdirSync(dir, { recursive: true });
    this.flushEntries = opts.flushEntries ?? 1024;
    this.timer = setInterval(() => void this.flush(), opts.flushMs ?? 50);
    this.timer.unref();
  }

  /**
   * Queues an entry, or a line serialised by the caller (no trailing newline); no I/O happens here.
   * `ascii`: the caller knows every character of the line is below 0x80, so its latin1 bytes are its
   * UTF-8 bytes and it is copied one byte a character instead of encoded (never set it on a guess:
   * latin1 keeps only the low byte of a wider character, a silently wrong line).
   */
  append(entry: PredictionLogEntry | string, ascii = false): void {
    if (this.closed) return;
    if (this.waiting >= this.maxBuffered) {
      this.opts.onDrop?.(1);
      return;
    }
    const line = (typeof entry === "string" ? entry : JSON.stringify(entry)) + "\n";
    // UTF-8 takes at most 3 bytes per UTF-16 unit, ASCII one
    const most = ascii ? line.length : line.length * 3;
    if (!this.chunk || this.used + most > this.chunk.length) {
      if (this.chunk && this.used > 0) this.full.push(this.chunk.subarray(0, this.used));
      // sized by the last flush (a quiet server keeps small chunks), doubling while one flush outgrows it
      this.chunkBytes = this.chunk ? Math.min(MAX_CHUNK_BYTES, this.chunkBytes * 2) : this.chunkBytes;
      this.chunk = Buffer.allocUnsafe(Math.max(this.chunkBytes, most));
      this.used = 0;
    }
    this.used += this.chunk.write(line, this.used, ascii ? "latin1" : "utf8");
    this.waiting++;
    if (this.waiting === this.flushEntries) setImmediate(() => void this.flush());
  }

  get buffered(): number {
    return this.waiting;
  }

  /** The file this writer appends to (a name in `dir`), if one is open. */
  get currentFile(): string | undefined {
    return this.file ? this.fileName : undefined;
  }

  /** Writes everything buffered so far; resolves when it is on disk. */
  flush(): Promise<void> {
    this.writing = this.writing
      .then(() => this.writeOut())
      .catch(() => {
        // a failed write loses that chunk but never the server; the next flush retries with a fresh file
        this.file = undefined;
      });
    return this.writing;
  }

  private async writeOut(): Promise<void> {
    if (this.waiting === 0) return;
    // the chunk being filled is handed over whole: the next append starts a new one
    const parts = this.full;
    if (this.chunk && this.used > 0) parts.push(this.chunk.subarray(0, this.used));
    this.full = [];
    this.chunk = undefined;
    this.used = 0;
    this.waiting = 0;
    const text = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const bytes = text.length;
    this.chunkBytes = Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, bytes + (bytes >> 2)));
    const now = Date.now();
    const maxAge = this.opts.maxFileAgeMs;
    const stale = maxAge !== undefined && (now - this.fileOpened > maxAge || now - this.lastWrite > maxAge);
    if (!this.file || stale || (this.fileBytes > 0 && this.fileBytes + bytes > this.maxFileBytes)) {
      await this.file?.close();
      this.file = undefined;
      this.seq++;
      const name = `${this.stamp}-${process.pid}-${String(this.seq).padStart(4, "0")}.ndjson`;
      this.file = await open(join(this.dir, name), "a");
      this.fileName = name;
      this.fileOpened = now;
      this.fileBytes = 0;
    }
    await this.file.appendFile(text);
    this.lastWrite = now;
    this.fileBytes += bytes;
  }

  /** Flushes and closes; later appends are ignored. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    this.closed = true;
    await this.writing;
    await this.file?.close();
    this.file = undefined;
  }
}
