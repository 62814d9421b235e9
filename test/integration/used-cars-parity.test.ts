// Issue 19: a GBDT price regression on an ordinary used-car listing must pass the bundle's
// parity check: the ONNX graph computes every feature bit for bit as training did.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyProject } from "../../src/runtime/project.js";
import { openState } from "../../src/runtime/state/open.js";
import { scoreTable } from "../../src/serve/batch-score.js";
import { loadBundle } from "../../src/serve/bundle.js";
import { readDeployment, resolveBundlePath } from "../../src/serve/deployment.js";
import { USED_CARS_MAKES, USED_CARS_SPEC, usedCarsCsv } from "../fixtures/used-cars.js";

describe("used-car price regression", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mlc-cars-"));
    mkdirSync(join(dir, "data"));
    writeFileSync(join(dir, "data/cars.csv"), usedCarsCsv());
    writeFileSync(join(dir, "cars.mlspec"), USED_CARS_SPEC);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("applies, and the ONNX graph scores the test rows as training did", async () => {
    const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
    if (!out.ok) throw new Error(JSON.stringify(out.diagnostics.map((d) => d.message)));
    expect(out.result.outcomes.filter((o) => o.status === "failed").map((o) => o.error)).toEqual([]);
    const state = await openState(dir);
    try {
      const metrics = (await state.getNode("model.price"))!.result!.metrics!;
      // Same features, same splits: what remains is the float32 sum of 100 leaf values.
      expect(metrics.onnx_parity_max_diff).toBeLessThan(1e-5);
    } finally {
      await state.close();
    }
  }, 60_000);

  it("scores a make never seen in training through the fallback column in batch scoring", async () => {
    const bundle = loadBundle(resolveBundlePath(dir, readDeployment(dir, "api")!.bundle));
    const make = bundle.meta.inputs.find((i) => i.name === "make")!;
    expect(make).toMatchObject({ type: "category", values: [...USED_CARS_MAKES].sort() });
    expect(make.unseen).toBeUndefined();
    expect(Object.fromEntries(bundle.meta.inputs.map((i) => [i.name, i.type]))).toMatchObject({
      year: "int",
      mileage: "int",
    });
    const rows = [
      { year: 2015, mileage: 90_000, make: "Tesla" },
      { year: 2015, mileage: 90_000, make: "Kia" },
    ];
    const scored = await scoreTable(bundle, rows);
    expect(Number.isFinite(scored.scores[0])).toBe(true);
    const state = await openState(dir);
    try {
      const features = (await state.getNode("model.price"))!.result!.summary!.features as string[];
      const brand = features.filter((f) => f.startsWith("brand"));
      expect(brand.at(-1)).toBe("brand:other");
      expect(brand.slice(0, -1).sort()).toEqual([...USED_CARS_MAKES].sort().map((m) => `brand=${m}`));
    } finally {
      await state.close();
    }
  });
});
