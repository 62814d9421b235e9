// Finding and starting mlc's worker threads. A worker that cannot be found, constructed or readied
// yields null, never an error: every caller then does the work in its own thread.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

/**
 * The compiled worker `workerFile` beside the module at `moduleUrl`, or, when that module is the
 * .ts source (under vitest), the same file under dist/; null when neither exists (not built).
 */
export function compiledWorkerUrl(moduleUrl: string, workerFile: string): URL | null {
  const here = new URL(`./${workerFile}`, moduleUrl);
  if (here.protocol === "file:" && existsSync(fileURLToPath(here))) return here;
  const m = /^(.*)[\\/]src[\\/](.+)[\\/][^\\/]+\.ts$/.exec(fileURLToPath(moduleUrl));
  if (m) {
    const dist = `${m[1]}/dist/src/${m[2]!.replace(/\\/g, "/")}/${workerFile}`;
    if (existsSync(dist)) return pathToFileURL(dist);
  }
  return null;
}

/** A new worker, or null when the thread cannot be constructed (a bad URL, no resources). */
export function newWorker(url: URL, workerData: unknown): Worker | null {
  try {
    return new Worker(url, { workerData });
  } catch {
    return null;
  }
}

interface ReadyOptions {
  /** Whether the worker's first message says it is ready; any other first message fails the start. */
  isReady(message: unknown): boolean;
  /** A worker not ready by then is terminated and counted as not started. */
  timeoutMs: number;
  /** Lets the process exit while the worker is idle (pools that live as long as a fit). */
  unref?: boolean;
}

/** A worker that has announced it is ready, or null when it failed, crashed or stayed silent. */
export function startReadyWorker(url: URL, workerData: unknown, o: ReadyOptions): Promise<Worker | null> {
  return new Promise((resolve) => {
    const w = newWorker(url, workerData);
    if (!w) return resolve(null);
    if (o.unref) w.unref();
    const fail = () => {
      void w.terminate();
      resolve(null);
    };
    const timer = setTimeout(fail, o.timeoutMs);
    w.once("message", (m: unknown) => {
      clearTimeout(timer);
      if (o.isReady(m)) resolve(w);
      else fail();
    });
    w.once("error", () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}
