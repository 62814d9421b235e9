import { describe, expect, it } from "vitest";
import { OnnxGraph, floats } from "../../src/onnx/builder.js";
import { loadSession } from "../../src/onnx/session.js";

describe("OnnxGraph", () => {
  it("builds a graph that onnxruntime runs (Add + ai.onnx.ml Scaler)", async () => {
    const g = new OnnxGraph();
    const x = g.input("x", "float", ["N", 2]);
    const c = g.constant("float", [2], [1, 2]);
    const sum = g.op("Add", [x, c]);
    g.node(
      "Scaler",
      [sum],
      ["y"],
      { offset: floats([1, 1]), scale: floats([2, 0.5]) },
      { domain: "ai.onnx.ml" },
    );
    g.output("y", "float", ["N", 2]);
    const s = await loadSession(g.toBytes());
    const out = await s.run({ x: { type: "float", data: Float32Array.from([1, 2, 3, 4]), dims: [2, 2] } });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([2, 1.5, 6, 2.5]);
  });

  it("serialises deterministically", () => {
    const build = () => {
      const g = new OnnxGraph();
      g.input("x", "float", ["N", 1]);
      g.node("Identity", ["x"], ["y"]);
      g.output("y", "float", ["N", 1]);
      return Buffer.from(g.toBytes()).toString("hex");
    };
    expect(build()).toBe(build());
  });
});
