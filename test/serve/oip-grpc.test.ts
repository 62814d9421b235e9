// The Open Inference Protocol (v2) over gRPC: a client built from KServe's published .proto (proto-loader
// + grpc-js) gets /v1/predict's predictions (typed and raw contents); errors map to gRPC status codes.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServe } from "../../src/cli/commands/serve.js";
import { writeDeployment } from "../../src/serve/deployment.js";
import { createPredictionServer, type PredictionServer } from "../../src/serve/server.js";
import { buildFixtureBundle, tempProject, type FixtureOptions } from "./fixtures.js";

const PROTO = join(import.meta.dirname, "../../src/serve/proto/grpc_predict_v2.proto");

const rows = [
  { tenure: 3, monthly: 50.5, active: true, plan: "pro" },
  { tenure: 40, monthly: 20, active: false, plan: "basic" },
  { tenure: 12, monthly: 99.25, active: true, plan: "premium" },
];

/** An InferOutputTensor as proto-loader decodes it. */
interface OutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  contents: { bytes_contents: Buffer[]; fp64_contents: number[] };
  parameters: Record<string, { string_param: string }>;
}

type Call = (
  req: unknown,
  md: grpc.Metadata,
  cb: (e: grpc.ServiceError | null, res: unknown) => void,
) => void;

