// The raw node:http path of POST /v1/predict against fastify's, on real listening servers: two servers
// over identical projects, one with the fast path and one without, get the same requests, and their
// answers (status line, headers, body), prediction log lines and request metrics must be the same bytes.
import { readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeDeployment, type DeploymentPointer } from "../../src/serve/deployment.js";
import { startExperiment } from "../../src/serve/experiment-control.js";
import type { ExperimentRoute } from "../../src/serve/experiment-route.js";
import { predictionLogDir } from "../../src/serve/prediction-log.js";
import { createPredictionServer, type PredictionServer } from "../../src/serve/server.js";
import { buildBundleDir } from "../../src/serve/bundle.js";
import { fixtureMeta, fixtureOnnx, projectWithVersions } from "./fixtures.js";

const rec = { tenure: 7, monthly: 20.5, active: true, plan: "basic" };
const body = (v: unknown): string => JSON.stringify(v);

/** A project with versions 1–3 of the fixture bundle and the pointer `setup` writes (none: no model). */
function project(setup?: (p: string) => void): string {
  const p = projectWithVersions();
  // version 4 names its classes beyond ASCII: its answers' byte length is not their length
  const meta = fixtureMeta({ version: 4 });
  buildBundleDir(join(p, ".mlc/bundles/d/v4"), fixtureOnnx({ version: 4 }), {
    ...meta,
    task: { kind: "binary", classes: ["séjour", "départ ✓"], threshold: 0.5 },
  });
  setup?.(p);
  return p;
}

const pointer =
  (extra: Partial<DeploymentPointer> = {}) =>
  (p: string) =>
    writeDeployment(p, "d", { version: 1, bundle: ".mlc/bundles/d/v1", ...extra }, "test");

interface Pair {
  fast: PredictionServer;
  slow: PredictionServer;
  fastPort: number;
  slowPort: number;
  fastProject: string;
  slowProject: string;
}

let open: Pair[] = [];
afterEach(async () => {
  for (const p of open) await Promise.all([p.fast.close(), p.slow.close()]);
  open = [];
});

/** Two servers over two identical projects: the raw fast path on, and off (fastify answers everything). */
async function pair(
  setup: ((p: string) => void) | undefined,
  extra: Partial<Parameters<typeof createPredictionServer>[0]> = {},
): Promise<Pair> {
  const start = async (fastPath: boolean) => {
    const projectDir = project(setup);
    const s = createPredictionServer({
      projectDir,
      deployment: "d",
      bodyLimit: 4096,
      maxBatch: 8,
      predictionLog: { flushMs: 10 },
      fastPath,
      ...extra,
    });
    await s.loaded.catch(() => undefined);
    const url = await s.listen(0);
    return { s, port: Number(new URL(url).port), projectDir };
  };
  const [f, w] = await Promise.all([start(true), start(false)]);
  const p = {
    fast: f.s,
    slow: w.s,
    fastPort: f.port,
    slowPort: w.port,
    fastProject: f.projectDir,
    slowProject: w.projectDir,
  };
  open.push(p);
  return p;
}

/** Sends raw request bytes on a new connection and returns the response's bytes. */
function exchange(port: number, request: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    let got = Buffer.alloc(0);
    const done = (b: Buffer): void => {
      sock.destroy();
      resolve(b.toString("utf8"));
    };
    sock.on("data", (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const text = got.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, end));
      const need = end + 4 + (length ? Number(length[1]) : 0);
      if (got.length >= need) done(got.subarray(0, need));
    });
    sock.on("close", () => resolve(got.toString("utf8")));
    sock.on("error", reject);
    sock.write(request);
  });
}

