// The iris example: a random forest, a logistic regression and an MLP train from model blocks
// through apply on one split, each with its preprocessing exported to ONNX and checked for parity.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applyProject } from "../../src/runtime/project.js";
import { openState } from "../../src/runtime/state/open.js";

describe("iris example through apply", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlc-iris-"));
  cpSync(resolve(__dirname, "../../examples/iris"), dir, { recursive: true, filter: (s) => !s.includes(".mlc") });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("trains every model, evaluates it and keeps ONNX parity", async () => {
    const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);
    const state = await openState(dir);
    try {
      for (const name of ["forest", "logit", "net"]) {
        const rec = await state.getNode(`model.${name}`);
        const m = rec!.result!.metrics!;
        expect(m["test.accuracy"], name).toBeGreaterThan(0.8);
        expect(m["test.accuracy.lower"]!).toBeLessThanOrEqual(m["test.accuracy"]!);
        expect(m.onnx_parity_max_diff!).toBeLessThan(1e-4);
      }
    } finally {
      await state.close();
    }
  });
});
