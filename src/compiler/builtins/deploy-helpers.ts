// Deployment helpers: serving targets (`serve = rest { port = 8080 }`) and rollout strategies
// (`rollout = canary(10%)`), read by the deploy executor and `mlc serve`.
import { d, t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import type { FunctionBuiltin } from "./types.js";

const port = {
  name: "port",
  type: t.int(1, 65535),
  required: false,
  default: d.number(8080),
  doc: "TCP port",
} as const;

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
    ],
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
