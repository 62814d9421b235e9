// The Open Inference Protocol (v2) over gRPC (`mlc serve --grpc-port N`): KServe's published
// GRPCInferenceService (proto/grpc_predict_v2.proto) on @grpc/grpc-js. Decodes tensor contents (typed
// or raw little-endian), answers with oip-v2.ts's results; its errors map to gRPC status codes.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { timingSafeEqual } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  infer,
  isOipError,
  modelMetadata,
  modelReady,
  serverLive,
  serverMetadata,
  serverReady,
  type InputTensor,
  type OipContext,
  type OipError,
  type OutputTensor,
} from "./oip-v2.js";

/** The protocol's .proto: beside this module, in src/serve/proto/ and (copied by the build) dist/src/serve/proto/. */
export const OIP_PROTO_PATH = fileURLToPath(new URL("./proto/grpc_predict_v2.proto", import.meta.url));

/** proto-loader's options for the protocol, shared with clients built from the same file. */
export const OIP_PROTO_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

export interface OipGrpcServer {
  /** host:port actually bound. */
  address: string;
  /** Stops taking calls, lets running ones finish (at most `graceMs`), then closes. */
  close(graceMs?: number): Promise<void>;
}

interface Contents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: number[];
  uint_contents?: number[];
  uint64_contents?: number[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Buffer[];
}

interface InferInputTensor {
  name: string;
  datatype: string;
  shape: number[];
  contents: Contents | null;
}

interface ModelInferRequest {
  model_name: string;
  model_version: string;
  id: string;
  inputs: InferInputTensor[];
  outputs: { name: string }[];
  raw_input_contents: Buffer[];
}

/** Typed contents field, element size and little-endian reader of each fixed-size datatype. */
const LAYOUT: Record<
  string,
  { field: keyof Contents; size: number; read?: (b: Buffer, o: number) => unknown }
> = {
  BOOL: { field: "bool_contents", size: 1, read: (b, o) => b.readUInt8(o) !== 0 },
  INT8: { field: "int_contents", size: 1, read: (b, o) => b.readInt8(o) },
  INT16: { field: "int_contents", size: 2, read: (b, o) => b.readInt16LE(o) },
  INT32: { field: "int_contents", size: 4, read: (b, o) => b.readInt32LE(o) },
  INT64: { field: "int64_contents", size: 8, read: (b, o) => Number(b.readBigInt64LE(o)) },
  UINT8: { field: "uint_contents", size: 1, read: (b, o) => b.readUInt8(o) },
  UINT16: { field: "uint_contents", size: 2, read: (b, o) => b.readUInt16LE(o) },
  UINT32: { field: "uint_contents", size: 4, read: (b, o) => b.readUInt32LE(o) },
  UINT64: { field: "uint64_contents", size: 8, read: (b, o) => Number(b.readBigUInt64LE(o)) },
  FP32: { field: "fp32_contents", size: 4, read: (b, o) => b.readFloatLE(o) },
  FP64: { field: "fp64_contents", size: 8, read: (b, o) => b.readDoubleLE(o) },
  BYTES: { field: "bytes_contents", size: 0 },
};

/** The elements of raw_input_contents[k] (fixed-size little-endian, or BYTES as 4-byte-length-prefixed strings). */
function readRaw(name: string, datatype: string, raw: Buffer): unknown[] | OipError {
  const layout = LAYOUT[datatype];
  if (!layout) return []; // oip-v2 refuses the datatype itself
  const out: unknown[] = [];
  if (datatype === "BYTES") {
    for (let o = 0; o < raw.length;) {
      if (o + 4 > raw.length)
        return { status: 400, message: `input '${name}': raw BYTES contents are truncated` };
      const len = raw.readUInt32LE(o);
      if (o + 4 + len > raw.length)
        return { status: 400, message: `input '${name}': raw BYTES contents are truncated` };
      out.push(raw.toString("utf8", o + 4, o + 4 + len));
      o += 4 + len;
    }
    return out;
  }
  if (raw.length % layout.size !== 0)
    return {
      status: 400,
      message: `input '${name}': ${raw.length} raw bytes are not a whole number of ${datatype} elements`,
    };
  for (let o = 0; o < raw.length; o += layout.size) out.push(layout.read!(raw, o));
  return out;
}

/** The request's tensors, each with its elements from its typed contents or its raw_input_contents entry. */
function decodeInputs(req: ModelInferRequest): InputTensor[] | OipError {
  const raw = req.raw_input_contents ?? [];
  if (raw.length > 0 && raw.length !== req.inputs.length)
    return {
      status: 400,
      message: `raw_input_contents has ${raw.length} entries for ${req.inputs.length} inputs; give one per input`,
    };
  const out: InputTensor[] = [];
  for (let k = 0; k < req.inputs.length; k++) {
    const t = req.inputs[k]!;
    let data: unknown[];
    if (raw.length > 0) {
      const r = readRaw(t.name, t.datatype, raw[k]!);
      if (isOipError(r)) return r;
      data = r;
    } else {
      const layout = LAYOUT[t.datatype];
      const got = layout ? (t.contents?.[layout.field] ?? []) : [];
      data =
        t.datatype === "BYTES" ? (got as Buffer[]).map((b) => Buffer.from(b).toString("utf8")) : [...got];
    }
    out.push({ name: t.name, datatype: t.datatype, shape: t.shape.map(Number), data });
  }
  return out;
}

