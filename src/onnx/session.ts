// Runs ONNX models with onnxruntime-node: one place that knows how to load a session and
// turn typed arrays into feeds, so tests, parity checks and the server share it.
import * as ort from "onnxruntime-node";

// onnxruntime's environment, set up by the first session of a process, otherwise creates and syncs a
// device-id database under ~/.cache/Microsoft/DeveloperTools (SQLite with fsyncs, ~45 ms on apply's
// main thread, again at exit) for its telemetry. mlc sends nothing anywhere; a user's own setting stands.
process.env.ORT_DISABLE_TELEMETRY ??= "1";

export type FeedValue =
  | { type: "float"; data: Float32Array; dims: number[] }
  | { type: "double"; data: Float64Array; dims: number[] }
  | { type: "int64"; data: BigInt64Array; dims: number[] }
  | { type: "string"; data: string[]; dims: number[] }
  | { type: "bool"; data: Uint8Array; dims: number[] };

const ORT_TYPE = {
  float: "float32",
  double: "float64",
  int64: "int64",
  string: "string",
  bool: "bool",
} as const;

export interface OnnxSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, FeedValue>): Promise<Record<string, ort.Tensor>>;
  release(): Promise<void>;
}

/**
 * Graph rewrites that change float32 results, disabled wherever mlc runs a graph (the parity
 * check, the server, batch scoring) so the graph computes exactly what the batch backend does.
 * DivMulFusion turns `(1 / x) * y` into `y / x`, which rounds once instead of twice.
 */
export const INEXACT_REWRITES = ["DivMulFusion"];

/**
 * The option's value: onnxruntime-node passes it on as one string, and only ";" separates names
 * there (with "," no optimizer of a list is disabled). Common-subexpression elimination stays on:
 * it is slow where a value has thousands of readers, but mlc's own graphs reach it with equal
 * nodes already shared (OnnxGraph.op), and other graphs (imported models) need it.
 */
export const DISABLED_OPTIMIZERS = INEXACT_REWRITES.join(";");

/** Session options that keep feature arithmetic bit-identical to the batch backend. */
export const EXACT_GRAPH_OPTIONS: Pick<
  ort.InferenceSession.SessionOptions,
  "graphOptimizationLevel" | "extra"
> = {
  graphOptimizationLevel: "all",
  extra: { optimization: { disable_specified_optimizers: DISABLED_OPTIMIZERS } },
};

export async function loadSession(model: Uint8Array | string): Promise<OnnxSession> {
  // Severity 3 (errors only): onnxruntime's warnings about optimisations it applies are noise to users.
  const opts: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    ...EXACT_GRAPH_OPTIONS,
    logSeverityLevel: 3,
  };
  const session =
    typeof model === "string"
      ? await ort.InferenceSession.create(model, opts)
      : await ort.InferenceSession.create(model, opts);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds) {
      const tensors: Record<string, ort.Tensor> = {};
      for (const [name, v] of Object.entries(feeds))
        tensors[name] = new ort.Tensor(ORT_TYPE[v.type], v.data as never, v.dims);
      return (await session.run(tensors)) as Record<string, ort.Tensor>;
    },
    release: () => session.release(),
  };
}
