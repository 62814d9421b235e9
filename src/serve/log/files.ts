// The embedded log sink: NDJSON files under `.mlc/predictions/<deployment>/` (the server's writer) and
// labels under `.mlc/feedback/<deployment>/<day>.ndjson`. Request ids and feedback ids are indexed by
// scanning each file once, incrementally; several processes may share the folders (first line wins).
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  unlinkSync,
} from "node:fs";
import { join, resolve } from "node:path";
import {
  PredictionLogWriter,
  predictionLogDir,
  predictionLogLine,
  type PredictionLogEntry,
} from "../prediction-log.js";
import { readPredictionLog } from "../prediction-log-reader.js";
import {
  isOutcomeEntry,
  type FeedbackEntry,
  type LoggedPrediction,
  type LogQuery,
  type OutcomeEntry,
  type PredictionSink,
  type RetentionResult,
  type SinkOptions,
  type StoredFeedback,
} from "./types.js";

export const feedbackDir = (projectDir: string, deployment: string): string =>
  join(resolve(projectDir), ".mlc", "feedback", deployment);

/** The line of a logged prediction (the same bytes the server wrote before sinks existed). */
export function loggedLine(p: LoggedPrediction): string {
  return predictionLogLine(
    p.ts,
    p.request_id,
    p.deployment,
    p.model_version,
    p.arm,
    p.latency_ms,
    p.index,
    p.features,
    p.output,
    p.experiment !== undefined ? { name: p.experiment, arm: p.experiment_arm ?? "" } : undefined,
    p.error,
  );
}

/** Complete lines appended to a file since the last scan (a torn last line waits for its end). */
class TailScanner {
  private offsets = new Map<string, number>();

  constructor(private readonly dir: string) {}

  /** Calls `onLine(file, line)` for every new complete line of every `.ndjson` file, oldest file first. */
  scan(onLine: (file: string, line: string) => void): void {
    if (!existsSync(this.dir)) return;
    const files = readdirSync(this.dir)
      .filter((f) => f.endsWith(".ndjson"))
      .sort();
    for (const f of files) {
      const path = join(this.dir, f);
      let size: number;
      try {
        size = statSync(path).size;
      } catch {
        continue;
      }
      const from = this.offsets.get(f) ?? 0;
      if (size <= from) continue;
      const buf = Buffer.alloc(size - from);
      const fd = openSync(path, "r");
      try {
        readSync(fd, buf, 0, buf.length, from);
      } finally {
        closeSync(fd);
      }
      const end = buf.lastIndexOf(10);
      if (end < 0) continue;
      for (const line of buf.subarray(0, end).toString("utf8").split("\n")) if (line) onLine(f, line);
      this.offsets.set(f, from + end + 1);
    }
  }

  forget(file: string): void {
    this.offsets.delete(file);
  }
}

const utcDay = (d: Date): string => d.toISOString().slice(0, 10).replace(/-/g, "");

export class FilesSink implements PredictionSink {
  readonly kind = "files" as const;
  readonly describe: string;
  private readonly writer: PredictionLogWriter;
  private readonly logDir: string;
  private readonly fbDir: string;
  private readonly logScan: TailScanner;
  private readonly fbScan: TailScanner;
  /** Per log file: request id → rows logged (shadow rows not counted). */
  private readonly rowsByFile = new Map<string, Map<string, number>>();
  /** Feedback ids already stored, and the file each came from. */
  private readonly feedbackIds = new Map<string, string>();

  constructor(
    private readonly projectDir: string,
    private readonly deployment: string,
    opts: SinkOptions = {},
  ) {
    this.logDir = predictionLogDir(projectDir, deployment);
    this.fbDir = feedbackDir(projectDir, deployment);
    this.describe = `files .mlc/predictions/${deployment}`;
    const retentionMs = opts.retentionSeconds !== undefined ? opts.retentionSeconds * 1000 : undefined;
    this.writer = new PredictionLogWriter(this.logDir, {
      ...(opts.flushMs !== undefined ? { flushMs: opts.flushMs } : {}),
      ...(opts.flushEntries !== undefined ? { flushEntries: opts.flushEntries } : {}),
      ...(opts.maxBuffered !== undefined ? { maxBuffered: opts.maxBuffered } : {}),
      ...(opts.maxFileBytes !== undefined ? { maxFileBytes: opts.maxFileBytes } : {}),
      ...(opts.onDrop ? { onDrop: opts.onDrop } : {}),
      // a file retention may delete is never appended to again: rotate well before it is that old
      ...(retentionMs !== undefined ? { maxFileAgeMs: Math.min(86_400_000, retentionMs / 4) } : {}),
    });
    this.logScan = new TailScanner(this.logDir);
    this.fbScan = new TailScanner(this.fbDir);
  }

  append(p: LoggedPrediction, ascii = false): void {
    // an ASCII entry makes an ASCII line: JSON escapes of ASCII text are ASCII
    this.writer.append(loggedLine(p), ascii);
  }

