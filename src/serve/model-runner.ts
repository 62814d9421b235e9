// One loaded bundle: an onnxruntime session plus its encoder, scoring column batches. Concurrent
// requests are coalesced into one session.run per event-loop turn (ORT runs on the main thread, so
// per-run overhead, not compute, dominates single-record requests). Retired runners free their session
// only after in-flight work ends.
import * as ort from "onnxruntime-node";
import type { BundleMeta, LoadedBundle } from "./bundle.js";
import { isProblem, RecordEncoder, type ColumnBatch } from "./record-encoder.js";
import { EXACT_GRAPH_OPTIONS } from "../onnx/session.js";

interface Pending {
  batch: ColumnBatch;
  resolve(scores: Float32Array): void;
  reject(err: Error): void;
}

export interface RunnerOptions {
  /** Coalesce concurrent requests into one session.run (default true). */
  coalesce?: boolean;
  /** Upper bound of rows per coalesced run. */
  maxRowsPerRun?: number;
}

export class ModelRunner {
  readonly meta: BundleMeta;
  readonly encoder: RecordEncoder;
  readonly dir: string;
  /** Seconds spent creating the session and warming it. */
  loadSeconds = 0;
  /** Session runs and rows scored (rows / runs = the coalescing factor). */
  runs = 0;
  rows = 0;
  private pending: Pending[] = [];
  private scheduled = false;
  private inflight = 0;
  private retired = false;
  private released = false;
  private readonly coalesce: boolean;
  private readonly maxRows: number;
  private readonly ortTypes: ("float32" | "float64" | "string")[];
  private readonly names: string[];

  private constructor(
    private readonly session: ort.InferenceSession,
    bundle: LoadedBundle,
    opts: RunnerOptions,
  ) {
    this.meta = bundle.meta;
    this.dir = bundle.dir;
    this.encoder = new RecordEncoder(bundle.meta.inputs);
    this.coalesce = opts.coalesce ?? true;
    this.maxRows = opts.maxRowsPerRun ?? 8192;
    this.names = bundle.meta.inputs.map((i) => i.name);
    this.ortTypes = bundle.meta.inputs.map((i) =>
      i.type === "timestamp"
        ? "float64"
        : i.type === "string" || i.type === "category"
          ? "string"
          : "float32",
    );
  }

  /** Creates the session and warms it with one prediction (so the first request is not slow). */
  static async load(bundle: LoadedBundle, opts: RunnerOptions = {}): Promise<ModelRunner> {
    const t0 = process.hrtime.bigint();
    const session = await ort.InferenceSession.create(bundle.onnx, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      ...EXACT_GRAPH_OPTIONS,
      executionMode: "sequential",
      logSeverityLevel: 3, // errors only: optimiser notes are noise in a server's log
    });
    const runner = new ModelRunner(session, bundle, opts);
    const warm = runner.encoder.encodeRecords([runner.encoder.sampleRecord()], false);
    if (isProblem(warm)) throw new Error(`cannot build a warm-up record: ${warm.message}`);
    const out = await runner.runDirect(warm);
    if (out.length !== runner.meta.output.width) {
      await session.release();
      throw new Error(
        `model.onnx returned ${out.length} values for one row; bundle.json declares width ${runner.meta.output.width}`,
      );
    }
    runner.loadSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return runner;
  }

  get version(): number {
    return this.meta.version;
  }

  get width(): number {
    return this.meta.output.width;
  }

  /**
   * Scores a batch; resolves to row-major n × width scores. Must be called synchronously after
   * the caller picked this runner, so a swap can never release it underneath the request.
   */
  score(batch: ColumnBatch): Promise<Float32Array> {
    if (this.released) return Promise.reject(new Error(`model version ${this.version} was released`));
    this.inflight++;
    if (!this.coalesce) {
      return this.runDirect(batch).then(
        (s) => {
          this.settle(1);
          return s;
        },
        (e: unknown) => {
          this.settle(1);
          throw e;
        },
      );
    }
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.push({ batch, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /** `n` scorings ended: a retired runner frees its session after the last one. */
  private settle(n: number): void {
    this.inflight -= n;
    if (this.retired && this.inflight === 0) void this.free();
  }

  /** Runs the session on one batch without coalescing (batch scoring, warm-up). */
  async runDirect(batch: ColumnBatch): Promise<Float32Array> {
    const feeds: Record<string, ort.Tensor> = {};
    for (let c = 0; c < this.names.length; c++) {
      feeds[this.names[c]!] = new ort.Tensor(this.ortTypes[c]!, batch.columns[c] as never, [batch.n, 1]);
    }
    this.runs++;
    this.rows += batch.n;
    const out = await this.session.run(feeds);
    const score = out.score;
    if (!score) throw new Error("model.onnx produced no 'score' output");
    return score.data as Float32Array;
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    let take = 0;
    let rows = 0;
    while (take < this.pending.length && (take === 0 || rows + this.pending[take]!.batch.n <= this.maxRows)) {
      rows += this.pending[take]!.batch.n;
      take++;
    }
    const group = this.pending.splice(0, take);
    if (this.pending.length > 0) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
    if (group.length === 0) return;
    const batch =
      group.length === 1
        ? group[0]!.batch
        : concatBatches(
            group.map((p) => p.batch),
            rows,
          );
    this.runDirect(batch).then(
      (scores) => {
        if (group.length === 1) group[0]!.resolve(scores);
        else {
          const w = this.width;
          let off = 0;
          for (const p of group) {
            p.resolve(scores.subarray(off * w, (off + p.batch.n) * w));
            off += p.batch.n;
          }
        }
        this.settle(group.length);
      },
      (err: Error) => {
        for (const p of group) p.reject(err);
        this.settle(group.length);
      },
    );
  };

  /** Marks this runner as replaced: its session is freed once the requests already on it finish. */
  retire(): void {
    this.retired = true;
    if (this.inflight === 0) void this.free();
  }

  private async free(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }

  get inFlight(): number {
    return this.inflight;
  }
}

function concatBatches(batches: ColumnBatch[], rows: number): ColumnBatch {
  const first = batches[0]!;
  const columns = first.columns.map((col, c) => {
    if (Array.isArray(col)) {
      const out = new Array<string>(rows);
      let off = 0;
      for (const b of batches) {
        const src = b.columns[c] as string[];
        for (let i = 0; i < b.n; i++) out[off + i] = src[i]!;
        off += b.n;
      }
      return out;
    }
    const out = col instanceof Float64Array ? new Float64Array(rows) : new Float32Array(rows);
    let off = 0;
    for (const b of batches) {
      out.set(b.columns[c] as Float32Array, off);
      off += b.n;
    }
    return out;
  });
  return { n: rows, columns };
}
