// End to end: a model whose features all come from `passthrough = all` trains, its ONNX bundle takes
// those columns as inputs (the excepted ones not), and the served deployment predicts from them.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBundle } from "../../src/serve/bundle.js";
import { createPredictionServer, type PredictionServer } from "../../src/serve/server.js";
import { applyOk, spec, tinyProject } from "./deploy-project.js";

const WRITTEN = "features f {\n  from = rows\n  a    = x1\n  b    = x2\n}";
const PASSTHROUGH = "features f {\n  from        = rows\n  passthrough = all\n  except      = [id, y]\n}";

describe("passthrough features through apply and serving", () => {
  let dir: string;
  let server: PredictionServer | undefined;

  beforeAll(async () => {
    dir = tinyProject(5);
    const text = spec(5);
    expect(text).toContain(WRITTEN);
    writeFileSync(join(dir, "tiny.mlspec"), text.replace(WRITTEN, PASSTHROUGH));
    await applyOk(dir);
    server = createPredictionServer({ projectDir: dir, deployment: "api", predictionLog: false });
    await server.loaded;
  }, 240_000);

  afterAll(async () => {
    await server?.close();
  });

  it("bundles the passed-through columns as the model's inputs, typed from the schema", () => {
    const meta = loadBundle(join(dir, ".mlc", "bundles", "api", "v1")).meta;
    expect(meta.inputs.map((i) => [i.name, i.type])).toEqual([
      ["x1", "float"],
      ["x2", "float"],
    ]);
  });

  it("serves predictions from those columns, and refuses a request without one", async () => {
    const post = (instances: unknown[]) =>
      server!.app.inject({
        method: "POST",
        url: "/v1/predict",
        payload: JSON.stringify({ instances }),
        headers: { "content-type": "application/json" },
      });
    const ok = await post([{ x1: 0.3, x2: -1.2 }]);
    expect(ok.statusCode, ok.body).toBe(200);
    expect((JSON.parse(ok.body) as { predictions: unknown[] }).predictions).toHaveLength(1);
    const missing = await post([{ x1: 0.3 }]);
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain("x2");
  });
});
