import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { compiledWorkerUrl, newWorker, startReadyWorker } from "../../src/threads/worker-start.js";

const dir = mkdtempSync(join(tmpdir(), "mlc-worker-start-"));
function workerFile(name: string, body: string): URL {
  const file = join(dir, name);
  writeFileSync(file, `import { parentPort, workerData } from "node:worker_threads";\n${body}\n`);
  return pathToFileURL(file);
}
const ready = { isReady: (m: unknown) => m === "ready", timeoutMs: 10_000 };

describe("worker start", () => {
  it("resolves a worker that announces it is ready, and it receives its workerData", async () => {
    const url = workerFile(
      "echo.mjs",
      'parentPort.postMessage("ready"); parentPort.once("message", () => parentPort.postMessage(workerData.answer));',
    );
    const w = await startReadyWorker(url, { answer: 42 }, ready);
    expect(w).not.toBeNull();
    const answer = new Promise((r) => w!.once("message", r));
    w!.postMessage("go");
    expect(await answer).toBe(42);
    await w!.terminate();
  });

  it("counts a wrong first message, a crash at load or a missing file as not started", async () => {
    expect(
      await startReadyWorker(workerFile("other.mjs", 'parentPort.postMessage("busy");'), {}, ready),
    ).toBeNull();
    expect(
      await startReadyWorker(workerFile("crash.mjs", 'throw new Error("at load");'), {}, ready),
    ).toBeNull();
    expect(await startReadyWorker(pathToFileURL(join(dir, "absent.mjs")), {}, ready)).toBeNull();
  });

  it("terminates a worker that stays silent past the timeout", async () => {
    const silent = workerFile("silent.mjs", "setInterval(() => {}, 1000);");
    expect(await startReadyWorker(silent, {}, { ...ready, timeoutMs: 100 })).toBeNull();
  });

  it("gives null rather than throwing when the thread cannot be constructed", () => {
    expect(newWorker(new URL("https://example.invalid/worker.js"), {})).toBeNull();
  });

  it("finds no compiled worker that was never built", () => {
    expect(
      compiledWorkerUrl(pathToFileURL(join(dir, "src", "data", "reader.ts")).href, "no-such-worker.js"),
    ).toBeNull();
  });
});