/** A POST request's bytes; `headers` adds or (with undefined) removes header lines. */
function post(
  payload: string | Buffer,
  headers: Record<string, string | undefined> = {},
  path = "/v1/predict",
): Buffer {
  const bytes = typeof payload === "string" ? Buffer.from(payload) : payload;
  const all: Record<string, string | undefined> = {
    host: "mlc.test",
    "content-type": "application/json",
    "content-length": String(bytes.length),
    ...headers,
  };
  const head = Object.entries(all)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  return Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\n${head}\r\n`), bytes]);
}

/** A response or log text with what differs between two servers by nature: the date and the boot id of request ids. */
const normal = (text: string): string =>
  text.replace(/\r\nDate: [^\r]+/i, "\r\nDate: -").replace(/"[0-9a-f]{8}-([0-9a-z]+)"/g, '"boot-$1"');

/** Both servers' answers to the same request, normalised. */
async function both(p: Pair, request: Buffer): Promise<[string, string]> {
  const a = await exchange(p.fastPort, request);
  const b = await exchange(p.slowPort, request);
  return [normal(a), normal(b)];
}

/** Prediction log lines (times and latencies blanked, sorted: shadow rows are written when their run ends). */
async function logLines(s: PredictionServer, projectDir: string): Promise<string[]> {
  await s.log?.flush();
  const dir = predictionLogDir(projectDir, "d");
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".ndjson"));
  } catch {
    return [];
  }
  return files
    .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n"))
    .filter(Boolean)
    .map((l) =>
      normal(l.replace(/"ts":"[^"]+"/, '"ts":-').replace(/"latency_ms":[\d.e-]+/, '"latency_ms":-')),
    )
    .sort();
}

/** The request and prediction counters of /metrics (latency sums and process metrics differ by nature). */
async function counters(port: number): Promise<string[]> {
  const text = await exchange(
    port,
    // the token of the server that has one; a server without a token ignores the header
    `GET /metrics HTTP/1.1\r\nhost: mlc.test\r\nauthorization: Bearer s3cret\r\n\r\n`,
  );
  return text
    .split("\n")
    .filter((l) =>
      /^mlc_(http_requests_total|http_request_duration_seconds_count|predictions_total|predictions_by_class_total|session_rows_total)\{/.test(
        l,
      ),
    );
}

/** Sends every request to both servers, one at a time, and expects the same bytes back, logged and counted alike. */
async function expectSame(p: Pair, requests: Buffer[]): Promise<string[]> {
  const answers: string[] = [];
  for (const r of requests) {
    const [a, b] = await both(p, r);
    expect(a).toBe(b);
    answers.push(a);
  }
  expect(await logLines(p.fast, p.fastProject)).toEqual(await logLines(p.slow, p.slowProject));
  expect(await counters(p.fastPort)).toEqual(await counters(p.slowPort));
  expect(p.slow.fastAnswered).toBe(0);
  return answers;
}

const status = (answer: string): number => Number(answer.slice(9, 12));

describe("the raw /v1/predict path", () => {
  it("answers single records and batches with fastify's bytes, logs and counters", async () => {
    const p = await pair(pointer());
    const answers = await expectSame(p, [
      post(body(rec)),
      post(body({ ...rec, monthly: null, extra: "kept in the log" })),
      // line breaks in the body: the log line's features are flattened
      post(`{\n  "tenure": 3,\r\n  "monthly": 1.5,\n  "active": false,\n  "plan": "premium"\n}`),
      post(body({ ...rec, note: "naïve ünïcode ✓" })),
      // one non-ASCII byte at the end of an otherwise ASCII body: its log line must still be UTF-8
      post(body({ ...rec, note: "Ł" })),
      post(body(rec), { "content-type": "application/json; charset=utf-8" }),
      post(body(rec), { "x-request-id": "client-given.id:1" }),
      post(body({ instances: [rec, { ...rec, plan: "pro" }, { ...rec, tenure: 40 }] })),
    ]);
    expect(answers.map(status)).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
    expect(answers[0]).toMatch(
      /^HTTP\/1\.1 200 OK\r\nx-model-version: 1\r\ncontent-type: application\/json; charset=utf-8\r\ncontent-length: \d+\r\nDate: -\r\nConnection: keep-alive\r\nKeep-Alive: timeout=72\r\n\r\n\{"predictions":\[/,
    );
    expect(p.fast.fastAnswered).toBe(8);
  });

  it("counts the bytes of answers beyond ASCII as fastify does", async () => {
    const p = await pair(pointer({ version: 4, bundle: ".mlc/bundles/d/v4" }));
    const answers = await expectSame(p, [
      post(body(rec)),
      post(body({ ...rec, plan: "platinüm" })),
      post(body(rec), { "x-request-id": "ünïcode" }),
    ]);
    expect(answers.map(status)).toEqual([200, 400, 200]);
    expect(answers[0]).toContain('"label":"départ ✓"');
    expect(p.fast.fastAnswered).toBe(3);
  });

  it("answers malformed, poisoned, non-object and invalid bodies as fastify does", async () => {
    const p = await pair(pointer());
    const answers = await expectSame(p, [
      post('{"tenure": 7,'),
      post("not json"),
      post('{"__proto__": {"x": 1}, "tenure": 7}'),
      post('{"constructor": {"prototype": {"x": 1}}}'),
      post('{"tenure": 7, "plan": "\\u0062asic", "monthly": 1, "active": true}'),
      post("\ufeff" + body(rec)),
      post("[1, 2]"),
      post("42"),
      post(body({ ...rec, tenure: undefined })),
      post(body({ ...rec, plan: "platinum" })),
      post(body({ ...rec, tenure: "seven" })),
      post(body({ instances: [] })),
      post(body({ instances: "x" })),
      post(body({ instances: Array.from({ length: 9 }, () => rec) })),
      post(body({ instances: [rec, 3] })),
    ]);
    // escapes and a byte-order mark go through fastify's own parser, which accepts them
    expect(answers.map(status)).toEqual([
      400, 400, 400, 400, 200, 200, 400, 400, 400, 400, 400, 400, 400, 400, 400,
    ]);
    expect(p.fast.fastAnswered).toBe(15);
  });

  it("leaves to fastify what it cannot answer the same way, and the answers still agree", async () => {
    const p = await pair(pointer());
    const big = body({ ...rec, pad: "x".repeat(5000) });
    const chunked = `POST /v1/predict HTTP/1.1\r\nhost: mlc.test\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n${Buffer.byteLength(body(rec)).toString(16)}\r\n${body(rec)}\r\n0\r\n\r\n`;
    const answers = await expectSame(p, [
      post(big), // over the body limit: 413 before the body is read
      post(body(rec), { "content-type": "text/plain" }),
      post(body(rec), { "content-type": "application/x-www-form-urlencoded" }),
      post(body(rec), { "content-type": undefined }),
      post(body(rec), { "content-type": "application/JSON" }),
      post("", {}),
      Buffer.from(chunked),
      post(body(rec), {}, "/v1/predict?x=1"),
      post(body(rec), {}, "/v1/predict/"),
      post(body(rec), {}, "/v2/models/nope/infer"),
      Buffer.from("GET /v1/predict HTTP/1.1\r\nhost: mlc.test\r\n\r\n"),
      Buffer.from("PUT /v1/predict HTTP/1.1\r\nhost: mlc.test\r\ncontent-length: 2\r\n\r\n{}"),
    ]);
    expect(answers.map(status)).toEqual([413, 200, 200, 200, 200, 400, 200, 200, 404, 400, 405, 405]);
    expect(p.fast.fastAnswered).toBe(0);
  });

  it("answers 503 while no model is loaded, as fastify does", async () => {
    const p = await pair(undefined);
    const answers = await expectSame(p, [post(body(rec))]);
    expect(answers.map(status)).toEqual([503]);
    expect(p.fast.fastAnswered).toBe(1);
  });

  it("routes a canary's records and logs them as fastify does", async () => {
    const p = await pair(
      pointer({
        rollout: {
          kind: "canary",
          share: 0.4,
          key: "customer_id",
          candidate: { version: 2, bundle: ".mlc/bundles/d/v2" },
        },
      }),
    );
    const answers = await expectSame(p, [
      ...Array.from({ length: 12 }, (_, i) => post(body({ ...rec, customer_id: `c-${i}` }))),
      post(body(rec)),
      post(body({ instances: Array.from({ length: 6 }, (_, i) => ({ ...rec, customer_id: `c-${i}` })) })),
    ]);
    const arms = new Set(answers.flatMap((a) => [...a.matchAll(/"arm":"(\w+)"/g)].map((m) => m[1])));
    expect(arms).toEqual(new Set(["stable", "canary"]));
    expect(p.fast.fastAnswered).toBe(14);
  });

  it("scores a shadow candidate and logs its rows as fastify does", async () => {
    const p = await pair(
      pointer({ rollout: { kind: "shadow", candidate: { version: 2, bundle: ".mlc/bundles/d/v2" } } }),
    );
    await expectSame(p, [post(body(rec)), post(body({ instances: [rec, { ...rec, tenure: 2 }] }))]);
    expect((await logLines(p.fast, p.fastProject)).filter((l) => l.includes('"arm":"shadow"'))).toHaveLength(
      3,
    );
  });

  it("routes an experiment's arms, and refuses a record without its key, as fastify does", async () => {
    const route: ExperimentRoute = {
      name: "offer_test",
      key: "customer_id",
      salt: "offer_test",
      control: "control",
      arms: [
        { name: "control", share: 0.5, target: { version: 1, bundle: ".mlc/bundles/d/v1" } },
        { name: "offer", share: 0.5, target: { version: 2, bundle: ".mlc/bundles/d/v2" } },
      ],
      started: "2026-12-03T00:00:00.000Z",
    };
    const p = await pair((dir) => {
      pointer()(dir);
      startExperiment(dir, "d", route, "start");
    });
    const answers = await expectSame(p, [
      ...Array.from({ length: 8 }, (_, i) => post(body({ ...rec, customer_id: i }))),
      post(body(rec)),
      post(body({ instances: [{ ...rec, customer_id: 1 }, rec] })),
    ]);
    expect(answers.map(status).slice(-2)).toEqual([400, 400]);
    expect(p.fast.fastAnswered).toBe(10);
  });

  it("answers a valid token itself and leaves a missing or wrong one to fastify's 401", async () => {
    const p = await pair(pointer(), { token: "s3cret" });
    const answers = await expectSame(p, [
      post(body(rec), { authorization: "Bearer s3cret" }),
      post(body(rec), { authorization: "bearer   s3cret" }),
      post(body(rec)),
      post(body(rec), { authorization: "Bearer nope" }),
    ]);
    expect(answers.map(status)).toEqual([200, 200, 401, 401]);
    expect(p.fast.fastAnswered).toBe(2);
  });

  it("leaves every request to fastify while requests are logged one by one (info level)", async () => {
    const p = await pair(pointer(), { logLevel: "info", predictionLog: false });
    await expectSame(p, [post(body(rec))]);
    expect(p.fast.fastAnswered).toBe(0);
  });
});
