// publishBundle writes a version's bundle once: the same model is kept, another model under the same
// number is refused with the bundle untouched, a damaged bundle is set aside and rebuilt.
import { appendFileSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BundleError, loadBundle, publishBundle } from "../../src/serve/bundle.js";
import { fixtureMeta, fixtureOnnx, tempProject } from "./fixtures.js";

describe("publishBundle", () => {
  it("writes, keeps the same model, refuses another, repairs a damaged one", () => {
    const root = tempProject();
    const dir = join(root, "v1");
    expect(publishBundle(dir, fixtureOnnx(), fixtureMeta()).action).toBe("written");
    const before = readFileSync(join(dir, "bundle.json"), "utf8");

    const again = publishBundle(dir, fixtureOnnx(), {
      ...fixtureMeta(),
      created: "2030-01-01T00:00:00.000Z",
    });
    expect(again.action).toBe("kept");
    expect(readFileSync(join(dir, "bundle.json"), "utf8")).toBe(before);

    expect(() => publishBundle(dir, fixtureOnnx({ scale: 2 }), fixtureMeta())).toThrow(BundleError);
    expect(() => publishBundle(dir, fixtureOnnx({ scale: 2 }), fixtureMeta())).toThrow(
      /refusing to overwrite/,
    );
    expect(readFileSync(join(dir, "bundle.json"), "utf8")).toBe(before);

    appendFileSync(join(dir, "model.onnx"), "garbage");
    expect(() => loadBundle(dir)).toThrow(BundleError);
    // Damaged, but its bundle.json still says it held another model: refused, not repaired.
    expect(() => publishBundle(dir, fixtureOnnx({ scale: 2 }), fixtureMeta())).toThrow(
      /refusing to overwrite/,
    );
    const repaired = publishBundle(dir, fixtureOnnx(), fixtureMeta());
    expect(repaired.action).toBe("repaired");
    expect(loadBundle(dir).meta.version).toBe(1);
    expect(readdirSync(root).some((f) => f.startsWith(".v1.damaged-"))).toBe(true);
  });
});
