// mlc's own model file format (the MLP, the autoencoder) read back from the bytes the artifact store
// returns: a Node Buffer that is a window of a larger ArrayBuffer.
import { describe, expect, it } from "vitest";
import { packModel, unpackModel } from "../../src/ml/nn/packed-bytes.js";

describe("packed model files", () => {
  const W = Float32Array.from([1.5, -2, 3.25, 4, 5, 6]);
  const idx = Int32Array.from([7, 8, 9]);
  const bytes = packModel("mlp", { shapes: [[2, 3]] }, [
    ["W0", W],
    ["idx", idx],
  ]);

  it("reads every array with its own length from a Uint8Array", () => {
    const u = unpackModel("mlp", bytes);
    expect(Array.from(u.arrays.get("W0")!)).toEqual(Array.from(W));
    expect(Array.from(u.arrays.get("idx")!)).toEqual(Array.from(idx));
  });

  it("reads the same arrays from a Buffer that is a window of a larger buffer", () => {
    const stored = Buffer.concat([Buffer.from("pad"), bytes]).subarray(3);
    expect(stored.buffer.byteLength).toBeGreaterThan(stored.byteLength);
    const u = unpackModel("mlp", stored);
    expect(u.arrays.get("W0")!.length).toBe(6);
    expect(Array.from(u.arrays.get("W0")!)).toEqual(Array.from(W));
    expect(Array.from(u.arrays.get("idx")!)).toEqual(Array.from(idx));
  });
});
