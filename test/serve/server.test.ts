import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeDeployment } from "../../src/serve/deployment.js";
import { readPredictionLog } from "../../src/serve/prediction-log-reader.js";
import { createPredictionServer, type PredictionServer } from "../../src/serve/server.js";
import { buildFixtureBundle, fixtureExpected, tempProject } from "./fixtures.js";

const rec = { customer_id: "c-1", tenure: 3, monthly: 50.5, active: true, plan: "pro" };

async function startServer(
  extra: Partial<Parameters<typeof createPredictionServer>[0]> = {},
): Promise<{ s: PredictionServer; project: string }> {
  const project = tempProject();
  buildFixtureBundle(join(project, ".mlc/bundles/churn_api/v1"), { version: 1 });
  writeDeployment(project, "churn_api", { version: 1, bundle: ".mlc/bundles/churn_api/v1" }, "test");
  const s = createPredictionServer({
    projectDir: project,
    deployment: "churn_api",
    bodyLimit: 4096,
    maxBatch: 8,
    predictionLog: { flushMs: 20 },
    ...extra,
  });
  await s.loaded;
  return { s, project };
}

describe("prediction server", () => {
  let s: PredictionServer;
  let project: string;
  beforeAll(async () => {
    ({ s, project } = await startServer());
  });
  afterAll(async () => {
    await s.close();
  });

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    s.app.inject({
      method: "POST",
      url: "/v1/predict",
      payload: typeof payload === "string" ? payload : JSON.stringify(payload),
      headers: { "content-type": "application/json", ...headers },
    });

  it("predicts one record with probabilities, label, version and request id", async () => {
    const res = await post(rec);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.model_version).toBe(1);
    expect(typeof body.request_id).toBe("string");
    expect(res.headers["x-model-version"]).toBe("1");
    const p = fixtureExpected(rec);
    expect(body.predictions).toHaveLength(1);
    expect(body.predictions[0].probabilities.churn).toBeCloseTo(p, 5);
    expect(body.predictions[0].probabilities.stay).toBeCloseTo(1 - p, 5);
    expect(body.predictions[0].label).toBe(p >= 0.5 ? "churn" : "stay");
  });

  it("predicts a batch of instances in order, nulls allowed where nullable", async () => {
    const instances = [
      rec,
      { ...rec, tenure: 60, plan: "premium", monthly: null },
      { ...rec, active: false, plan: "basic" },
    ];
    const res = await post({ instances });
    expect(res.statusCode).toBe(200);
    const preds = res.json().predictions;
    expect(preds).toHaveLength(3);
    instances.forEach((r, i) => expect(preds[i].probabilities.churn).toBeCloseTo(fixtureExpected(r), 5));
  });

  it("accepts JSON sent without a JSON content type", async () => {
    const res = await s.app.inject({
      method: "POST",
      url: "/v1/predict",
      payload: JSON.stringify(rec),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.statusCode).toBe(200);
  });

  it.each([
    ["a missing field", { ...rec, tenure: undefined }, "tenure", "missing required field 'tenure'"],
    ["a wrong type", { ...rec, tenure: "three" }, "tenure", "expected an integer, got string"],
    ["a fractional int", { ...rec, tenure: 2.5 }, "tenure", "expected an integer, got 2.5"],
    [
      "an unknown category",
      { ...rec, plan: "gold" },
      "plan",
      "unknown category 'gold'; expected one of basic, pro, premium",
    ],
    ["null in a non-nullable field", { ...rec, active: null }, "active", "field 'active' must not be null"],
    ["a non-boolean flag", { ...rec, active: "yes" }, "active", "expected true or false, got 'yes'"],
    [
      "a number beyond float32",
      { ...rec, monthly: 1e300 },
      "monthly",
      "1e+300 is out of range for the model's float32 input",
    ],
  ])("rejects %s with 400 naming the field", async (_name, record, field, message) => {
    const res = await post(record);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: "invalid_input", field, message });
  });

  it("names the record index of a bad instance in a batch", async () => {
    const res = await post({ instances: [rec, { ...rec, plan: "gold" }] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: "invalid_input", field: "plan", index: 1 });
  });

  it("rejects malformed JSON, bodies over the limit, oversized and empty batches, non-objects", async () => {
    const bad = await post('{"tenure": 3,');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBe("malformed_json");
    const big = await post({ ...rec, pad: "x".repeat(5000) });
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toBe("payload_too_large");
    const many = await post({ instances: Array.from({ length: 9 }, () => rec) });
    expect(many.statusCode).toBe(400);
    expect(many.json()).toMatchObject({ error: "batch_too_large", field: "instances" });
    const empty = await post({ instances: [] });
    expect(empty.json()).toMatchObject({ error: "invalid_request", field: "instances" });
    for (const body of ["[1,2]", "42", '"s"', "null"]) {
      const r = await post(body);
      expect(r.statusCode).toBe(400);
      expect(r.json().error).toMatch(/invalid_request|malformed_json/);
    }
    const notObj = await post({ instances: [1] });
    expect(notObj.json()).toMatchObject({ error: "invalid_input", index: 0 });
  });

  it("refuses prototype-poisoning keys however they are spelled, and reads a BOM or escaped body as fastify does", async () => {
    const body = JSON.stringify(rec).slice(1); // the record's fields, after its opening brace
    for (const poisoned of [
      `{"__proto__": {"x": 1}, ${body}`,
      `{"constructor": {"prototype": {"x": 1}}, ${body}`,
      `{"\\u005f\\u005fproto__": {"x": 1}, ${body}`,
      `{"instances": [{"\\u0063onstructor": {"prototype": {}}, ${body}]}`,
      "",
    ]) {
      const r = await post(poisoned);
      expect(r.statusCode, poisoned).toBe(400);
      expect(r.json().error).toBe("malformed_json");
    }
    const plain = (await post(rec)).json().predictions;
    for (const fine of [
      "\ufeff" + JSON.stringify(rec),
      `{"constructor": 1, ${body}`,
      `{"\\u0074enure": ${rec.tenure}, ${body.replace(/"tenure":[^,]*,/, "")}`,
    ]) {
      const r = await post(fine);
      expect(r.statusCode, fine).toBe(200);
      expect(r.json().predictions).toEqual(plain);
    }
  });

  it("answers a known path with the wrong method with a JSON 405 and an Allow header", async () => {
    const res = await s.app.inject({ method: "GET", url: "/v1/predict" });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe("POST");
    expect(res.json().error).toBe("method_not_allowed");
    const model = await s.app.inject({ method: "DELETE", url: "/v1/model" });
    expect(model.statusCode).toBe(405);
    expect(model.headers.allow).toBe("GET, HEAD");
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await s.app.inject({ method: "GET", url: "/v2/nothing" });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe("not_found");
  });

  it("describes the model and reports health and readiness", async () => {
    const m = (await s.app.inject({ method: "GET", url: "/v1/model" })).json();
    expect(m).toMatchObject({
      deployment: "churn_api",
      model: "churn",
      model_version: 1,
      task: { kind: "binary" },
      output: { name: "score", width: 1 },
    });
    expect(m.inputs.find((i: { name: string }) => i.name === "plan").values).toEqual([
      "basic",
      "pro",
      "premium",
    ]);
    expect((await s.app.inject({ method: "GET", url: "/healthz" })).json()).toEqual({ status: "ok" });
    expect((await s.app.inject({ method: "GET", url: "/readyz" })).json()).toEqual({
      status: "ready",
      model_version: 1,
    });
  });

  it("exposes Prometheus metrics for requests, latency, predictions and model load", async () => {
    await post(rec);
    const res = await s.app.inject({ method: "GET", url: "/metrics" });
    expect(res.headers["content-type"]).toContain("text/plain");
    const text = res.body;
    expect(text).toMatch(
      /mlc_http_requests_total\{deployment="churn_api",route="\/v1\/predict",method="POST",status="200"\} \d+/,
    );
    expect(text).toMatch(/mlc_http_requests_total\{[^}]*status="400"\} \d+/);
    // the latency histogram says which version and arm answered, so canary and stable can be compared
    expect(text).toMatch(
      /mlc_http_request_duration_seconds_bucket\{deployment="churn_api",route="\/v1\/predict",model_version="1",arm="stable",le="\+Inf"\} \d+/,
    );
    expect(text).toMatch(
      /mlc_http_request_duration_seconds_count\{deployment="churn_api",route="\/healthz",model_version="",arm=""\} \d+/,
    );
    expect(text).toContain('mlc_model_info{deployment="churn_api",version="1",arm="stable"} 1');
    expect(text).toMatch(/^process_cpu_seconds_total [\d.e+-]+$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+$/m);
    expect(text).toContain(`nodejs_version_info{version="${process.version}",`);
    expect(text).toMatch(
      /mlc_predictions_total\{deployment="churn_api",model_version="1",arm="stable"\} \d+/,
    );
    expect(text).toMatch(
      /mlc_predictions_by_class_total\{deployment="churn_api",model_version="1",class="(churn|stay)"\} \d+/,
    );
    expect(text).toMatch(/mlc_model_load_seconds\{deployment="churn_api",model_version="1"\} [\d.e-]+/);
    // every sample line is `name{labels} value`
    for (const line of text.trim().split("\n"))
      if (!line.startsWith("#"))
        expect(line).toMatch(
          /^[a-z_][a-z0-9_]*(\{[^}]*\})? -?[\d.e+-]+$|^[a-z_][a-z0-9_]*\{.*\} (NaN|\+Inf)$/,
        );
  });

  it("exports the monitors' latest statistics as gauges, and still answers when they cannot be read", async () => {
    const checks = [
      {
        assertion: "drift(tenure, psi) < 0.2",
        feature: "tenure",
        test: "psi",
        statistic: 0.31,
        op: "<" as const,
        threshold: 0.2,
        status: "breach" as const,
        rows: 1200,
      },
    ];
    const { s: one } = await startServer({
      predictionLog: false,
      monitorResults: async () => [
        { monitor: "watch", deployment: "churn_api", ranAt: "2026-12-03T12:00:00.000Z", checks },
      ],
    });
    try {
      const text = (await one.app.inject({ method: "GET", url: "/metrics" })).body;
      expect(text).toContain(
        'mlc_monitor_statistic{deployment="churn_api",monitor="watch",feature="tenure",test="psi",assertion="drift(tenure, psi) < 0.2"} 0.31',
      );
      expect(text).toContain(
        'mlc_monitor_breach{deployment="churn_api",monitor="watch",feature="tenure",test="psi",assertion="drift(tenure, psi) < 0.2"} 1',
      );
    } finally {
      await one.close();
    }
    const { s: failing } = await startServer({
      predictionLog: false,
      monitorResults: async () => {
        throw new Error("state store unavailable");
      },
    });
    try {
      const res = await failing.app.inject({ method: "GET", url: "/metrics" });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain("mlc_model_info{");
      expect(res.body).not.toContain("mlc_monitor_");
    } finally {
      await failing.close();
    }
  });

  it("logs every scored row with features, output, version and request id", async () => {
    const res = await post({ ...rec, customer_id: "log-me" }, { "x-request-id": "req-abc" });
    expect(res.json().request_id).toBe("req-abc");
    await s.log!.flush();
    const entries = readPredictionLog(project, "churn_api").filter((e) => e.request_id === "req-abc");
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      deployment: "churn_api",
      model_version: 1,
      arm: "stable",
      features: { customer_id: "log-me", plan: "pro" },
    });
    expect(entries[0]!.output).toEqual(res.json().predictions[0]);
    expect(entries[0]!.latency_ms).toBeGreaterThanOrEqual(0);
    expect(readPredictionLog(project, "churn_api", { since: new Date(Date.now() + 60_000) })).toEqual([]);
  });

  it("never crashes on random bodies: every answer is JSON with a 2xx/4xx status", async () => {
    let seed = 12345;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const atoms = [
      () => null,
      () => true,
      () => rand() * 1e6 - 5e5,
      () => "x".repeat(Math.floor(rand() * 10)),
      () => "pro",
      () => -0,
      () => 1e308,
      () => "__proto__",
    ];
    const gen = (depth: number): unknown => {
      const r = rand();
      if (depth > 2 || r < 0.4) return atoms[Math.floor(rand() * atoms.length)]!();
      if (r < 0.6) return Array.from({ length: Math.floor(rand() * 4) }, () => gen(depth + 1));
      const o: Record<string, unknown> = {};
      const keys = ["tenure", "monthly", "active", "plan", "instances", "constructor", "k"];
      for (let i = 0; i < 4; i++) o[keys[Math.floor(rand() * keys.length)]!] = gen(depth + 1);
      return o;
    };
    for (let i = 0; i < 200; i++) {
      let payload = JSON.stringify(gen(0)) ?? "";
      if (i % 7 === 0) payload = payload.slice(0, Math.floor(rand() * payload.length)); // truncated JSON
      if (i % 11 === 0)
        payload = String.fromCharCode(...Array.from({ length: 20 }, () => Math.floor(rand() * 256))); // binary junk
      if (i % 13 === 0) payload = '{"__proto__": {"x": 1}, "tenure": 1}';
      const res = await post(payload);
      expect([200, 400, 413]).toContain(res.statusCode);
      expect(() => res.json()).not.toThrow();
    }
    expect((await post(rec)).statusCode).toBe(200);
  });
});

