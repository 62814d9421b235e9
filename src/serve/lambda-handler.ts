// The AWS Lambda handler of `serve = serverless { provider = aws_lambda }`. It answers API Gateway
// events, both the REST API's proxy payload (1.0) and the HTTP API's payload (2.0), with the JSON
// `mlc serve` returns: `POST /v1/predict` scores one record or `{"instances": […]}`, `GET /healthz`
// and `GET /v1/model` describe it, and anything else is a JSON 404 or 405. The bundle lies beside the
// handler (`bundle/` under the function's root, `LAMBDA_TASK_ROOT`); it is loaded once per
// execution environment (the cold start) and reused by every later invocation.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { loadBundle } from "./bundle.js";
import { ModelRunner } from "./model-runner.js";
import { DEFAULT_MAX_BATCH, isBodyProblem, predictRecords } from "./predict-request.js";
import { predictionFormatter, type PredictionFormatter } from "./prediction-format.js";
import { isProblem } from "./record-encoder.js";

/** The fields of an API Gateway proxy event (payload 1.0 or 2.0) the handler reads. */
export interface ApiGatewayEvent {
  version?: string;
  httpMethod?: string;
  path?: string;
  rawPath?: string;
  requestContext?: { requestId?: string; http?: { method?: string; path?: string } };
  headers?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

/** What API Gateway turns into the HTTP response. */
export interface ApiGatewayResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The folder of the function's package that holds the bundle. */
export const LAMBDA_BUNDLE_DIR = "bundle";

interface Loaded {
  runner: ModelRunner;
  format: PredictionFormatter;
}

let loading: Promise<Loaded> | undefined;

/** The runner, created at the first invocation of this execution environment. */
function loaded(): Promise<Loaded> {
  loading ??= (async () => {
    const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
    const bundle = loadBundle(join(root, LAMBDA_BUNDLE_DIR));
    const runner = await ModelRunner.load(bundle, { coalesce: false });
    return { runner, format: predictionFormatter(bundle.meta) };
  })();
  // a failed load is retried by the next invocation, not cached
  loading.catch(() => (loading = undefined));
  return loading;
}

const reply = (statusCode: number, body: string, headers: Record<string, string> = {}): ApiGatewayResult => ({
  statusCode,
  headers: { "content-type": "application/json; charset=utf-8", ...headers },
  body,
});

const problem = (statusCode: number, body: Record<string, unknown>): ApiGatewayResult =>
  reply(statusCode, JSON.stringify(body));

export async function handler(event: ApiGatewayEvent): Promise<ApiGatewayResult> {
  const method = (event.requestContext?.http?.method ?? event.httpMethod ?? "").toUpperCase();
  const path = event.rawPath ?? event.requestContext?.http?.path ?? event.path ?? "/";
  const requestId = event.requestContext?.requestId ?? randomUUID();
  const route = ["/v1/predict", "/healthz", "/v1/model"].find((r) => path === r || path.endsWith(r));
  if (!route) return problem(404, { error: "not_found", message: `no route ${method} ${path}` });
  const allowed = route === "/v1/predict" ? "POST" : "GET";
  if (method !== allowed)
    return problem(405, { error: "method_not_allowed", message: `${route} takes ${allowed}` });

  let served: Loaded;
  try {
    served = await loaded();
  } catch (e) {
    console.error(`mlc: the bundle could not be loaded: ${(e as Error).message}`);
    return problem(503, { error: "not_ready", message: "the model could not be loaded" });
  }
  const meta = served.runner.meta;
  if (route === "/healthz") return reply(200, JSON.stringify({ status: "ok" }));
  if (route === "/v1/model")
    return reply(
      200,
      JSON.stringify({
        deployment: meta.deployment,
        model: meta.model,
        version: meta.version,
        task: meta.task,
        inputs: meta.inputs,
      }),
    );

  let body: unknown;
  try {
    const text = event.isBase64Encoded
      ? Buffer.from(event.body ?? "", "base64").toString("utf8")
      : (event.body ?? "");
    body = JSON.parse(text);
  } catch {
    return problem(400, { error: "invalid_json", message: "the request body is not valid JSON" });
  }
  const parsed = predictRecords(body, DEFAULT_MAX_BATCH);
  if (isBodyProblem(parsed)) return problem(parsed.status, parsed.body);
  const enc = served.runner.encoder.encodeRecords(parsed.records, parsed.batched);
  if (isProblem(enc))
    return problem(400, {
      error: "invalid_input",
      field: enc.field,
      message: enc.message,
      ...(enc.index !== undefined ? { index: enc.index } : {}),
    });
  let scores: Float32Array;
  try {
    scores = await served.runner.score(enc);
  } catch (e) {
    console.error(`mlc: scoring failed: ${(e as Error).message}`);
    return problem(500, { error: "scoring_failed", message: "the model failed to score this request" });
  }
  const predictions = parsed.records.map((_, i) => served.format.formatJson(scores, i));
  return reply(
    200,
    `{"predictions":[${predictions.join(",")}],"model_version":${meta.version},"request_id":${JSON.stringify(requestId)}}`,
    { "x-model-version": String(meta.version) },
  );
}
