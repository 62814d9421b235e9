// Deployment helpers: serving targets (`serve = rest { port = 8080 }`) and rollout strategies
// (`rollout = canary(10%)`), read by the deploy executor and `mlc serve`.
import { d, t } from "../schema/type-builders.js";
import { noPasswordInUrl } from "./online-stores.js";
import { registerBuiltin } from "./registry.js";
import type { ArgProblem, BoundArgs, FunctionBuiltin } from "./types.js";

const port = {
  name: "port",
  type: t.int(1, 65535),
  required: false,
  default: d.number(8080),
  doc: "TCP port; `mlc serve` and the container export listen on it unless `--port` says otherwise",
} as const;

/** A NATS subject mlc publishes to or consumes: dot-separated tokens, no wildcard, no whitespace. */
const NATS_SUBJECT = /^[^.*>\s]+(\.[^.*>\s]+)*$/;
/** A JetStream durable consumer name. */
const NATS_DURABLE = /^[^.*>\s/\\]+$/;

/** The transport a stream target names (`redis` unless `transport = nats`). */
function transportOf(args: BoundArgs): string {
  const e = args.get("transport")?.[0];
  return e?.type === "string" ? e.value : e?.type === "ref" ? e.path.join(".") : "redis";
}

/**
 * Stream names: none empty, and the three streams distinct (an output read back as input would loop);
 * a literal URL of the transport's scheme; on NATS, subjects without wildcards and a valid durable name.
 */
function checkStreamArgs(args: BoundArgs): ArgProblem[] {
  const problems = noPasswordInUrl(args);
  const transport = transportOf(args);
  const url = args.get("url")?.[0];
  if (url?.type === "string" && !problems.length) {
    const scheme = url.value.slice(0, url.value.indexOf(":") + 1);
    const schemes = transport === "nats" ? ["nats:", "tls:"] : ["redis:", "rediss:"];
    if (!schemes.includes(scheme))
      problems.push({
        param: "url",
        message: `a ${transport} stream's URL starts with ${schemes.map((s) => s + "//").join(" or ")}, not '${scheme}//'${
          transport === "redis" && scheme === "nats:" ? " (a NATS server needs `transport = nats`)" : ""
        }`,
      });
  }
  const named = new Map<string, string>();
  for (const param of ["input", "output", "dead_letter"]) {
    const e = args.get(param)?.[0];
    if (e?.type !== "string") continue;
    if (e.value === "") {
      problems.push({ param, message: "a stream name must not be empty" });
      continue;
    }
    const other = named.get(e.value);
    if (other)
      problems.push({
        param,
        message: `\`${param}\` must be another stream than \`${other}\` ('${e.value}')`,
      });
    else named.set(e.value, param);
    if (transport === "nats" && !NATS_SUBJECT.test(e.value))
      problems.push({
        param,
        message: `'${e.value}' is not a NATS subject mlc can use: dot-separated tokens without spaces or wildcards (* >)`,
      });
  }
  const group = args.get("group")?.[0];
  if (group?.type === "string" && group.value === "")
    problems.push({ param: "group", message: "a consumer group name must not be empty" });
  else if (group?.type === "string" && transport === "nats" && !NATS_DURABLE.test(group.value))
    problems.push({
      param: "group",
      message: `'${group.value}' is not a JetStream durable consumer name: no spaces, dots, slashes or wildcards (* >)`,
    });
  for (const param of ["claim_idle", "dedup"]) {
    const d = args.get(param)?.[0];
    if (d?.type === "duration" && d.seconds <= 0) problems.push({ param, message: "must be longer than 0s" });
  }
  return problems;
}

/** Lambda runs an invocation for 1 s to 15 min. */
function checkServerlessArgs(args: BoundArgs): ArgProblem[] {
  const timeout = args.get("timeout")?.[0];
  if (timeout?.type === "duration" && (timeout.seconds < 1 || timeout.seconds > 900))
    return [{ param: "timeout", message: "must be between 1s and 900s (15min), Lambda's bounds" }];
  return [];
}

