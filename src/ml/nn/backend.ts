// Loads TensorFlow.js once: @tensorflow/tfjs-node when it is installed (optional dependency),
// otherwise @tensorflow/tfjs on the WASM backend, with the pure-JS cpu backend as a last resort.
import { createRequire } from "node:module";
import path from "node:path";

export type Tf = typeof import("@tensorflow/tfjs");
type TfBackendName = "tensorflow" | "wasm" | "cpu";

interface LoadedTf {
  tf: Tf;
  backend: TfBackendName;
}

let loading: Promise<LoadedTf> | undefined;
let loaded: LoadedTf | undefined;

interface LoadOptions {
  /** Skip tfjs-node even when installed (tests of the WASM path). */
  preferWasm?: boolean;
  log?: (message: string) => void;
}

/** Loads and initialises TensorFlow.js; later calls return the same instance. */
export function loadTf(opts: LoadOptions = {}): Promise<LoadedTf> {
  loading ??= initialise(opts).then((l) => (loaded = l));
  return loading;
}

/** The loaded TensorFlow.js, for synchronous prediction; loadTf() must have completed. */
export function tfSync(): Tf {
  if (!loaded)
    throw new Error(
      "TensorFlow.js is not initialised: await loadTf() (from src/ml/nn/backend.ts) before predicting with a neural model",
    );
  return loaded.tf;
}

/** Which backend is in use, or undefined before loadTf() completes. */
export function tfBackend(): TfBackendName | undefined {
  return loaded?.backend;
}

async function initialise(opts: LoadOptions): Promise<LoadedTf> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  if (!opts.preferWasm && process.env.MLC_TF_BACKEND !== "wasm" && process.env.MLC_TF_BACKEND !== "cpu") {
    const native = await importNative();
    if (native) {
      await native.ready();
      log("mlc: TensorFlow.js backend: tensorflow (@tensorflow/tfjs-node)");
      return { tf: native, backend: "tensorflow" };
    }
  }
  const tf = await import("@tensorflow/tfjs");
  if (process.env.MLC_TF_BACKEND !== "cpu") {
    try {
      const wasm = await import("@tensorflow/tfjs-backend-wasm");
      const require = createRequire(import.meta.url);
      // The package's main file sits in dist/, next to the .wasm binaries.
      const dist = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm"));
      wasm.setWasmPaths(dist + path.sep);
      if (await tf.setBackend("wasm")) {
        await tf.ready();
        log("mlc: TensorFlow.js backend: wasm (@tensorflow/tfjs-backend-wasm)");
        return { tf, backend: "wasm" };
      }
    } catch (e) {
      log(
        `mlc: TensorFlow.js WASM backend failed (${e instanceof Error ? e.message : String(e)}); using the cpu backend`,
      );
    }
  }
  await tf.setBackend("cpu");
  await tf.ready();
  log("mlc: TensorFlow.js backend: cpu (pure JavaScript)");
  return { tf, backend: "cpu" };
}

/** tfjs-node is optional: import it by a computed name so a missing package is not a type error. */
async function importNative(): Promise<Tf | undefined> {
  const name = "@tensorflow/tfjs-node";
  try {
    const mod = (await import(name)) as Tf & { default?: Tf };
    return mod.default && typeof mod.default.tensor === "function" ? mod.default : mod;
  } catch {
    return undefined;
  }
}
