// Runs an ONNX model synchronously: onnxruntime-node only offers an async run(), so a worker thread
// owns the session and the caller blocks on Atomics.wait until the worker posts the result back.
import { createRequire } from "node:module";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { EXACT_GRAPH_OPTIONS } from "../../onnx/session.js";

interface SyncRunRequest {
  inputName: string;
  /** Float32Array or Float64Array, row-major. */
  data: Float32Array | Float64Array;
  dims: number[];
  outputName: string;
}

interface SyncRunResult {
  data: Float64Array;
  dims: number[];
}

// Plain CommonJS run by `eval: true`, so it works from compiled dist and from TypeScript tests alike.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const ort = require(workerData.ortPath);
const { port, flag, model, options } = workerData;
const ready = ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3, ...options });
port.on("message", async (req) => {
  let reply;
  try {
    const session = await ready;
    const type = req.data instanceof Float64Array ? "float64" : "float32";
    const out = await session.run({ [req.inputName]: new ort.Tensor(type, req.data, req.dims) }, [req.outputName]);
    const t = out[req.outputName];
    const data = new Float64Array(t.data.length);
    for (let i = 0; i < data.length; i++) data[i] = Number(t.data[i]);
    reply = { ok: true, data, dims: t.dims.map(Number) };
  } catch (e) {
    reply = { ok: false, error: e && e.message ? e.message : String(e) };
  }
  port.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

export class SyncOnnxSession {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));

  constructor(model: Uint8Array) {
    const { port1, port2 } = new MessageChannel();
    const ortPath = createRequire(import.meta.url).resolve("onnxruntime-node");
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // The graph rewrites serving disables are disabled here too, so training sees serving's numbers.
      workerData: { ortPath, port: port2, flag: this.flag, model, options: EXACT_GRAPH_OPTIONS },
      transferList: [port2],
    });
    // The worker must not keep the process alive once the model is no longer used.
    this.worker.unref();
    this.port = port1;
    this.port.unref();
  }

  run(req: SyncRunRequest): SyncRunResult {
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(req);
    // Wait in slices so a dead worker surfaces as an error instead of a hang.
    for (let waited = 0; Atomics.load(this.flag, 0) === 0; waited += 1000) {
      Atomics.wait(this.flag, 0, 0, 1000);
      if (waited > 600_000) throw new Error("onnx: the ONNX Runtime worker did not answer within 10 minutes");
    }
    const msg = receiveMessageOnPort(this.port)?.message as
      { ok: true; data: Float64Array; dims: number[] } | { ok: false; error: string } | undefined;
    if (!msg) throw new Error("onnx: the ONNX Runtime worker signalled without a reply");
    if (!msg.ok) throw new Error(`onnx: ONNX Runtime failed: ${msg.error}`);
    return { data: msg.data, dims: msg.dims };
  }

  close(): Promise<number> {
    this.port.close();
    return this.worker.terminate();
  }
}
