// The first onnxruntime session of a process writes nothing into the user's home: mlc turns off
// onnxruntime's telemetry (its device-id database under ~/.cache/Microsoft/DeveloperTools, synced
// to disk on the main thread). Its own file: onnxruntime sets up its environment once per process.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const home = mkdtempSync(join(tmpdir(), "mlc-ort-home-"));
const before = { HOME: process.env.HOME, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME };
// before onnxruntime's environment exists (no session has been created in this file's process)
process.env.HOME = home;
delete process.env.XDG_CACHE_HOME;

describe("onnxruntime sessions", () => {
  afterAll(() => {
    process.env.HOME = before.HOME;
    if (before.XDG_CACHE_HOME !== undefined) process.env.XDG_CACHE_HOME = before.XDG_CACHE_HOME;
    rmSync(home, { recursive: true, force: true });
  });

  it("leave no telemetry database in the home directory", async () => {
    const { OnnxGraph } = await import("../../src/onnx/builder.js");
    const { loadSession } = await import("../../src/onnx/session.js");
    expect(process.env.ORT_DISABLE_TELEMETRY).toBe("1");
    const g = new OnnxGraph();
    g.input("x", "float", ["N", 1]);
    g.node("Identity", ["x"], ["y"]);
    g.output("y", "float", ["N", 1]);
    const s = await loadSession(g.toBytes());
    await s.run({ x: { type: "float", data: Float32Array.from([1]), dims: [1, 1] } });
    await s.release();
    expect(existsSync(join(home, ".cache", "Microsoft"))).toBe(false);
  });
});