/** An output tensor as the protocol's InferOutputTensor: typed contents, parameters as string_param. */
function encodeOutput(o: OutputTensor): Record<string, unknown> {
  const contents =
    o.datatype === "FP64"
      ? { fp64_contents: o.data.map((v) => (v === null ? NaN : v)) }
      : o.datatype === "BOOL"
        ? { bool_contents: o.data }
        : { bytes_contents: o.data.map((v) => Buffer.from(String(v), "utf8")) };
  return {
    name: o.name,
    datatype: o.datatype,
    shape: o.shape,
    contents,
    parameters: Object.fromEntries(
      Object.entries(o.parameters ?? {}).map(([k, v]) => [k, { string_param: v }]),
    ),
  };
}

const CODE: Record<OipError["status"], grpc.status> = {
  400: grpc.status.INVALID_ARGUMENT,
  404: grpc.status.NOT_FOUND,
  500: grpc.status.INTERNAL,
  503: grpc.status.UNAVAILABLE,
};

const toStatus = (e: OipError): Partial<grpc.StatusObject> => ({ code: CODE[e.status], details: e.message });

/** `authorization: Bearer <token>` in the call's metadata; the scheme name is case-insensitive. */
function authorized(call: grpc.ServerUnaryCall<unknown, unknown>, token: Buffer | undefined): boolean {
  if (!token) return true;
  const h = call.metadata.get("authorization")[0];
  const m = typeof h === "string" ? /^bearer +(\S+) *$/i.exec(h) : null;
  if (!m) return false;
  const got = Buffer.from(m[1]!);
  return got.length === token.length && timingSafeEqual(got, token);
}

type Handler = grpc.handleUnaryCall<unknown, unknown>;

/** Binds the protocol's service on host:port (0 picks a free port) and serves until close(). */
export async function startOipGrpc(
  ctx: OipContext,
  opts: { port: number; host: string; token?: string; maxMessageBytes?: number },
): Promise<OipGrpcServer> {
  if (!existsSync(OIP_PROTO_PATH))
    throw new Error(
      `the Open Inference Protocol definition ${OIP_PROTO_PATH} is missing from this installation`,
    );
  const def = protoLoader.loadSync(OIP_PROTO_PATH, OIP_PROTO_OPTIONS);
  const service = def["inference.GRPCInferenceService"] as grpc.ServiceDefinition;
  const token = opts.token ? Buffer.from(opts.token) : undefined;
  let seq = 0;
  const ids = `grpc-${process.pid.toString(36)}-${Date.now().toString(36)}`;

  /** A unary method: probes answer without a token; the others require it. */
  const unary =
    <Req>(probe: boolean, fn: (req: Req) => Promise<unknown> | unknown): Handler =>
    (call, callback) => {
      if (!probe && !authorized(call, token))
        return callback({
          code: grpc.status.UNAUTHENTICATED,
          details: "a valid bearer token is required (metadata authorization: Bearer …)",
        });
      Promise.resolve()
        .then(() => fn(call.request as Req))
        .then(
          (res) => (isOipError(res) ? callback(toStatus(res)) : callback(null, res)),
          () => callback({ code: grpc.status.INTERNAL, details: "internal error" }),
        );
    };

  const server = new grpc.Server({
    "grpc.max_receive_message_length": opts.maxMessageBytes ?? 4 * 1024 * 1024,
  });
  server.addService(service, {
    ServerLive: unary(true, () => ({ live: serverLive() })),
    ServerReady: unary(true, () => ({ ready: serverReady(ctx) })),
    ServerMetadata: unary(false, () => serverMetadata()),
    ModelReady: unary<{ name: string; version: string }>(false, (r) => {
      const ready = modelReady(ctx, r.name, r.version || undefined);
      return isOipError(ready) ? ready : { ready };
    }),
    ModelMetadata: unary<{ name: string; version: string }>(false, (r) =>
      modelMetadata(ctx, r.name, r.version || undefined),
    ),
    ModelInfer: unary<ModelInferRequest>(false, async (r) => {
      const inputs = decodeInputs(r);
      if (isOipError(inputs)) return inputs;
      const res = await infer(
        ctx,
        r.model_name,
        r.model_version || undefined,
        { id: r.id, inputs, ...(r.outputs.length ? { outputs: r.outputs.map((o) => o.name) } : {}) },
        `${ids}-${(++seq).toString(36)}`,
      );
      if (isOipError(res)) return res;
      return {
        ...res,
        outputs: res.outputs.map(encodeOutput),
        parameters: Object.fromEntries(
          Object.entries(res.parameters ?? {}).map(([k, v]) => [k, { string_param: v }]),
        ),
      };
    }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${opts.host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    address: `${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${port}`,
    close: (graceMs = 1000) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
