// The experiment executor: publishes each variant's bundle, starts the experiment in the pointer,
// records it, leaves a running one alone, and does not restart one that was concluded.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { experimentExecutor } from "../../src/kinds/experiment/executor.js";
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
      ["offer", 2, ".mlc/bundles/api/v2"],
    ]);
    await experimentExecutor.run(context(p, { churn: 1, retention: 2 }));
    expect(readExperimentEvents(p, "api", "offer_test").map((e) => e.event)).toEqual(["started"]);
    expect(readDeployment(p, "api")!.updated).toBe(ptr.updated);
  });

  it("does not restart an experiment concluded with the same versions, and fails clearly without a deployment", async () => {
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
    expect(readDeployment(p, "api")!.experiment).toBeUndefined();
    await expect(experimentExecutor.run(context(tempProject(), { churn: 1, retention: 2 }))).rejects.toThrow(
      /deployment api serves nothing yet/,
    );
  });
});