/** A client of GRPCInferenceService from the .proto file, each method as a promise. */
function client(address: string) {
  const def = protoLoader.loadSync(PROTO, { keepCase: true, longs: Number, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def).inference as grpc.GrpcObject;
  const Service = pkg.GRPCInferenceService as grpc.ServiceClientConstructor;
  const c = new Service(address, grpc.credentials.createInsecure());
  const call =
    (method: string) =>
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (req: unknown, token?: string): Promise<any> =>
      new Promise((resolve, reject) => {
        const md = new grpc.Metadata();
        if (token) md.set("authorization", `Bearer ${token}`);
        (c[method] as Call).call(c, req, md, (e, res) => (e ? reject(e) : resolve(res)));
      });
  return {
    close: () => c.close(),
    live: call("ServerLive"),
    ready: call("ServerReady"),
    modelReady: call("ModelReady"),
    metadata: call("ModelMetadata"),
    infer: call("ModelInfer"),
    serverMetadata: call("ServerMetadata"),
  };
}

const typedInputs = (rs: typeof rows) => [
  {
    name: "tenure",
    datatype: "INT64",
    shape: [rs.length],
    contents: { int64_contents: rs.map((r) => r.tenure) },
  },
  {
    name: "monthly",
    datatype: "FP64",
    shape: [rs.length, 1],
    contents: { fp64_contents: rs.map((r) => r.monthly) },
  },
  {
    name: "active",
    datatype: "BOOL",
    shape: [rs.length],
    contents: { bool_contents: rs.map((r) => r.active) },
  },
  {
    name: "plan",
    datatype: "BYTES",
    shape: [rs.length],
    contents: { bytes_contents: rs.map((r) => Buffer.from(r.plan)) },
  },
];

/** The same rows as raw_input_contents: little-endian fixed-size elements, BYTES length-prefixed. */
function rawRequest(rs: typeof rows) {
  const tenure = Buffer.alloc(4 * rs.length);
  rs.forEach((r, i) => tenure.writeInt32LE(r.tenure, 4 * i));
  const monthly = Buffer.alloc(4 * rs.length);
  rs.forEach((r, i) => monthly.writeFloatLE(r.monthly, 4 * i));
  const active = Buffer.from(rs.map((r) => (r.active ? 1 : 0)));
  const plan = Buffer.concat(
    rs.flatMap((r) => {
      const len = Buffer.alloc(4);
      len.writeUInt32LE(Buffer.byteLength(r.plan));
      return [len, Buffer.from(r.plan)];
    }),
  );
  return {
    inputs: [
      { name: "tenure", datatype: "INT32", shape: [rs.length] },
      { name: "monthly", datatype: "FP32", shape: [rs.length] },
      { name: "active", datatype: "BOOL", shape: [rs.length] },
      { name: "plan", datatype: "BYTES", shape: [rs.length] },
    ],
    raw_input_contents: [tenure, monthly, active, plan],
  };
}

async function start(opts: FixtureOptions, token?: string): Promise<PredictionServer> {
  const project = tempProject();
  buildFixtureBundle(join(project, ".mlc/bundles/churn_api/v1"), { version: 1, ...opts });
  writeDeployment(project, "churn_api", { version: 1, bundle: ".mlc/bundles/churn_api/v1" }, "test");
  const s = createPredictionServer({
    projectDir: project,
    deployment: "churn_api",
    maxBatch: 8,
    predictionLog: false,
    grpcPort: 0,
    ...(token ? { token } : {}),
  });
  await s.listen(0);
  await s.loaded;
  return s;
}

const v1 = async (s: PredictionServer) => {
  const res = await s.app.inject({ method: "POST", url: "/v1/predict", payload: { instances: rows } });
  expect(res.statusCode).toBe(200);
  return res.json().predictions as {
    label?: string;
    probabilities?: Record<string, number>;
    value?: number;
  }[];
};

describe.each([
  { task: "binary" as const, classes: ["stay", "churn"] },
  { task: "multiclass" as const, classes: ["a", "b", "c"] },
  { task: "regression" as const, classes: undefined },
])("OIP v2 gRPC, $task bundle", ({ task, classes }) => {
  let s: PredictionServer;
  let c: ReturnType<typeof client>;
  beforeAll(async () => {
    s = await start({ task, scale: 1.5 });
    c = client(s.grpcAddress!);
  });
  afterAll(async () => {
    c.close();
    await s.close();
  });

  it("a client built from the .proto gets /v1/predict's predictions, from typed and raw contents", async () => {
    const expected = await v1(s);
    for (const req of [{ inputs: typedInputs(rows) }, rawRequest(rows)]) {
      const res = await c.infer({ model_name: "churn_api", id: "g-1", ...req });
      expect(res.model_name).toBe("churn_api");
      expect(res.model_version).toBe("1");
      expect(res.id).toBe("g-1");
      const out = new Map((res.outputs as OutputTensor[]).map((o) => [o.name, o]));
      if (classes) {
        const label = out.get("label")!;
        expect(label).toMatchObject({ datatype: "BYTES", shape: [3] });
        expect(label.contents.bytes_contents.map((b) => b.toString())).toEqual(expected.map((p) => p.label));
        const probs = out.get("probabilities")!;
        expect(probs.datatype).toBe("FP64");
        expect(probs.shape).toEqual([3, classes.length]);
        expect(probs.contents.fp64_contents).toEqual(
          expected.flatMap((p) => classes.map((k) => p.probabilities![k])),
        );
        expect(probs.parameters.classes!.string_param).toBe(JSON.stringify(classes));
      } else {
        expect([...out.keys()]).toEqual(["value"]);
        const value = out.get("value")!;
        expect(value.shape).toEqual([3]);
        expect(value.contents.fp64_contents).toEqual(expected.map((p) => p.value));
      }
    }
  });

  it("answers liveness, readiness and metadata", async () => {
    expect(await c.live({})).toEqual({ live: true });
    expect(await c.ready({})).toEqual({ ready: true });
    expect(await c.modelReady({ name: "churn_api" })).toEqual({ ready: true });
    const meta = await c.metadata({ name: "churn_api", version: "1" });
    expect(meta).toMatchObject({ name: "churn_api", versions: ["1"], platform: "onnx" });
    expect(meta.inputs.map((i: { name: string; datatype: string }) => `${i.name}:${i.datatype}`)).toEqual([
      "tenure:INT64",
      "monthly:FP32",
      "active:BOOL",
      "plan:BYTES",
    ]);
  });
});

describe("OIP v2 gRPC errors", () => {
  let s: PredictionServer;
  let c: ReturnType<typeof client>;
  beforeAll(async () => {
    s = await start({}, "tok");
    c = client(s.grpcAddress!);
  });
  afterAll(async () => {
    c.close();
    await s.close();
  });

  const failure = async (p: Promise<unknown>): Promise<{ code: number; details: string }> => {
    const e = (await p.then(
      () => undefined,
      (err: grpc.ServiceError) => err,
    )) as grpc.ServiceError | undefined;
    expect(e, "the call should fail").toBeDefined();
    return { code: e!.code, details: e!.details };
  };

  it("maps an unknown model or version to NOT_FOUND", async () => {
    for (const p of [
      c.infer({ model_name: "nope", inputs: typedInputs(rows) }, "tok"),
      c.infer({ model_name: "churn_api", model_version: "7", inputs: typedInputs(rows) }, "tok"),
      c.metadata({ name: "nope" }, "tok"),
      c.modelReady({ name: "nope" }, "tok"),
    ]) {
      const e = await failure(p);
      expect(e.code).toBe(grpc.status.NOT_FOUND);
      expect(e.details).toMatch(/unknown model 'nope'|no version '7'/);
    }
  });

  it("maps bad tensors to INVALID_ARGUMENT naming the input", async () => {
    const cases: [unknown, RegExp][] = [
      [
        { inputs: typedInputs(rows).map((t) => (t.name === "plan" ? { ...t, datatype: "FP32" } : t)) },
        /input 'plan' has datatype FP32/,
      ],
      [
        { inputs: typedInputs(rows).map((t) => (t.name === "tenure" ? { ...t, shape: [2] } : t)) },
        /input 'tenure' has shape \[2\] but 3 elements/,
      ],
      [
        {
          inputs: typedInputs(rows).map((t) =>
            t.name === "plan"
              ? { ...t, contents: { bytes_contents: ["pro", "gold", "basic"].map((p) => Buffer.from(p)) } }
              : t,
          ),
        },
        /row 1, input 'plan': unknown category 'gold'/,
      ],
      [
        { ...rawRequest(rows), raw_input_contents: rawRequest(rows).raw_input_contents.slice(0, 3) },
        /raw_input_contents has 3 entries for 4 inputs/,
      ],
      [
        {
          ...rawRequest(rows),
          raw_input_contents: rawRequest(rows).raw_input_contents.map((b, i) =>
            i === 0 ? b.subarray(1) : b,
          ),
        },
        /input 'tenure': 11 raw bytes are not a whole number of INT32 elements/,
      ],
    ];
    for (const [req, message] of cases) {
      const e = await failure(c.infer({ model_name: "churn_api", ...(req as object) }, "tok"));
      expect(e.code, String(message)).toBe(grpc.status.INVALID_ARGUMENT);
      expect(e.details).toMatch(message);
    }
  });

  it("answers ServerMetadata: mlc and its version", async () => {
    const version = (
      JSON.parse(readFileSync(join(import.meta.dirname, "../../package.json"), "utf8")) as {
        version: string;
      }
    ).version;
    expect(await c.serverMetadata({}, "tok")).toEqual({ name: "mlc", version, extensions: [] });
    expect((await failure(c.serverMetadata({}))).code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it("requires the token except on the server probes", async () => {
    const e = await failure(c.infer({ model_name: "churn_api", inputs: typedInputs(rows) }));
    expect(e.code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await failure(c.metadata({ name: "churn_api" }, "wrong"))).code).toBe(
      grpc.status.UNAUTHENTICATED,
    );
    expect(await c.live({})).toEqual({ live: true });
    expect(await c.ready({})).toEqual({ ready: true });
    expect((await c.infer({ model_name: "churn_api", inputs: typedInputs(rows) }, "tok")).model_version).toBe(
      "1",
    );
  });
});

describe("mlc serve --grpc-port", () => {
  const project = (): string => {
    const p = tempProject();
    buildFixtureBundle(join(p, ".mlc/bundles/churn_api/v1"), { version: 1 });
    writeDeployment(p, "churn_api", { version: 1, bundle: ".mlc/bundles/churn_api/v1" }, "test");
    return p;
  };

  it("refuses a port that is not one", async () => {
    const flags = { dir: project(), port: "0", host: "127.0.0.1", maxBatch: "8", bodyLimit: "1mb" };
    await expect(
      startServe("churn_api", { ...flags, predictionLog: false, grpcPort: "http" }),
    ).rejects.toThrow(/--grpc-port must be an integer from 0 to 65535, got 'http'/);
  });

  const cli = resolve("dist/src/cli/main.js");
  it.skipIf(!existsSync(resolve("dist/src/serve/oip-grpc.js")))(
    "the built CLI serves gRPC beside HTTP, with the .proto found under dist/ (needs npm run build)",
    async () => {
      const child = spawn(
        process.execPath,
        [
          cli,
          "serve",
          "churn_api",
          "--dir",
          project(),
          "--port",
          "0",
          "--grpc-port",
          "0",
          "--no-prediction-log",
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
      for (let i = 0; i < 1200 && !/ready, serving/.test(out) && child.exitCode === null; i++)
        await new Promise((r) => setTimeout(r, 25));
      const http = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const grpcAddress = /Open Inference Protocol \(gRPC\) on (\S+)/.exec(out)?.[1];
      expect(http, out).toBeDefined();
      expect(grpcAddress, out).toMatch(/^127\.0\.0\.1:\d+$/);
      const c = client(grpcAddress!);
      try {
        const v1res = await fetch(`${http}/v1/predict`, {
          method: "POST",
          body: JSON.stringify({ instances: rows }),
        });
        const expected = ((await v1res.json()) as { predictions: { label: string }[] }).predictions;
        const res = await c.infer({ model_name: "churn_api", inputs: typedInputs(rows) });
        const label = (res.outputs as OutputTensor[]).find((o) => o.name === "label")!;
        expect(label.contents.bytes_contents.map((b) => b.toString())).toEqual(expected.map((p) => p.label));
      } finally {
        c.close();
        child.kill("SIGTERM");
      }
      expect(await exited, out).toBe(0);
    },
  );
});
