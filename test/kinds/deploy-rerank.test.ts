// The deploy executor's re-ranking stage (`rerank = RANKER`, src/kinds/deploy/rerank.ts): the ranker's
// bundle is published beside the model's and named in the pointer with its candidates; a ranker
// version without a history file, or whose history knows none of the retrieval catalogue (history.item
// holds other keys), fails apply with MLC2482 and writes no pointer; a model version without a
// retrieval file fails with MLC2208.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deployExecutor } from "../../src/kinds/deploy/executor.js";
import { NodeFailure, type ExecContext } from "../../src/ir/executor.js";
import type { Json } from "../../src/ir/graph-ir.js";
import { pointInTimeFeatures, RerankHistory } from "../../src/ml/recommend/rerank-features.js";
import { readDeployment } from "../../src/serve/deployment.js";
import { tinyRetrieval } from "../fixtures/tiny-retrieval.js";
import { tempProject } from "../serve/fixtures.js";
import { context } from "./experiment-fixtures.js";

const DAY = 86_400_000;
const sha = (b: Uint8Array): string => "sha256:" + createHash("sha256").update(b).digest("hex");

/** A history of the given items (user 0 clicked each on day 1). */
function history(items: number[]): Uint8Array {
  const rows = items.map((item) => ({ user: 0, item, category: "books", time: DAY, relevant: true }));
  return new RerankHistory(
    { user: "user_id", item: "item_id", category: "category", time: "ts" },
    pointInTimeFeatures(rows, () => true, DAY).state,
    DAY + 1,
  ).serialize();
}

/** Deployment `api` of model churn (with a retrieval file) re-ranked by model retention. */
function deployCtx(
  p: string,
  opts: { retrieval?: boolean; history?: Uint8Array; candidates?: number },
): ExecContext {
  const c = context(p, { churn: 1, retention: 2 });
  const churn = c.inputs.get("model.churn")!;
  const retention = c.inputs.get("model.retention")!;
  const retrieval = tinyRetrieval().serialize();
  const extra = new Map<string, Uint8Array>([[sha(retrieval), retrieval]]);
  if (opts.history) extra.set(sha(opts.history), opts.history);
  const get = c.artifacts.get;
  return {
    ...c,
    node: {
      id: "deploy.api",
      kind: "deploy",
      name: "api",
      config: {
        attributes: {
          model: { $ref: ["churn"] },
          rerank: { $ref: ["retention"] },
          ...(opts.candidates !== undefined ? { candidates: opts.candidates } : {}),
        } as { [k: string]: Json },
      },
      inputs: [],
    },
    inputs: new Map([
      [
        "model.churn",
        opts.retrieval === false
          ? churn
          : { ...churn, artifacts: { ...churn.artifacts, retrieval: sha(retrieval) } },
      ],
      [
        "model.retention",
        opts.history
          ? { ...retention, artifacts: { ...retention.artifacts, history: sha(opts.history) } }
          : retention,
      ],
    ]),
    artifacts: { ...c.artifacts, get: async (h) => extra.get(h) ?? get(h) },
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

describe("deploy with rerank", () => {
  it("publishes the ranker's bundle beside the model's and names it in the pointer", async () => {
    const p = tempProject();
    await deployExecutor.run(deployCtx(p, { history: history([0, 1]), candidates: 20 }));
    const ptr = readDeployment(p, "api")!;
    expect(ptr.rerank).toEqual({
      model: "retention",
      version: 2,
      bundle: join(".mlc", "bundles", "api", "retention-v2"),
      candidates: 20,
    });
    expect(existsSync(join(p, ptr.rerank!.bundle, "history.bin"))).toBe(true);
  });

  it("takes 100 candidates by default", async () => {
    const p = tempProject();
    await deployExecutor.run(deployCtx(p, { history: history([1]) }));
    expect(readDeployment(p, "api")!.rerank?.candidates).toBe(100);
  });

  it("refuses a ranker version without a history file (MLC2482)", async () => {
    const p = tempProject();
    const e = await failure(deployExecutor.run(deployCtx(p, {})));
    expect(e.code).toBe("MLC2482");
    expect(e.message).toMatch(/rerank model retention has no history file/);
    expect(readDeployment(p, "api")).toBeUndefined();
  });

  it("refuses a history that knows none of the retrieval catalogue (MLC2482)", async () => {
    const p = tempProject();
    const e = await failure(deployExecutor.run(deployCtx(p, { history: history([7, 8]) })));
    expect(e.code).toBe("MLC2482");
    expect(e.message).toMatch(/knows none of the 2 items the retrieval model recommends/);
    expect(e.hint).toMatch(/history\.item/);
    expect(readDeployment(p, "api")).toBeUndefined();
  });

  it("refuses a model version without a retrieval file (MLC2208)", async () => {
    const p = tempProject();
    const e = await failure(deployExecutor.run(deployCtx(p, { retrieval: false, history: history([0]) })));
    expect(e.code).toBe("MLC2208");
    expect(e.message).toMatch(/rerank re-orders the candidates of churn version 1's retrieval file/);
  });
});
