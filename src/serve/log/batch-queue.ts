// The write-behind queue of the database sinks: entries wait in memory and a timer (or a full batch)
// writes them; a failed write keeps them for the next attempt with backoff, and a full queue drops and counts.
import type { LoggedPrediction, SinkOptions } from "./types.js";

export class BatchQueue {
  private buffer: LoggedPrediction[] = [];
  private writing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly maxBuffered: number;
  private readonly flushEntries: number;
  private retryAt = 0;
  private backoffMs = 0;
  private closed = false;

  constructor(
    private readonly write: (batch: LoggedPrediction[]) => Promise<void>,
    private readonly opts: SinkOptions = {},
  ) {
    this.maxBuffered = opts.maxBuffered ?? 200_000;
    this.flushEntries = opts.flushEntries ?? 1024;
    this.timer = setInterval(() => {
      if (Date.now() >= this.retryAt) void this.flush();
    }, opts.flushMs ?? 200);
    this.timer.unref();
  }

  append(p: LoggedPrediction): void {
    if (this.closed) return;
    if (this.buffer.length >= this.maxBuffered) {
      this.opts.onDrop?.(1);
      return;
    }
    this.buffer.push(p);
    if (this.buffer.length === this.flushEntries && Date.now() >= this.retryAt)
      setImmediate(() => void this.flush());
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** Writes everything queued in batches of `flushEntries`; a failure re-queues the batch (bounded). */
  flush(): Promise<void> {
    this.writing = this.writing.then(async () => {
      while (this.buffer.length) {
        const batch = this.buffer.splice(0, this.flushEntries);
        try {
          await this.write(batch);
          this.backoffMs = 0;
          this.retryAt = 0;
        } catch (e) {
          // keep the oldest entries for the next attempt; what does not fit is dropped and counted
          const room = Math.max(0, this.maxBuffered - this.buffer.length);
          const kept = batch.slice(0, room);
          if (batch.length > kept.length) this.opts.onDrop?.(batch.length - kept.length);
          this.buffer = kept.concat(this.buffer);
          this.backoffMs = Math.min(5000, this.backoffMs ? this.backoffMs * 2 : 100);
          this.retryAt = Date.now() + this.backoffMs;
          this.opts.onError?.(e as Error);
          return;
        }
      }
    });
    return this.writing;
  }

  /** A last flush; entries that still cannot be written are counted as dropped. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.retryAt = 0;
    await this.flush();
    this.closed = true;
    if (this.buffer.length) {
      this.opts.onDrop?.(this.buffer.length);
      this.buffer = [];
    }
  }
}

/** The write side every database sink shares: `append` queues, a timer writes through `writeBatch`. */
export abstract class QueuedSink {
  protected readonly queue: BatchQueue;

  constructor(opts: SinkOptions) {
    this.queue = new BatchQueue((b) => this.writeBatch(b), opts);
  }

  /** Stores one batch; throws when the store cannot be written (the queue keeps the batch). */
  protected abstract writeBatch(batch: LoggedPrediction[]): Promise<void>;

  append(p: LoggedPrediction): void {
    this.queue.append(p);
  }

  get buffered(): number {
    return this.queue.buffered;
  }

  flush(): Promise<void> {
    return this.queue.flush();
  }
}
