// The Open Inference Protocol (v2) over REST: predictions equal /v1/predict's for the same rows
// (classifiers and a regressor), metadata, readiness, protocol errors and token auth.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeDeployment } from "../../src/serve/deployment.js";
import { readPredictionLog } from "../../src/serve/prediction-log-reader.js";
import { createPredictionServer, type PredictionServer } from "../../src/serve/server.js";
import { buildFixtureBundle, tempProject, type FixtureOptions } from "./fixtures.js";

const rows = [
  { tenure: 3, monthly: 50.5, active: true, plan: "pro" },
  { tenure: 40, monthly: null, active: false, plan: "basic" },
  { tenure: 12, monthly: 99.25, active: true, plan: "premium" },
];

/** The rows as one tensor per input column, as a client of the protocol sends them. */
const tensors = (rs: typeof rows) => [
  { name: "tenure", datatype: "INT64", shape: [rs.length], data: rs.map((r) => r.tenure) },
  { name: "monthly", datatype: "FP32", shape: [rs.length, 1], data: rs.map((r) => [r.monthly]) },
  { name: "active", datatype: "BOOL", shape: [rs.length], data: rs.map((r) => r.active) },
  { name: "plan", datatype: "BYTES", shape: [rs.length], data: rs.map((r) => r.plan) },
];

async function start(
  opts: FixtureOptions,
  token?: string,
  project = tempProject(),
  logged = false,
): Promise<PredictionServer> {
  buildFixtureBundle(join(project, ".mlc/bundles/churn_api/v1"), { version: 1, ...opts });
  writeDeployment(project, "churn_api", { version: 1, bundle: ".mlc/bundles/churn_api/v1" }, "test");
  const s = createPredictionServer({
    projectDir: project,
    deployment: "churn_api",
    maxBatch: 8,
    predictionLog: logged ? { flushMs: 20 } : false,
    ...(token ? { token } : {}),
  });
  await s.loaded;
  return s;
}

const inject = (s: PredictionServer, method: "GET" | "POST", url: string, payload?: unknown) =>
  s.app.inject({
    method,
    url,
    ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
    headers: { "content-type": "application/json" },
  });

describe.each([
  { task: "binary" as const, classes: ["stay", "churn"] },
  { task: "multiclass" as const, classes: ["a", "b", "c"] },
  { task: "regression" as const, classes: undefined },
])("OIP v2 REST, $task bundle", ({ task, classes }) => {
  let s: PredictionServer;
  beforeAll(async () => {
    s = await start({ task, scale: 1.5 });
  });
  afterAll(async () => {
    await s.close();
  });

  it("scores the rows exactly as /v1/predict does", async () => {
    const v1 = await inject(s, "POST", "/v1/predict", { instances: rows });
    expect(v1.statusCode).toBe(200);
    const expected = v1.json().predictions as {
      label?: string;
      probabilities?: Record<string, number>;
      value?: number;
    }[];
    const res = await inject(s, "POST", "/v2/models/churn_api/infer", { id: "req-7", inputs: tensors(rows) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.model_name).toBe("churn_api");
    expect(body.model_version).toBe("1");
    expect(body.id).toBe("req-7");
    const out = new Map((body.outputs as { name: string }[]).map((o) => [o.name, o]));
    if (classes) {
      expect(out.get("label")).toEqual({
        name: "label",
        datatype: "BYTES",
        shape: [3],
        data: expected.map((p) => p.label),
      });
      expect(out.get("probabilities")).toEqual({
        name: "probabilities",
        datatype: "FP64",
        shape: [3, classes.length],
        data: expected.flatMap((p) => classes.map((c) => p.probabilities![c])),
        parameters: { classes: JSON.stringify(classes) },
      });
    } else {
      expect([...out.keys()]).toEqual(["value"]);
      expect(out.get("value")).toEqual({
        name: "value",
        datatype: "FP64",
        shape: [3],
        data: expected.map((p) => p.value),
      });
    }
    // the versioned path scores with the same version
    const versioned = await inject(s, "POST", "/v2/models/churn_api/versions/1/infer", {
      inputs: tensors(rows),
    });
    expect(versioned.json().outputs).toEqual(body.outputs);
    expect(typeof versioned.json().id).toBe("string");
  });

  it("describes the model: versions, platform, typed inputs and outputs", async () => {
    const res = await inject(s, "GET", "/v2/models/churn_api");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      name: "churn_api",
      versions: ["1"],
      platform: "onnx",
      inputs: [
        { name: "tenure", datatype: "INT64", shape: [-1] },
        { name: "monthly", datatype: "FP32", shape: [-1] },
        { name: "active", datatype: "BOOL", shape: [-1] },
        { name: "plan", datatype: "BYTES", shape: [-1] },
      ],
      outputs: classes
        ? [
            { name: "label", datatype: "BYTES", shape: [-1] },
            { name: "probabilities", datatype: "FP64", shape: [-1, classes.length] },
          ]
        : [{ name: "value", datatype: "FP64", shape: [-1] }],
    });
  });
});