describe("bearer token", () => {
  it("requires the token on /v1/* and /metrics but not on probes", async () => {
    const { s } = await startServer({ token: "s3cret", predictionLog: false });
    try {
      const none = await s.app.inject({ method: "POST", url: "/v1/predict", payload: rec });
      expect(none.statusCode).toBe(401);
      expect(none.json().error).toBe("unauthorized");
      const wrong = await s.app.inject({
        method: "GET",
        url: "/v1/model",
        headers: { authorization: "Bearer nope" },
      });
      expect(wrong.statusCode).toBe(401);
      const ok = await s.app.inject({
        method: "POST",
        url: "/v1/predict",
        payload: rec,
        headers: { authorization: "Bearer s3cret" },
      });
      expect(ok.statusCode).toBe(200);
      // the scheme name is case-insensitive
      const lower = await s.app.inject({
        method: "POST",
        url: "/v1/predict",
        payload: rec,
        headers: { authorization: "bearer s3cret" },
      });
      expect(lower.statusCode).toBe(200);
      expect((await s.app.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(401);
      expect((await s.app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe("startup", () => {
  it("is not ready and rejects loading when the deployment has no version", async () => {
    const s = createPredictionServer({
      projectDir: tempProject(),
      deployment: "nothing",
      predictionLog: false,
    });
    await expect(s.loaded).rejects.toThrow(/has no current version/);
    expect((await s.app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(503);
    expect((await s.app.inject({ method: "POST", url: "/v1/predict", payload: rec })).json().error).toBe(
      "not_ready",
    );
    await s.close();
  });
});

/** A raw client connection: what it received, and when the server closed it. */
function rawClient(
  address: string,
): Promise<{ sock: Socket; received: () => string; closed: Promise<number> }> {
  const url = new URL(address);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(url.port), url.hostname);
    let data = "";
    const opened = Date.now();
    sock.on("data", (d) => (data += d.toString()));
    const closed = new Promise<number>((res) => sock.on("close", () => res(Date.now() - opened)));
    sock.on("error", () => undefined);
    sock.once("connect", () => resolve({ sock, received: () => data, closed }));
    sock.once("error", reject);
  });
}

describe("slow clients", () => {
  it("closes a connection whose headers or body never finish arriving", async () => {
    const { s } = await startServer({ predictionLog: false, timeouts: { headersMs: 200, requestMs: 400 } });
    try {
      const address = await s.listen(0);
      const headers = await rawClient(address);
      headers.sock.write("POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: app");
      const body = await rawClient(address);
      body.sock.write('POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"tenure"');
      const timer = setTimeout(() => {
        headers.sock.destroy();
        body.sock.destroy();
      }, 5000);
      const [h, b] = await Promise.all([headers.closed, body.closed]);
      clearTimeout(timer);
      expect(h).toBeLessThan(3000);
      expect(b).toBeLessThan(3000);
      expect(headers.received()).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await s.close();
    }
  });
});

describe("shutdown", () => {
  it("answers requests on open keep-alive connections while draining and closes each after its response", async () => {
    const { s } = await startServer({ predictionLog: false });
    const address = await s.listen(0);
    const payload = JSON.stringify(rec);
    const request = `POST /v1/predict HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n`;
    const idle = await Promise.all(Array.from({ length: 4 }, () => rawClient(address)));
    const busy = await Promise.all(Array.from({ length: 4 }, () => rawClient(address)));
    // idle clients: one request answered before shutdown; the connection stays open for the next
    for (const c of idle) c.sock.write(request + payload);
    await expect.poll(() => idle.every((c) => c.received().includes('"model_version":1'))).toBe(true);
    expect(idle.every((c) => !/connection: close/i.test(c.received()))).toBe(true);
    // busy clients: a request in flight (body not complete) when shutdown starts
    for (const c of busy) c.sock.write(request + payload.slice(0, 5));
    await new Promise((r) => setTimeout(r, 50));
    const closing = s.close();
    await new Promise((r) => setTimeout(r, 100));
    for (const c of busy) c.sock.write(payload.slice(5));
    for (const c of idle) c.sock.write(request + payload); // sent by a client that has not seen the shutdown
    await Promise.all([...idle, ...busy].map((c) => c.closed));
    await closing;
    for (const c of [...idle, ...busy]) {
      const responses = c.received().split(/(?=HTTP\/1\.1 )/);
      expect(responses).toHaveLength(idle.includes(c) ? 2 : 1);
      const last = responses[responses.length - 1]!;
      expect(last).toMatch(/^HTTP\/1\.1 200 /);
      expect(last.toLowerCase()).toContain("connection: close");
      expect(last).toContain('"model_version":1');
    }
  });
});
