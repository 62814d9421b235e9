// `mlc state rebuild` after an experiment: a variant of another model keeps its versions in
// `.mlc/bundles/<deployment>/<model>-v<N>`; rebuild registers them and sets the champion of the model
// the pointer really serves (same version numbers in two models never get mixed up).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ModelRegistry } from "../../src/registry/model-registry.js";
import { rebuildRegistry } from "../../src/runtime/registry/rebuild.js";
import { guardLostState } from "../../src/runtime/registry/lost-state.js";
import { openState } from "../../src/runtime/state/open.js";
import { buildBundleDir } from "../../src/serve/bundle.js";
import { writeDeployment } from "../../src/serve/deployment.js";
import { fixtureMeta, fixtureOnnx, tempProject } from "../serve/fixtures.js";

function variantProject(): string {
  const p = tempProject();
  const bundle = (folder: string, model: string, version: number, scale: number) =>
    buildBundleDir(join(p, ".mlc/bundles/api", folder), fixtureOnnx({ version, scale }), {
      ...fixtureMeta({ version }),
      deployment: "api",
      model,
    });
  bundle("v1", "churn", 1, 1);
  bundle("v2", "churn", 2, 2);
  bundle("retention-v1", "retention", 1, 3);
  bundle("retention-v2", "retention", 2, 4);
  return p;
}

describe("state rebuild and experiment variant bundles", () => {
  it("registers `<model>-v<N>` bundles and gives the champion to the model the pointer serves", async () => {
    const p = variantProject();
    // the experiment promoted retention v2: the pointer serves its bundle at version 2, as churn v2 is too
    writeDeployment(p, "api", { version: 2, bundle: ".mlc/bundles/api/retention-v2" }, "promoted");
    const s = await openState(p);
    try {
      const r = await rebuildRegistry(p, s);
      expect(r.skipped).toEqual([]);
      expect(r.registered.sort()).toEqual(["churn@1", "churn@2", "retention@1", "retention@2"]);
      expect(r.aliases).toEqual(["retention champion → 2 (deployment api)"]);
      const reg = new ModelRegistry(s);
      expect((await reg.alias("retention", "champion"))?.version).toBe(2);
      expect(await reg.alias("churn", "champion")).toBeUndefined();
      // the next version of retention is numbered after the bundles on disk
      expect(await s.records.nextSequence("model.retention")).toBe(3);
    } finally {
      await s.close();
    }
  });

  it("a lost state names the variant model's versions too", async () => {
    const p = variantProject();
    writeDeployment(p, "api", { version: 1, bundle: ".mlc/bundles/api/v1" }, "deployed");
    const s = await openState(p);
    try {
      const err = await guardLostState(p, s).catch((e: unknown) => e);
      expect((err as Error).message).toContain("4 bundles");
      expect((err as Error).message).toContain("retention up to version 2");
    } finally {
      await s.close();
    }
  });
});