describe("OIP v2 REST: health, readiness and errors", () => {
  let s: PredictionServer;
  beforeAll(async () => {
    s = await start({});
  });
  afterAll(async () => {
    await s.close();
  });

  const infer = (payload: unknown, url = "/v2/models/churn_api/infer") => inject(s, "POST", url, payload);

  it("answers the health and readiness probes", async () => {
    expect((await inject(s, "GET", "/v2/health/live")).statusCode).toBe(200);
    const ready = await inject(s, "GET", "/v2/health/ready");
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ ready: true });
    const model = await inject(s, "GET", "/v2/models/churn_api/ready");
    expect(model.statusCode).toBe(200);
    expect(model.json()).toEqual({ name: "churn_api", ready: true });
    expect((await inject(s, "GET", "/v2/models/churn_api/versions/1/ready")).statusCode).toBe(200);
  });

  it("answers an unknown model or version with 404", async () => {
    for (const [method, url] of [
      ["GET", "/v2/models/nope"],
      ["GET", "/v2/models/nope/ready"],
      ["POST", "/v2/models/nope/infer"],
      ["GET", "/v2/models/churn_api/versions/9"],
      ["POST", "/v2/models/churn_api/versions/9/infer"],
    ] as const) {
      const res = await inject(s, method, url, method === "POST" ? { inputs: tensors(rows) } : undefined);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error, url).toMatch(/unknown model 'nope'|no version '9'/);
    }
  });

  it("refuses bad tensors with a 400 naming the input", async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /inputs must be a list/],
      [{ inputs: [] }, /no inputs/],
      [{ inputs: [{ name: "plan", datatype: "BYTES", shape: [1] }] }, /input 'plan' needs data/],
      [
        { inputs: [...tensors(rows), { name: "zip", datatype: "BYTES", shape: [3], data: ["a", "b", "c"] }] },
        /unknown input 'zip'/,
      ],
      [
        { inputs: tensors(rows).map((t) => (t.name === "plan" ? { ...t, datatype: "FP32" } : t)) },
        /input 'plan' has datatype FP32.*BYTES/,
      ],
      [
        { inputs: tensors(rows).map((t) => (t.name === "tenure" ? { ...t, shape: [4] } : t)) },
        /input 'tenure' has shape \[4\] but 3 elements/,
      ],
      [
        { inputs: tensors(rows).map((t) => (t.name === "tenure" ? { ...t, shape: [3, 2] } : t)) },
        /input 'tenure' has shape \[3, 2\]; expected \[n\] or \[n, 1\]/,
      ],
      [
        { inputs: tensors(rows).map((t) => (t.name === "tenure" ? { ...t, data: [1, 2.5, 3] } : t)) },
        /input 'tenure' element 1: expected an integer/,
      ],
      [
        {
          inputs: tensors(rows).map((t) => (t.name === "active" ? { ...t, data: [true, "yes", false] } : t)),
        },
        /input 'active' element 1: expected a boolean/,
      ],
      [
        {
          inputs: tensors(rows).map((t) =>
            t.name === "plan" ? { ...t, data: ["pro", "gold", "basic"] } : t,
          ),
        },
        /row 1, input 'plan': unknown category 'gold'/,
      ],
      [
        { inputs: tensors(rows).filter((t) => t.name !== "active") },
        /row 0, input 'active': missing required field 'active'/,
      ],
      [{ inputs: [...tensors(rows), tensors(rows)[0]] }, /input 'tenure' is given twice/],
      [
        { inputs: tensors(rows.slice(0, 2)).map((t, i) => (i === 0 ? tensors(rows)[0]! : t)) },
        /input 'monthly' has 2 rows but input 'tenure' has 3/,
      ],
      [{ inputs: tensors(rows), outputs: [{ name: "logits" }] }, /unknown output 'logits'/],
      [{ inputs: tensors(Array.from({ length: 9 }, () => rows[0]!)) }, /at most 8 rows per request, got 9/],
    ];
    for (const [payload, message] of cases) {
      const res = await infer(payload);
      expect(res.statusCode, String(message)).toBe(400);
      expect(res.json(), String(message)).toEqual({ error: expect.stringMatching(message) });
    }
  });

  it("returns only the outputs asked for", async () => {
    const res = await infer({ inputs: tensors(rows), outputs: [{ name: "label" }] });
    expect(res.statusCode).toBe(200);
    expect(res.json().outputs.map((o: { name: string }) => o.name)).toEqual(["label"]);
  });

  it("answers a draining server's readiness with 503", async () => {
    const own = await start({});
    const closing = own.close();
    const res = await inject(own, "GET", "/v2/health/ready");
    await closing;
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ ready: false });
  });
});

