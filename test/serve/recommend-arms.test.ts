// /v1/recommend under a canary rollout and an online experiment: a user is answered by the version its
// arm serves, the arm chosen as /v1/predict chooses it for a record whose key field holds that user;
// the response and the log name the arm, and each arm's list is its own version's.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildBundleDir } from "../../src/serve/bundle.js";
import { writeDeployment } from "../../src/serve/deployment.js";
import { startExperiment } from "../../src/serve/experiment-control.js";
import type { ExperimentRoute } from "../../src/serve/experiment-route.js";
import { readPredictionLog } from "../../src/serve/prediction-log-reader.js";
import { createPredictionServer, type PredictionServer } from "../../src/serve/server.js";
import { tinyRetrieval } from "../fixtures/tiny-retrieval.js";
import { fixtureMeta, fixtureOnnx, tempProject } from "./fixtures.js";

const rec = { tenure: 7, monthly: 20, active: true, plan: "basic" };

/** Bundles v1 (item vectors as is) and v2 (flipped: the other order) of deployment `d`. */
function project(): string {
  const p = tempProject();
  for (const v of [1, 2])
    buildBundleDir(
      join(p, `.mlc/bundles/d/v${v}`),
      fixtureOnnx({ version: v, scale: v }),
      fixtureMeta({ version: v }),
      {
        retrieval: tinyRetrieval(v === 1 ? 1 : -1).serialize(),
      },
    );
  return p;
}

const listOf = (version: number, user: number): number[] => {
  const r = tinyRetrieval(version === 1 ? 1 : -1);
  return r.topK(r.userRow(user), 3, false).map((x) => x.item);
};

interface RecBody {
  version: number;
  path: string;
  arm?: string;
  experiment?: string;
  items: { item: number }[];
}

async function both(s: PredictionServer, user: number): Promise<{ recommend: RecBody; predicted: string }> {
  const r = await s.app.inject({ method: "POST", url: "/v1/recommend", payload: { user, k: 3 } });
  expect(r.statusCode, r.body).toBe(200);
  const p = await s.app.inject({
    method: "POST",
    url: "/v1/predict",
    payload: { ...rec, customer_id: user },
  });
  expect(p.statusCode, p.body).toBe(200);
  return { recommend: r.json() as RecBody, predicted: p.json().predictions[0].arm as string };
}

describe("/v1/recommend under a canary", () => {
  it("answers each user from the arm /v1/predict routes its key to, named in the response and the log", async () => {
    const p = project();
    writeDeployment(
      p,
      "d",
      {
        version: 1,
        bundle: ".mlc/bundles/d/v1",
        cold_start: ["popularity"],
        rollout: {
          kind: "canary",
          share: 0.5,
          key: "customer_id",
          candidate: { version: 2, bundle: ".mlc/bundles/d/v2" },
        },
      },
      "canary",
    );
    const s = createPredictionServer({ projectDir: p, deployment: "d", predictionLog: {} });
    await s.loaded;
    const arms = new Map<number, string>();
    for (let user = 0; user < 40; user++) {
      const { recommend, predicted } = await both(s, user);
      expect(recommend.arm).toBe(predicted);
      expect(recommend.version).toBe(predicted === "canary" ? 2 : 1);
      expect(recommend.experiment).toBeUndefined();
      if (user < 2) expect(recommend.items.map((x) => x.item)).toEqual(listOf(recommend.version, user));
      else expect(recommend.path).toBe("popularity");
      arms.set(user, predicted);
    }
    expect(new Set(arms.values())).toEqual(new Set(["stable", "canary"]));
    await s.close();
    const logged = readPredictionLog(p, "d", { arms: ["recommend"] });
    expect(logged).toHaveLength(40);
    for (const e of logged) {
      const user = (e.features as { user: number }).user;
      expect((e.output as { arm: string }).arm).toBe(arms.get(user));
      expect(e.model_version).toBe(arms.get(user) === "canary" ? 2 : 1);
    }
  });

  it("answers from the stable version alone, without an arm, when nothing is rolled out", async () => {
    const p = project();
    writeDeployment(p, "d", { version: 2, bundle: ".mlc/bundles/d/v2" }, "v2");
    const s = createPredictionServer({ projectDir: p, deployment: "d" });
    await s.loaded;
    const r = (
      await s.app.inject({ method: "POST", url: "/v1/recommend", payload: { user: 0, k: 3 } })
    ).json();
    expect(r).toMatchObject({ version: 2, path: "model" });
    expect(r.arm).toBeUndefined();
    expect(r.items.map((x: { item: number }) => x.item)).toEqual(listOf(2, 0));
    await s.close();
  });
});

describe("/v1/recommend under an experiment", () => {
  it("answers each user from its experiment arm, the arm /v1/predict gives the same key", async () => {
    const p = project();
    writeDeployment(p, "d", { version: 1, bundle: ".mlc/bundles/d/v1", cold_start: ["popularity"] }, "v1");
    const route: ExperimentRoute = {
      name: "recs_test",
      key: "customer_id",
      salt: "recs_test",
      control: "control",
      arms: [
        { name: "control", share: 0.5, target: { version: 1, bundle: ".mlc/bundles/d/v1" } },
        { name: "flipped", share: 0.5, target: { version: 2, bundle: ".mlc/bundles/d/v2" } },
      ],
      started: "2026-12-03T00:00:00.000Z",
    };
    startExperiment(p, "d", route, "experiment recs_test started");
    const s = createPredictionServer({ projectDir: p, deployment: "d", predictionLog: {} });
    await s.loaded;
    const seen = new Set<string>();
    for (let user = 0; user < 40; user++) {
      const { recommend, predicted } = await both(s, user);
      expect(recommend).toMatchObject({ experiment: "recs_test", arm: predicted });
      expect(recommend.version).toBe(predicted === "flipped" ? 2 : 1);
      if (user < 2) expect(recommend.items.map((x) => x.item)).toEqual(listOf(recommend.version, user));
      seen.add(predicted);
    }
    expect(seen).toEqual(new Set(["control", "flipped"]));
    await s.close();
    const logged = readPredictionLog(p, "d", { arms: ["recommend"] });
    expect(logged.map((e) => (e.output as { experiment: string }).experiment)).toEqual(
      Array(40).fill("recs_test"),
    );
  });
});
