// `serve = serverless { provider = aws_lambda }`: apply writes a function package holding the handler,
// the bundle and only the dependency files the handler loads; the handler, unzipped and run the way
// Lambda runs it (LAMBDA_TASK_ROOT, `index.handler`), answers API Gateway events (REST API 1.0 and
// HTTP API 2.0 payloads) with the predictions `mlc serve` gives, and JSON 4xx for bad requests.
import AdmZip from "adm-zip";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { check } from "../compiler/check-helpers.js";
import { createPredictionServer, type PredictionServer } from "../../src/serve/server.js";
import { applyOk, spec, tinyProject } from "../runtime/deploy-project.js";

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(import.meta.dirname, "..", "fixtures", "lambda", name), "utf8")) as Record<
    string,
    unknown
  >;

const serverlessSpec = (serve: string): string =>
  spec(5).replace("  when  = ok\n}", `  when  = ok\n  serve = ${serve}\n}`);

interface Result {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Runs the unzipped function in a fresh Node process, as Lambda does, on each event in turn. */
function invoke(root: string, events: unknown[]): Result[] {
  const script = `
const { handler } = await import("./index.mjs");
const events = JSON.parse(process.argv[1]);
const out = [];
for (const e of events) out.push(await handler(e));
process.stdout.write(JSON.stringify(out));
`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script, JSON.stringify(events)], {
    cwd: root,
    env: { PATH: process.env.PATH, LAMBDA_TASK_ROOT: root },
    encoding: "utf8",
  });
  return JSON.parse(out) as Result[];
}

const rows = [
  { id: 1, x1: 0.5, x2: -1.25 },
  { id: 2, x1: -1.5, x2: 0.75 },
  { id: 3, x1: 1.9, x2: 1.1 },
];

describe("serverless deployments", () => {
  let dir: string;
  let unzipped: string;
  let server: PredictionServer;

  beforeAll(async () => {
    dir = tinyProject(5);
    writeFileSync(join(dir, "tiny.mlspec"), serverlessSpec("serverless { memory = 512, timeout = 20s }"));
    await applyOk(dir);
    unzipped = mkdtempSync(join(tmpdir(), "mlc-lambda-"));
    new AdmZip(join(dir, ".mlc", "serverless", "api", "handler.zip")).extractAllTo(unzipped, true);
    server = createPredictionServer({ projectDir: dir, deployment: "api", predictionLog: false });
    await server.loaded;
  }, 240_000);

  afterAll(async () => {
    await server?.close();
  });

  it("packs the handler, the bundle and only the dependencies the handler loads", () => {
    const out = join(dir, ".mlc", "serverless", "api");
    const size = JSON.parse(readFileSync(join(out, "size.json"), "utf8")) as {
      zip_bytes: number;
      parts: Record<string, number>;
      within_limits: boolean;
    };
    expect(size.zip_bytes).toBe(readFileSync(join(out, "handler.zip")).length);
    expect(Object.keys(size.parts)).toContain("bundle");
    expect(Object.keys(size.parts)).toContain("mlc");
    expect(Object.keys(size.parts)).toContain("onnxruntime-node");
    expect(size.within_limits).toBe(true);
    const names = new AdmZip(join(out, "handler.zip")).getEntries().map((e) => e.entryName);
    expect(names).toContain("index.mjs");
    expect(names).toContain("bundle/model.onnx");
    // nothing of the server, the compiler or the state: the handler never loads them
    for (const absent of ["fastify", "chevrotain", "pg", "ioredis", "better-sqlite3", "vega", "@tensorflow"])
      expect(names.some((n) => n.startsWith(`node_modules/${absent}/`))).toBe(false);
    expect(names.some((n) => n.startsWith("dist/src/compiler/"))).toBe(false);
    expect(names.some((n) => n.startsWith("dist/src/runtime/"))).toBe(false);
    // the native runtime of the function's architecture only
    const natives = names.filter((n) => n.includes("/bin/napi-"));
    expect(natives.length).toBeGreaterThan(0);
    expect(natives.every((n) => n.includes("/linux/x64/"))).toBe(true);
    const template = readFileSync(join(out, "template.yaml"), "utf8");
    expect(template).toContain('Handler: "index.handler"');
    expect(template).toContain("MemorySize: 512");
    expect(template).toContain("Timeout: 20");
    expect(template).toContain('- "x86_64"');
  });

  it("answers HTTP API and REST API events with the predictions mlc serve gives", async () => {
    const served = await server.app.inject({
      method: "POST",
      url: "/v1/predict",
      payload: JSON.stringify({ instances: rows }),
      headers: { "content-type": "application/json" },
    });
    expect(served.statusCode).toBe(200);
    const expected = (JSON.parse(served.body) as { predictions: unknown[] }).predictions;

    const v2 = { ...fixture("http-api-v2.json"), body: JSON.stringify({ instances: rows }) };
    const v1 = { ...fixture("rest-api-v1.json"), body: JSON.stringify(rows[0]) };
    const b64 = {
      ...fixture("http-api-v2.json"),
      body: Buffer.from(JSON.stringify(rows[2])).toString("base64"),
      isBase64Encoded: true,
    };
    const [r2, r1, r64] = invoke(unzipped, [v2, v1, b64]);
    expect(r2!.statusCode, r2!.body).toBe(200);
    const body2 = JSON.parse(r2!.body) as {
      predictions: unknown[];
      model_version: number;
      request_id: string;
    };
    expect(body2.predictions).toEqual(expected);
    expect(body2.model_version).toBe(1);
    expect(body2.request_id).toBe("JKJaXmPLvHcESHA=");
    expect(r2!.headers["x-model-version"]).toBe("1");
    expect((JSON.parse(r1!.body) as { predictions: unknown[] }).predictions).toEqual([expected[0]]);
    expect((JSON.parse(r64!.body) as { predictions: unknown[] }).predictions).toEqual([expected[2]]);
  });

  it("answers bad requests with JSON 4xx, as mlc serve does", () => {
    const v2 = fixture("http-api-v2.json");
    const get = (path: string, method = "GET") => ({
      ...v2,
      rawPath: path,
      requestContext: { ...(v2.requestContext as object), http: { method, path } },
    });
    const [notJson, missing, wrongType, tooEmpty, health, model, unknown, wrongMethod] = invoke(unzipped, [
      { ...v2, body: "{not json" },
      { ...v2, body: JSON.stringify({ id: 1, x1: 0.5 }) },
      { ...v2, body: JSON.stringify({ id: 1, x1: "high", x2: 0 }) },
      { ...v2, body: JSON.stringify({ instances: [] }) },
      get("/healthz"),
      get("/v1/model"),
      get("/v1/nothing"),
      get("/v1/predict"),
    ]);
    const err = (r: Result | undefined) => JSON.parse(r!.body) as { error: string; field?: string };
    expect([notJson!.statusCode, err(notJson).error]).toEqual([400, "invalid_json"]);
    expect([missing!.statusCode, err(missing).field]).toEqual([400, "x2"]);
    expect([wrongType!.statusCode, err(wrongType).field]).toEqual([400, "x1"]);
    expect([tooEmpty!.statusCode, err(tooEmpty).field]).toEqual([400, "instances"]);
    expect(health!.statusCode).toBe(200);
    expect(JSON.parse(model!.body)).toMatchObject({ deployment: "api", model: "m", version: 1 });
    expect(unknown!.statusCode).toBe(404);
    expect(wrongMethod!.statusCode).toBe(405);
  });

  it("gives the same package bytes when applied again from the same bundle", async () => {
    const zip = join(dir, ".mlc", "serverless", "api", "handler.zip");
    const before = readFileSync(zip);
    writeFileSync(join(dir, "tiny.mlspec"), serverlessSpec("serverless { memory = 1024, timeout = 20s }"));
    await applyOk(dir);
    expect(readFileSync(zip).equals(before)).toBe(true);
    expect(readFileSync(join(dir, ".mlc", "serverless", "api", "template.yaml"), "utf8")).toContain(
      "MemorySize: 1024",
    );
    expect(existsSync(join(dir, ".mlc", "serverless", "api.tmp-" + process.pid))).toBe(false);
  }, 120_000);
});

