// The deploy executor and a version's retrieval file: `cold_start` or `cache` on a deployment whose
// version has no retrieval file (a version trained before the file existed, or its artifact lost)
// fails apply with MLC2208 and leaves the pointer as it was; with the file, both reach the pointer.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { deployExecutor } from "../../src/kinds/deploy/executor.js";
import { NodeFailure, type ExecContext } from "../../src/ir/executor.js";
import type { Json } from "../../src/ir/graph-ir.js";
import { readDeployment } from "../../src/serve/deployment.js";
import { tinyRetrieval } from "../fixtures/tiny-retrieval.js";
import { tempProject } from "../serve/fixtures.js";
import { context } from "./experiment-fixtures.js";

/** The deploy executor's context for deployment `api` of model churn version 1, with `attributes`. */
function deployCtx(p: string, attributes: { [k: string]: Json }, retrieval: boolean): ExecContext {
  const c = context(p, { churn: 1, retention: 1 });
  const model = c.inputs.get("model.churn")!;
  const bytes = tinyRetrieval().serialize();
  const hash = "sha256:" + createHash("sha256").update(bytes).digest("hex");
  const get = c.artifacts.get;
  return {
    ...c,
    node: {
      id: "deploy.api",
      kind: "deploy",
      name: "api",
      config: { attributes: { model: { $ref: ["churn"] }, ...attributes } },
      inputs: [],
    },
    inputs: new Map([
      ["model.churn", retrieval ? { ...model, artifacts: { ...model.artifacts, retrieval: hash } } : model],
    ]),
    artifacts: { ...c.artifacts, get: async (h) => (h === hash ? bytes : get(h)) },
  };
}

async function failure(p: Promise<unknown>): Promise<NodeFailure> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(NodeFailure);
    return e as NodeFailure;
  }
  throw new Error("expected a failure");
}

const coldStart: Json = [{ $ref: ["popularity"] }];
const cache: Json = {
  $call: "redis",
  args: [],
  named: { url: { $call: "env", args: ["MLC_CACHE_URL"], named: {} } },
};

describe("deploy of a version without a retrieval file (MLC2208)", () => {
  it("fails with cold_start, naming the version and the way out, and writes no pointer", async () => {
    const p = tempProject();
    const e = await failure(deployExecutor.run(deployCtx(p, { cold_start: coldStart }, false)));
    expect(e.code).toBe("MLC2208");
    expect(e.message).toMatch(/cold_start needs churn version 1's retrieval file/);
    expect(e.hint).toMatch(/mlc apply --replace model\.churn/);
    expect(readDeployment(p, "api")).toBeUndefined();
  });

  it("fails with cache the same way", async () => {
    const p = tempProject();
    const e = await failure(deployExecutor.run(deployCtx(p, { cache }, false)));
    expect(e.code).toBe("MLC2208");
    expect(e.message).toMatch(/cache needs churn version 1's retrieval file/);
    expect(readDeployment(p, "api")).toBeUndefined();
  });

  it("deploys with both when the version has its retrieval file", async () => {
    const p = tempProject();
    await deployExecutor.run(deployCtx(p, { cold_start: coldStart, cache }, true));
    const ptr = readDeployment(p, "api")!;
    expect(ptr.cold_start).toEqual(["popularity"]);
    expect(ptr.cache?.store).toMatchObject({ kind: "redis", url_env: "MLC_CACHE_URL" });
  });
});
