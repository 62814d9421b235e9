// The Open Inference Protocol's /v2 infer without a version routes rows as /v1/predict routes the
// same records: a canary by its key, an experiment by its unit (a 400 naming the key when a row lacks
// it); the answer says each row's arm and version, and the log labels them as /v1's rows are.
// Naming a version still addresses that version alone. GET /v2 is the server's metadata.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeDeployment } from "../../src/serve/deployment.js";
import { startExperiment } from "../../src/serve/experiment-control.js";
import type { ExperimentRoute } from "../../src/serve/experiment-route.js";
import { readPredictionLog } from "../../src/serve/prediction-log-reader.js";
import { createPredictionServer, type PredictionServer } from "../../src/serve/server.js";
import { projectWithVersions } from "./fixtures.js";

const rec = (i: number) => ({ tenure: 3 + (i % 40), monthly: 20 + i, active: i % 2 === 0, plan: "basic" });
const ids = Array.from({ length: 60 }, (_, i) => `cust-${i}`);

/** The rows as tensors, with the routing key as one more BYTES tensor. */
const tensors = (keys: readonly (string | null)[], key = "customer_id") => {
  const rs = keys.map((_, i) => rec(i));
  return [
    { name: "tenure", datatype: "INT64", shape: [rs.length], data: rs.map((r) => r.tenure) },
    { name: "monthly", datatype: "FP32", shape: [rs.length], data: rs.map((r) => r.monthly) },
    { name: "active", datatype: "BOOL", shape: [rs.length], data: rs.map((r) => r.active) },
    { name: "plan", datatype: "BYTES", shape: [rs.length], data: rs.map((r) => r.plan) },
    { name: key, datatype: "BYTES", shape: [rs.length], data: keys },
  ];
};

function project(): string {
  const p = projectWithVersions();
  writeDeployment(p, "d", { version: 1, bundle: ".mlc/bundles/d/v1" }, "deploy v1");
  return p;
}

async function serve(p: string): Promise<PredictionServer> {
  const s = createPredictionServer({ projectDir: p, deployment: "d", maxBatch: 1000, predictionLog: {} });
  await s.loaded;
  return s;
}

const post = (s: PredictionServer, url: string, payload: unknown, id?: string) =>
  s.app.inject({
    method: "POST",
    url,
    payload: JSON.stringify(payload),
    headers: { "content-type": "application/json", ...(id ? { "x-request-id": id } : {}) },
  });

/** /v1/predict's answer for each key: [arm, version, probability of the positive class]. */
async function v1Answers(s: PredictionServer): Promise<[string, number, number][]> {
  const out: [string, number, number][] = [];
  for (let i = 0; i < ids.length; i++) {
    const body = (await post(s, "/v1/predict", { ...rec(i), customer_id: ids[i] })).json() as {
      predictions: { arm: string; model_version: number; probabilities: Record<string, number> }[];
    };
    const p = body.predictions[0]!;
    out.push([p.arm, p.model_version, p.probabilities.churn!]);
  }
  return out;
}

describe("OIP v2 routing", () => {
  it("routes rows of a canary by its key, as /v1/predict does, and says which arm answered", async () => {
    const p = project();
    writeDeployment(
      p,
      "d",
      {
        version: 1,
        bundle: ".mlc/bundles/d/v1",
        rollout: {
          kind: "canary",
          share: 0.4,
          key: "customer_id",
          candidate: { version: 2, bundle: ".mlc/bundles/d/v2" },
        },
      },
      "canary",
    );
    const s = await serve(p);
    try {
      const expected = await v1Answers(s);
      expect(new Set(expected.map((e) => e[0]))).toEqual(new Set(["stable", "canary"]));
      const res = await post(s, "/v2/models/d/infer", { inputs: tensors(ids) }, "oip-canary");
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as {
        model_version: string;
        parameters: { arms: string; model_versions: string };
        outputs: { name: string; data: number[] }[];
      };
      expect(body.model_version).toBe("1+2");
      expect(body.parameters.arms.split(",")).toEqual(expected.map((e) => e[0]));
      expect(body.parameters.model_versions.split(",").map(Number)).toEqual(expected.map((e) => e[1]));
      const probs = body.outputs.find((o) => o.name === "probabilities")!.data;
      expected.forEach((e, i) => expect(probs[i * 2 + 1]).toBeCloseTo(e[2], 6));
      // a named version is that version alone, for every row
      const v2 = (await post(s, "/v2/models/d/versions/2/infer", { inputs: tensors(ids) })).json() as {
        model_version: string;
        parameters?: unknown;
      };
      expect(v2.model_version).toBe("2");
      expect(v2.parameters).toBeUndefined();
      await s.log!.flush();
      const logged = readPredictionLog(p, "d").filter((e) => e.request_id === "oip-canary");
      expect(logged.sort((a, b) => a.index! - b.index!).map((e) => [e.arm, e.model_version])).toEqual(
        expected.map((e) => [e[0], e[1]]),
      );
    } finally {
      await s.close();
    }
  });

  it("routes an experiment's units to their arms, and refuses a row without the key", async () => {
    const p = project();
    const route: ExperimentRoute = {
      name: "offer_test",
      key: "customer_id",
      salt: "offer_test",
      control: "control",
      arms: [
        { name: "control", share: 0.5, target: { version: 1, bundle: ".mlc/bundles/d/v1" } },
        { name: "offer", share: 0.3, target: { version: 2, bundle: ".mlc/bundles/d/v2" } },
        { name: "discount", share: 0.2, target: { version: 3, bundle: ".mlc/bundles/d/v3" } },
      ],
      started: "2026-12-03T00:00:00.000Z",
    };
    startExperiment(p, "d", route, "experiment offer_test started");
    const s = await serve(p);
    try {
      const expected = await v1Answers(s);
      const res = await post(s, "/v2/models/d/infer", { inputs: tensors(ids) }, "oip-exp");
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { parameters: { arms: string } };
      expect(body.parameters.arms.split(",")).toEqual(expected.map((e) => e[0]));
      await s.log!.flush();
      const logged = readPredictionLog(p, "d").filter((e) => e.request_id === "oip-exp");
      expect(logged.every((e) => e.experiment === "offer_test" && e.experiment_arm === e.arm)).toBe(true);
      const missing = await post(s, "/v2/models/d/infer", { inputs: tensors(["cust-1", null]) });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().error).toMatch(/row 1, experiment 'offer_test' routes by 'customer_id'/);
      const noKey = await post(s, "/v2/models/d/infer", { inputs: tensors(["a"]).slice(0, 4) });
      expect(noKey.statusCode).toBe(400);
    } finally {
      await s.close();
    }
  });

  it("refuses a key tensor when nothing routes by it", async () => {
    const s = await serve(project());
    try {
      const res = await post(s, "/v2/models/d/infer", { inputs: tensors(["a"]) });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatch(/unknown input 'customer_id'/);
    } finally {
      await s.close();
    }
  });

  it("answers GET /v2 with the server's metadata", async () => {
    const s = await serve(project());
    try {
      const version = (
        JSON.parse(readFileSync(join(import.meta.dirname, "../../package.json"), "utf8")) as {
          version: string;
        }
      ).version;
      expect((await s.app.inject({ method: "GET", url: "/v2" })).json()).toEqual({
        name: "mlc",
        version,
        extensions: [],
      });
    } finally {
      await s.close();
    }
  });
});