for (const b of [
  {
    family: "serving",
    name: "rest",
    returns: "any",
    doc: "An HTTP JSON prediction server (`mlc serve`).",
    params: [
      port,
      { name: "workers", type: t.int(1), required: false, default: d.number(1), doc: "worker processes" },
      {
        name: "batch_limit",
        type: t.int(1),
        required: false,
        default: d.number(1024),
        doc: "most instances accepted in one request",
      },
    ],
  },
  {
    family: "serving",
    name: "batch",
    returns: "any",
    doc: "Scores a whole source or feature table through the same bundle.",
    params: [
      { name: "input", type: t.ref("source", "features"), required: true, doc: "the rows scored" },
      {
        name: "output",
        type: t.string(),
        required: true,
        doc: "the output file (`.parquet`, `.csv` or `.jsonl`), relative to the project",
      },
      {
        name: "keep",
        type: t.list(t.string()),
        required: false,
        doc: 'columns of the input copied into the output before the scores, row for row (an id or key, so the scores can be joined back): `keep = ["customer_id"]`',
      },
    ],
  },
  {
    family: "serving",
    name: "stream",
    returns: "any",
    doc: "Scores events from a Redis Stream (with a consumer group) or a NATS JetStream subject (with a durable consumer) through the same bundle, writing each score to an output stream or subject (`mlc serve`); see specs/streaming.md.",
    params: [
      {
        name: "url",
        type: t.union(t.call("secret"), t.string()),
        required: true,
        doc: 'a redis:// URL (nats:// with `transport = nats`), normally `env("MLC_STREAM_URL")` (read when serving, never stored)',
      },
      {
        name: "input",
        type: t.string(),
        required: true,
        doc: "the stream (NATS: the subject) the events are read from",
      },
      {
        name: "output",
        type: t.string(),
        required: true,
        doc: "the stream (NATS: the subject) the scored events are added to",
      },
      {
        name: "group",
        type: t.string(),
        required: false,
        doc: "the consumer group (NATS: the durable consumer); default `mlc-<deployment>`",
      },
      {
        name: "dead_letter",
        type: t.string(),
        required: false,
        doc: "the stream (NATS: the subject) events that fail validation go to, with the reason; default `<input>.dead`",
      },
      {
        name: "batch",
        type: t.int(1, 65536),
        required: false,
        default: d.number(256),
        doc: "most events read and scored at once per consumer (one model run); also the bound of events in flight",
      },
      {
        name: "claim_idle",
        type: t.duration(),
        required: false,
        default: d.duration("30s", 30),
        doc: "how long an event stays unacknowledged by a consumer before another claims it",
      },
      {
        name: "dedup",
        type: t.duration(),
        required: false,
        default: d.duration("1d", 86400),
        doc: "how long a scored event's id is remembered, so a redelivered event is not scored twice",
      },
      {
        name: "workers",
        type: t.int(1, 256),
        required: false,
        default: d.number(1),
        doc: "consumers run by `mlc serve` in the one group (and replicas of the container target)",
      },
      {
        name: "transport",
        type: t.enum("redis", "nats"),
        required: false,
        default: d.name("redis"),
        doc: "`redis`: Redis Streams with a consumer group; `nats`: NATS JetStream with a durable pull consumer (streams holding the subjects are created when missing; alert rules need `redis`)",
      },
    ],
    checkArgs: checkStreamArgs,
  },
  {
    family: "serving",
    name: "container",
    returns: "any",
    doc: "Writes a Dockerfile and Kubernetes manifests for the bundle.",
    params: [
      { name: "image", type: t.string(), required: false, doc: "image name; default `mlc-<deployment>`" },
      { name: "replicas", type: t.int(1), required: false, default: d.number(2), doc: "initial replicas" },
      {
        name: "max_replicas",
        type: t.int(1),
        required: false,
        default: d.number(10),
        doc: "autoscaler ceiling",
      },
      port,
      { name: "cpu", type: t.string(), required: false, default: d.string("500m"), doc: "CPU request" },
      {
        name: "memory",
        type: t.string(),
        required: false,
        default: d.string("512Mi"),
        doc: "memory request",
      },
    ],
  },
  {
    family: "serving",
    name: "serverless",
    returns: "any",
    doc: "Writes an AWS Lambda function package of the bundle under `.mlc/serverless/<deployment>/`: `handler.zip` (the handler, the bundle and only the dependency files it loads), `template.yaml` (AWS SAM, with HTTP API routes) and `size.json` (specs/serverless.md). The handler answers API Gateway events with the JSON `mlc serve` returns; it serves one version and keeps no prediction log.",
    params: [
      {
        name: "provider",
        type: t.enum("aws_lambda"),
        required: false,
        default: d.name("aws_lambda"),
        doc: "the function platform; `aws_lambda` is the one supported",
      },
      {
        name: "arch",
        type: t.enum("x86_64", "arm64"),
        required: false,
        default: d.name("x86_64"),
        doc: "the function's architecture: the native ONNX Runtime build packed for it",
      },
      {
        name: "memory",
        type: t.int(128, 10240),
        required: false,
        default: d.number(1024),
        doc: "the function's memory in MB (Lambda gives CPU in proportion)",
      },
      {
        name: "timeout",
        type: t.duration(),
        required: false,
        default: d.duration("10s", 10),
        doc: "the longest an invocation may run (1s to 900s)",
      },
    ],
    checkArgs: checkServerlessArgs,
  },
  {
    family: "rollout",
    name: "canary",
    returns: "any",
    doc: "Routes `share` of traffic to the new version by a stable hash of the entity key.",
    params: [
      { name: "share", type: t.percent(), required: true, doc: "the new version's share of traffic" },
      {
        name: "key",
        type: t.string(),
        required: false,
        doc: "the request field hashed for routing; default the source's key",
      },
    ],
  },
  {
    family: "rollout",
    name: "shadow",
    returns: "any",
    doc: "The new version scores every request; its output is logged, never returned.",
    params: [],
  },
  {
    family: "rollout",
    name: "immediate",
    returns: "any",
    doc: "All traffic moves to the new version at once.",
    params: [],
  },
] satisfies FunctionBuiltin[])
  registerBuiltin(b);