describe("serverless deployments at validate", () => {
  const diags = (serve: string, extra = "") =>
    check(serverlessSpec(serve).replace("  when  = ok\n", `  when  = ok\n${extra}`)).diagnostics.map(
      (d) => `${d.code} ${d.message}`,
    );

  it("accepts the target with its defaults", () => {
    expect(diags("serverless").filter((d) => d.startsWith("MLC1"))).toEqual([]);
  });

  it("refuses a rollout, a log, an online store, an unknown provider and an out-of-range timeout", () => {
    expect(diags("serverless", "  rollout = canary(10%)\n").join("\n")).toMatch(
      /MLC1126 .*serves one version/,
    );
    expect(diags("serverless", "  log = files\n").join("\n")).toMatch(/MLC1126 .*keeps no prediction log/);
    expect(diags("serverless", "  online = sqlite\n").join("\n")).toMatch(
      /MLC1126 .*no online feature store/,
    );
    expect(diags("serverless { provider = gcp }").join("\n")).toMatch(/aws_lambda/);
    expect(diags("serverless { timeout = 1000s }").join("\n")).toMatch(/between 1s and 900s/);
    // the events example's model reads window aggregations and a joined table, looked up online
    const events = readFileSync(
      join(import.meta.dirname, "..", "..", "examples", "events", "events.mlspec"),
      "utf8",
    ).replace(/ {2}online = sqlite[^\n]*\n/, "  serve  = serverless\n");
    const online = check(events).diagnostics.filter((d) => d.code === "MLC1133");
    expect(online.map((d) => d.message).join("\n")).toMatch(
      /no online store: feature `\w+\.\w+` is a window aggregation/,
    );
    expect(diags("serverless { memory = 64 }").join("\n")).toMatch(/MLC1/);
  });
});