  /** A line serialised by the caller (the server's fast path for a single record). */
  appendLine(line: string): void {
    this.writer.append(line);
  }

  get buffered(): number {
    return this.writer.buffered;
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  async read(q: LogQuery = {}): Promise<PredictionLogEntry[]> {
    return readPredictionLog(this.projectDir, this.deployment, q);
  }

  async requestRows(requestIds: readonly string[]): Promise<Map<string, number>> {
    this.logScan.scan((file, line) => {
      let e: PredictionLogEntry;
      try {
        e = JSON.parse(line) as PredictionLogEntry;
      } catch {
        return;
      }
      if (e.arm === "shadow" || e.error !== undefined || typeof e.request_id !== "string") return;
      let m = this.rowsByFile.get(file);
      if (!m) this.rowsByFile.set(file, (m = new Map()));
      m.set(e.request_id, Math.max(m.get(e.request_id) ?? 0, (e.index ?? 0) + 1));
    });
    const out = new Map<string, number>();
    for (const id of requestIds)
      for (const m of this.rowsByFile.values()) {
        const n = m.get(id);
        if (n !== undefined) out.set(id, Math.max(out.get(id) ?? 0, n));
      }
    return out;
  }

  private scanFeedback(): void {
    this.fbScan.scan((file, line) => {
      try {
        const f = JSON.parse(line) as StoredFeedback;
        if (typeof f.id === "string" && !this.feedbackIds.has(f.id)) this.feedbackIds.set(f.id, file);
      } catch {
        // a torn line from a crash: not a label
      }
    });
  }

  async addFeedback(items: readonly StoredFeedback[]): Promise<boolean[]> {
    this.scanFeedback();
    const stored: boolean[] = [];
    const seen = new Set<string>();
    let text = "";
    for (const f of items) {
      const fresh = !this.feedbackIds.has(f.id) && !seen.has(f.id);
      stored.push(fresh);
      if (!fresh) continue;
      seen.add(f.id);
      text += JSON.stringify(f) + "\n";
    }
    if (text) {
      mkdirSync(this.fbDir, { recursive: true });
      // one O_APPEND write: lines of concurrent writers never interleave; readers keep the first per id
      appendFileSync(join(this.fbDir, `${utcDay(new Date())}.ndjson`), text);
    }
    return stored;
  }

  /** Labels and outcomes, the first per id, oldest first. */
  private readStored(q: { since?: Date }): StoredFeedback[] {
    if (!existsSync(this.fbDir)) return [];
    const since = q.since?.getTime();
    const first = new Map<string, StoredFeedback>();
    for (const f of readdirSync(this.fbDir)
      .filter((n) => n.endsWith(".ndjson"))
      .sort()) {
      const text = readFileText(join(this.fbDir, f));
      for (const line of text.split("\n")) {
        if (!line) continue;
        let e: StoredFeedback;
        try {
          e = JSON.parse(line) as StoredFeedback;
        } catch {
          continue;
        }
        if (typeof e.id !== "string" || first.has(e.id)) continue;
        first.set(e.id, e);
      }
    }
    return [...first.values()].filter((e) => since === undefined || Date.parse(e.received) >= since);
  }

  async readFeedback(q: { since?: Date } = {}): Promise<FeedbackEntry[]> {
    return this.readStored(q).filter((e): e is FeedbackEntry => !isOutcomeEntry(e));
  }

  async readOutcomes(q: { since?: Date } = {}): Promise<OutcomeEntry[]> {
    return this.readStored(q).filter(isOutcomeEntry);
  }

  async enforceRetention(retentionSeconds: number, now: Date = new Date()): Promise<RetentionResult> {
    const cutoff = now.getTime() - retentionSeconds * 1000;
    let predictions = 0;
    if (existsSync(this.logDir)) {
      const open = this.writer.currentFile;
      for (const f of readdirSync(this.logDir)) {
        if (!f.endsWith(".ndjson") || f === open) continue;
        const path = join(this.logDir, f);
        try {
          // a file's last write is its newest entry: older than the cutoff, every entry in it is
          if (statSync(path).mtimeMs >= cutoff) continue;
          unlinkSync(path);
          predictions++;
        } catch {
          continue; // removed by another process meanwhile
        }
        this.logScan.forget(f);
        this.rowsByFile.delete(f);
      }
    }
    let feedback = 0;
    if (existsSync(this.fbDir)) {
      const cutoffDay = utcDay(new Date(cutoff));
      for (const f of readdirSync(this.fbDir)) {
        // a day file holds labels received that day: all older than the cutoff once the day is before the cutoff's day
        if (!/^\d{8}\.ndjson$/.test(f) || f.slice(0, 8) >= cutoffDay) continue;
        try {
          unlinkSync(join(this.fbDir, f));
          feedback++;
        } catch {
          continue;
        }
        this.fbScan.forget(f);
        for (const [id, file] of this.feedbackIds) if (file === f) this.feedbackIds.delete(id);
      }
    }
    return { predictions, feedback };
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}

function readFileText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return ""; // removed by retention meanwhile
  }
}
