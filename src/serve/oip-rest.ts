// The Open Inference Protocol (v2) over HTTP: the /v2 routes of the prediction server. Decodes the JSON
// request into tensors, answers with oip-v2.ts's results; errors are `{"error": "…"}` with a 4xx/5xx.
import type { FastifyInstance, FastifyReply } from "fastify";
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
} from "./oip-v2.js";

/** The /v2 health paths: like /healthz and /readyz, answered without a token (they are probes). */
export const OIP_PROBE_PATHS: ReadonlySet<string> = new Set(["/v2/health/live", "/v2/health/ready"]);

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const fail = (reply: FastifyReply, e: OipError): FastifyReply =>
  reply.code(e.status).send({ error: e.message });

/** Row-major elements of a (possibly nested) JSON data array. */
function flatten(data: readonly unknown[]): unknown[] {
  return data.some(Array.isArray) ? (data as unknown[]).flat(Infinity) : (data as unknown[]);
}

/** The request body as the protocol's inference request, or the first problem, naming the input. */
function decodeRequest(body: unknown): { id?: string; inputs: InputTensor[]; outputs?: string[] } | OipError {
  if (!isObj(body)) return { status: 400, message: 'expected a JSON object {"inputs": [tensors…]}' };
  if (body.id !== undefined && typeof body.id !== "string")
    return { status: 400, message: "id must be a string" };
  if (!Array.isArray(body.inputs)) return { status: 400, message: "inputs must be a list of tensors" };
  const inputs: InputTensor[] = [];
  for (let k = 0; k < body.inputs.length; k++) {
    const t: unknown = body.inputs[k];
    if (!isObj(t)) return { status: 400, message: `inputs[${k}] must be a tensor object` };
    const name = typeof t.name === "string" ? t.name : undefined;
    const what = name === undefined ? `inputs[${k}]` : `input '${name.slice(0, 100)}'`;
    if (name === undefined) return { status: 400, message: `${what} needs a name` };
    if (typeof t.datatype !== "string") return { status: 400, message: `${what} needs a datatype` };
    if (!Array.isArray(t.shape) || !t.shape.every((d) => typeof d === "number"))
      return { status: 400, message: `${what} needs a shape: a list of integers` };
    if (!Array.isArray(t.data)) return { status: 400, message: `${what} needs data: a list` };
    inputs.push({ name, datatype: t.datatype, shape: t.shape as number[], data: flatten(t.data) });
  }
  let outputs: string[] | undefined;
  if (body.outputs !== undefined) {
    if (!Array.isArray(body.outputs) || !body.outputs.every((o) => isObj(o) && typeof o.name === "string"))
      return { status: 400, message: 'outputs must be a list of {"name": …}' };
    outputs = (body.outputs as { name: string }[]).map((o) => o.name);
  }
  return { ...(body.id !== undefined ? { id: body.id } : {}), inputs, ...(outputs ? { outputs } : {}) };
}

export function registerOipRoutes(app: FastifyInstance, ctx: OipContext): void {
  app.get("/v2/health/live", async (_req, reply) =>
    reply.code(serverLive() ? 200 : 503).send({ live: true }),
  );

  app.get("/v2", async () => serverMetadata());

  app.get("/v2/health/ready", async (_req, reply) => {
    const ready = serverReady(ctx);
    return reply.code(ready ? 200 : 503).send({ ready });
  });

  type ModelParams = { Params: { name: string; version?: string } };

  const metadata = async (req: { params: { name: string; version?: string } }, reply: FastifyReply) => {
    const m = modelMetadata(ctx, req.params.name, req.params.version);
    return isOipError(m) ? fail(reply, m) : m;
  };
  app.get<ModelParams>("/v2/models/:name", metadata);
  app.get<ModelParams>("/v2/models/:name/versions/:version", metadata);

  const ready = async (req: { params: { name: string; version?: string } }, reply: FastifyReply) => {
    const r = modelReady(ctx, req.params.name, req.params.version);
    if (isOipError(r)) return fail(reply, r);
    return reply.code(r ? 200 : 503).send({ name: req.params.name, ready: r });
  };
  app.get<ModelParams>("/v2/models/:name/ready", ready);
  app.get<ModelParams>("/v2/models/:name/versions/:version/ready", ready);

  const inferRoute = async (
    req: { params: { name: string; version?: string }; body: unknown; id: string },
    reply: FastifyReply,
  ) => {
    const decoded = decodeRequest(req.body);
    if (isOipError(decoded)) return fail(reply, decoded);
    const res = await infer(ctx, req.params.name, req.params.version, decoded, req.id);
    if (isOipError(res)) return fail(reply, res);
    reply.header("x-model-version", res.model_version);
    return res;
  };
  app.post<ModelParams>("/v2/models/:name/infer", inferRoute);
  app.post<ModelParams>("/v2/models/:name/versions/:version/infer", inferRoute);
}
