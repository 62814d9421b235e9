// The experiment executor: publishes each variant's bundle, starts the experiment in the pointer,
// records it, leaves a running one alone, and does not restart one that was concluded.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { experimentExecutor } from "../../src/kinds/experiment/executor.js";
import { loadBundle } from "../../src/serve/bundle.js";
import { readDeployment, writeDeployment } from "../../src/serve/deployment.js";
import { concludeExperiment } from "../../src/serve/experiment-control.js";
import { appendExperimentEvent, readExperimentEvents } from "../../src/serve/experiment-log.js";
import { buildFixtureBundle, tempProject } from "../serve/fixtures.js";
import { context } from "./experiment-fixtures.js";

describe("experiment executor", () => {
  it("starts the experiment beside the deployed control and records it; a second run changes nothing", async () => {
    const p = tempProject();
    buildFixtureBundle(join(p, ".mlc/bundles/api/v1"), { version: 1, scale: 1 });
    writeDeployment(p, "api", { version: 1, bundle: ".mlc/bundles/api/v1" }, "deployed");
    const r = await experimentExecutor.run(context(p, { churn: 1, retention: 2 }));
    expect(r.summary).toMatchObject({
      state: "running",
      arms: [
        { name: "control", share: 0.5, version: 1 },
        { name: "offer", share: 0.5, version: 2 },
      ],
    });
    expect((r.summary!.sample_size as { units: number }[])[0]!.units).toBeGreaterThan(1000);
    const ptr = readDeployment(p, "api")!;
    expect(ptr.version).toBe(1);
    expect(ptr.experiment!.arms.map((a) => [a.name, a.target.version, a.target.bundle])).toEqual([
      ["control", 1, ".mlc/bundles/api/v1"],
      ["offer", 2, ".mlc/bundles/api/retention-v2"],
    ]);
    await experimentExecutor.run(context(p, { churn: 1, retention: 2 }));
    expect(readExperimentEvents(p, "api", "offer_test").map((e) => e.event)).toEqual(["started"]);
    expect(readDeployment(p, "api")!.updated).toBe(ptr.updated);
  });

  it("keeps two models' versions of the same number apart: the variant's bundle goes beside the deployment's", async () => {
    const p = tempProject();
    buildFixtureBundle(join(p, ".mlc/bundles/api/v1"), { version: 1, scale: 1 });
    writeDeployment(p, "api", { version: 1, bundle: ".mlc/bundles/api/v1" }, "deployed");
    // before: both variants at version 1 were published to .mlc/bundles/api/v1 and the apply failed
    await experimentExecutor.run(context(p, { churn: 1, retention: 1 }));
    const arms = readDeployment(p, "api")!.experiment!.arms;
    expect(arms.map((a) => [a.target.version, a.target.bundle])).toEqual([
      [1, ".mlc/bundles/api/v1"],
      [1, ".mlc/bundles/api/retention-v1"],
    ]);
    expect(loadBundle(join(p, arms[1]!.target.bundle)).meta.model).toBe("retention");
  });

  it("does not restart a concluded experiment, and fails clearly without a deployment", async () => {
    const p = tempProject();
    buildFixtureBundle(join(p, ".mlc/bundles/api/v1"), { version: 1, scale: 1 });
    writeDeployment(p, "api", { version: 1, bundle: ".mlc/bundles/api/v1" }, "deployed");
    await experimentExecutor.run(context(p, { churn: 1, retention: 2 }));
    concludeExperiment(p, "api", "offer_test", "control", "stopped by hand");
    appendExperimentEvent(p, "api", {
      ts: new Date().toISOString(),
      experiment: "offer_test",
      event: "stopped",
      arm: "control",
      versions: { control: 1, offer: 2 },
      reason: "stopped by hand",
      by: "hand",
    });
    const r = await experimentExecutor.run(context(p, { churn: 1, retention: 2 }));
    expect(r.summary!.state).toBe("stopped");
    // nor with new versions: the same name and salt would re-expose the same units to the same arms
    const again = await experimentExecutor.run(context(p, { churn: 1, retention: 3 }));
    expect(again.summary!.state).toBe("stopped");
    expect(readDeployment(p, "api")!.experiment).toBeUndefined();
    await expect(experimentExecutor.run(context(tempProject(), { churn: 1, retention: 2 }))).rejects.toThrow(
      /deployment api serves nothing yet/,
    );
  });

  it("a running experiment is carried over by deploy, and a new version beside it is refused, not silently dropped", async () => {
    const { deployExecutor } = await import("../../src/kinds/deploy/executor.js");
    const p = tempProject();
    buildFixtureBundle(join(p, ".mlc/bundles/api/v1"), { version: 1, scale: 1 });
    writeDeployment(p, "api", { version: 1, bundle: ".mlc/bundles/api/v1" }, "deployed");
    await experimentExecutor.run(context(p, { churn: 1, retention: 2 }));
    const deployCtx = (version: number) => {
      const c = context(p, { churn: version, retention: 2 });
      return {
        ...c,
        node: {
          id: "deploy.api",
          kind: "deploy",
          name: "api",
          config: { attributes: { model: { $ref: ["churn"] } } },
          inputs: [],
        },
      };
    };
    // the same version (a log setting changed, say): the experiment stays in the pointer
    await deployExecutor.run(deployCtx(1));
    expect(readDeployment(p, "api")!.experiment?.name).toBe("offer_test");
    // before: version 3 replaced the pointer and the running experiment vanished from it
    await expect(deployExecutor.run(deployCtx(3))).rejects.toThrow(
      /experiment offer_test runs on api; churn version 3 cannot be deployed beside it/,
    );
    const ptr = readDeployment(p, "api")!;
    expect([ptr.version, ptr.experiment?.name]).toEqual([1, "offer_test"]);
  });
});
