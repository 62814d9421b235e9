import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  historyPath,
  previousVersion,
  readDeployment,
  readHistory,
  validatePointer,
  writeDeployment,
} from "../../src/serve/deployment.js";
import { tempProject } from "./fixtures.js";

describe("deployment pointer", () => {
  it("is absent before the first deploy", () => {
    expect(readDeployment(tempProject(), "churn_api")).toBeUndefined();
    expect(previousVersion(tempProject(), "churn_api")).toBeUndefined();
  });

  it("writes the pointer with bundle paths relative to the project and records history", () => {
    const p = tempProject();
    writeDeployment(
      p,
      "churn_api",
      { version: 1, bundle: join(p, ".mlc/bundles/churn_api/v1") },
      "first deploy",
      new Date("2026-01-01T00:00:00Z"),
    );
    writeDeployment(p, "churn_api", { version: 2, bundle: ".mlc/bundles/churn_api/v2" }, "gate ship passed");
    const cur = readDeployment(p, "churn_api")!;
    expect(cur.version).toBe(2);
    expect(cur.bundle).toBe(".mlc/bundles/churn_api/v2");
    expect(cur.reason).toBe("gate ship passed");
    const hist = readHistory(p, "churn_api");
    expect(hist.map((h) => [h.version, h.previous])).toEqual([
      [1, undefined],
      [2, 1],
    ]);
    expect(hist[0]!.bundle).toBe(".mlc/bundles/churn_api/v1");
    expect(hist[0]!.updated).toBe("2026-01-01T00:00:00.000Z");
  });

  it("walks back one version per rollback", () => {
    const p = tempProject();
    for (const v of [1, 2, 3]) writeDeployment(p, "d", { version: v, bundle: `b/v${v}` }, `deploy v${v}`);
    expect(previousVersion(p, "d")).toEqual({ version: 2, bundle: "b/v2" });
    writeDeployment(p, "d", previousVersion(p, "d")!, "rollback");
    expect(previousVersion(p, "d")).toEqual({ version: 1, bundle: "b/v1" });
    writeDeployment(p, "d", previousVersion(p, "d")!, "rollback");
    expect(readDeployment(p, "d")!.version).toBe(1);
    expect(previousVersion(p, "d")).toBeUndefined();
    writeDeployment(p, "d", { version: 4, bundle: "b/v4" }, "deploy v4");
    expect(previousVersion(p, "d")).toEqual({ version: 1, bundle: "b/v1" });
  });

  it("keeps canary rollouts in the pointer and rejects invalid ones", () => {
    const p = tempProject();
    writeDeployment(
      p,
      "d",
      {
        version: 1,
        bundle: "b/v1",
        rollout: {
          kind: "canary",
          share: 0.1,
          key: "customer_id",
          candidate: { version: 2, bundle: "b/v2" },
        },
      },
      "canary 10%",
    );
    expect(readDeployment(p, "d")!.rollout).toEqual({
      kind: "canary",
      share: 0.1,
      key: "customer_id",
      candidate: { version: 2, bundle: "b/v2" },
    });
    expect(() =>
      writeDeployment(
        p,
        "d",
        {
          version: 1,
          bundle: "b/v1",
          rollout: { kind: "canary", share: 1.5, key: "k", candidate: { version: 2, bundle: "b/v2" } },
        },
        "x",
      ),
    ).toThrow(/rollout.share/);
    expect(readFileSync(historyPath(p, "d"), "utf8").trim().split("\n")).toHaveLength(1);
  });

  it("rejects unsafe deployment names", () => {
    expect(() => readDeployment(tempProject(), "../etc")).toThrow(/invalid deployment name/);
  });
});

describe("the pointer's log setting", () => {
  const log = {
    store: { kind: "redis" as const, url_env: "MLC_LOG_URL", prefix: "mlc:log" },
    retention_seconds: 86400,
  };

  it("is kept by writers that do not set it (rollback) and replaced or removed by one that does", () => {
    const p = tempProject();
    writeDeployment(p, "d", { version: 1, bundle: "b1", log }, "deploy v1");
    writeDeployment(p, "d", { version: 2, bundle: "b2", log }, "deploy v2");
    // As `mlc rollback` moves the pointer: the previous version, written without a log key.
    writeDeployment(p, "d", previousVersion(p, "d")!, "rollback to v1");
    expect(readDeployment(p, "d")).toMatchObject({ version: 1, log });
    writeDeployment(p, "d", { version: 3, bundle: "b3", log: undefined }, "back to files");
    expect(readDeployment(p, "d")!.log).toBeUndefined();
  });

  it("is validated when read", () => {
    expect(
      validatePointer({ version: 1, bundle: "b", log: { store: { kind: "redis", prefix: "x" } } }),
    ).toEqual(["log.store: a redis store needs url or url_env"]);
    expect(
      validatePointer({ version: 1, bundle: "b", log: { store: { kind: "files" }, exclude: [1] } }),
    ).toEqual(["log.exclude: expected a list of field names"]);
  });
});