describe("OIP v2 REST with a token", () => {
  let s: PredictionServer;
  beforeAll(async () => {
    s = await start({}, "s3cret");
  });
  afterAll(async () => {
    await s.close();
  });

  it("requires the bearer token on model routes but not on the health probes", async () => {
    const bare = await inject(s, "POST", "/v2/models/churn_api/infer", { inputs: tensors(rows) });
    expect(bare.statusCode).toBe(401);
    expect((await inject(s, "GET", "/v2/models/churn_api")).statusCode).toBe(401);
    const ok = await s.app.inject({
      method: "POST",
      url: "/v2/models/churn_api/infer",
      payload: { inputs: tensors(rows) },
      headers: { authorization: "Bearer s3cret" },
    });
    expect(ok.statusCode).toBe(200);
    expect((await inject(s, "GET", "/v2/health/live")).statusCode).toBe(200);
    expect((await inject(s, "GET", "/v2/health/ready")).statusCode).toBe(200);
  });
});

describe("OIP v2 REST predictions in the log and the metrics", () => {
  it("logs and counts each row as /v1/predict does, under the server's request id", async () => {
    const project = tempProject();
    const s = await start({}, undefined, project, true);
    try {
      const expected = (await inject(s, "POST", "/v1/predict", { instances: rows })).json().predictions;
      const res = await s.app.inject({
        method: "POST",
        url: "/v2/models/churn_api/infer",
        payload: { id: "client-1", inputs: tensors(rows) },
        headers: { "x-request-id": "oip-log-1" },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().id).toBe("client-1");
      await s.log!.flush();
      const entries = readPredictionLog(project, "churn_api").filter((e) => e.request_id === "oip-log-1");
      expect(entries.map((e) => [e.index, e.arm, e.model_version, e.features, e.output])).toEqual(
        rows.map((r, i) => [i, "stable", 1, r, expected[i]]),
      );
      const text = (await inject(s, "GET", "/metrics")).body;
      expect(text).toMatch(/mlc_predictions_total\{[^}]*model_version="1"[^}]*\} 6\b/);
    } finally {
      await s.close();
    }
  });
});
