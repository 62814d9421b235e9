// Batch scoring: a whole table through the same ONNX bundle the server runs (so batch and online agree),
// in chunks of 4096 rows. Input is rows or columns in memory; file writing lives in score-writer.ts.
import { loadBundle, taskClasses, type BundleMeta, type LoadedBundle } from "./bundle.js";
import { ModelRunner } from "./model-runner.js";
import { predictionFormatter } from "./prediction-format.js";
import { isProblem, type ColumnBatch } from "./record-encoder.js";
import { MlcError } from "../ir/errors.js";

/** Rows as objects, or columns by name (arrays or typed arrays, all of one length). */
type TableInput = readonly Record<string, unknown>[] | Readonly<Record<string, ArrayLike<unknown>>>;

interface BatchScores {
  n: number;
  width: number;
  /** Row-major n × width raw `score` output. */
  scores: Float32Array;
  meta: BundleMeta;
}

/** A data error: names the column and the row. */
export class BatchScoreError extends MlcError {
  constructor(
    message: string,
    readonly column: string,
    readonly row: number | undefined,
  ) {
    super("MLC2305", message, { details: { column, ...(row !== undefined ? { row } : {}) } });
  }
}

interface ScoreOptions {
  /**
   * Rows per session run (default 4096: a run's fixed cost is a fifth of a 1024-row run of a small
   * model; each row's scores do not depend on the rows beside it).
   */
  batchSize?: number;
}

function tableLength(cols: Readonly<Record<string, ArrayLike<unknown>>>, names: string[]): number {
  let n: number | undefined;
  for (const name of names) {
    const c = cols[name];
    if (!c) throw new BatchScoreError(`missing column '${name}' required by the bundle`, name, undefined);
    if (n === undefined) n = c.length;
    else if (c.length !== n)
      throw new BatchScoreError(`column '${name}' has ${c.length} rows, expected ${n}`, name, undefined);
  }
  return n ?? 0;
}

/** Scores every row of `input` through the bundle at `bundle` (a directory or an already loaded bundle). */
export async function scoreTable(
  bundle: string | LoadedBundle,
  input: TableInput,
  opts: ScoreOptions = {},
): Promise<BatchScores> {
  const loaded = typeof bundle === "string" ? loadBundle(bundle) : bundle;
  const runner = await ModelRunner.load(loaded, { coalesce: false });
  try {
    const size = opts.batchSize ?? 4096;
    const width = loaded.meta.output.width;
    const isRows = Array.isArray(input);
    const names = loaded.meta.inputs.map((i) => i.name);
    const n = isRows
      ? (input as readonly unknown[]).length
      : tableLength(input as Record<string, ArrayLike<unknown>>, names);
    const scores = new Float32Array(n * width);
    for (let start = 0; start < n; start += size) {
      const m = Math.min(size, n - start);
      const enc: ReturnType<typeof runner.encoder.encodeRecords> = isRows
        ? runner.encoder.encodeRecords((input as readonly unknown[]).slice(start, start + m), true)
        : runner.encoder.encodeColumns(input as Record<string, ArrayLike<unknown>>, start, m);
      if (isProblem(enc)) {
        const row = isRows && enc.index !== undefined ? start + enc.index : enc.index;
        const msg = isRows ? `row ${row}: ${enc.message}` : enc.message;
        throw new BatchScoreError(msg, enc.field, row);
      }
      const out = await runner.runDirect(enc as ColumnBatch);
      scores.set(out, start * width);
    }
    return { n, width, scores, meta: loaded.meta };
  } finally {
    runner.retire();
  }
}

/**
 * Output columns of batch scores, named as the API's fields: binary → `score` (P(positive)) and `label`;
 * multiclass → `p_<class>` per class and `label`; regression → `value`; ranking → `score`; anomaly →
 * `score` and, with a calibrated threshold, `anomaly` ("true"/"false") and `threshold`, as the API's fields.
 */
export function predictionColumns(r: BatchScores): Record<string, Float32Array | string[]> {
  const task = r.meta.task;
  const f = predictionFormatter(r.meta);
  const labels = (): string[] => {
    const out = new Array<string>(r.n);
    for (let i = 0; i < r.n; i++) out[i] = f.label(r.scores, i)!;
    return out;
  };
  switch (task.kind) {
    case "binary":
      return { score: r.scores, label: labels() };
    case "multiclass": {
      const classes = taskClasses(task)!;
      const cols: Record<string, Float32Array | string[]> = {};
      classes.forEach((c, j) => {
        const col = new Float32Array(r.n);
        for (let i = 0; i < r.n; i++) col[i] = r.scores[i * r.width + j]!;
        cols[`p_${c}`] = col;
      });
      cols.label = labels();
      return cols;
    }
    case "regression":
      return { value: r.scores };
    case "anomaly": {
      const threshold = task.threshold;
      if (threshold === undefined) return { score: r.scores };
      const anomaly = new Array<string>(r.n);
      for (let i = 0; i < r.n; i++) anomaly[i] = String(r.scores[i]! >= threshold);
      return { score: r.scores, anomaly, threshold: new Float32Array(r.n).fill(threshold) };
    }
    case "ranking":
      return { score: r.scores };
  }
}
