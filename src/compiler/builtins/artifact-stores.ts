// Shared artifact stores of a project (`artifacts = s3 { bucket = "…" }` or `dir { path = "…" }`):
// where apply uploads content-addressed objects and other checkouts download them (runtime/artifacts/).
import { t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import type { ArgProblem, BoundArgs, FunctionBuiltin } from "./types.js";

/** An S3 key prefix is a folder-like path: no leading slash, no `..`. */
function checkPrefix(args: BoundArgs): ArgProblem[] {
  const p = args.get("prefix")?.[0];
  if (p?.type !== "string") return [];
  if (p.value.startsWith("/") || p.value.split("/").includes(".."))
    return [
      {
        param: "prefix",
        message: "a prefix is a relative key path such as `team/churn`, without `/` at the start or `..`",
      },
    ];
  return [];
}

for (const b of [
  {
    family: "store",
    name: "s3",
    returns: "any",
    doc: "An S3 (or S3-compatible) bucket. Objects are uploaded once, verified on download and cached in `.mlc/objects`; credentials come from the standard AWS environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_PROFILE`, …) and are never stored or printed.",
    params: [
      { name: "bucket", type: t.string(), required: true, doc: "the bucket's name" },
      {
        name: "prefix",
        type: t.string(),
        required: false,
        doc: "the key prefix of every object (objects are `<prefix>/objects/ab/cdef…`)",
      },
      {
        name: "endpoint",
        type: t.union(t.call("secret"), t.string()),
        required: false,
        doc: 'the endpoint URL of an S3-compatible server, e.g. `env("MLC_S3_ENDPOINT")`; default: AWS',
      },
      {
        name: "region",
        type: t.string(),
        required: false,
        doc: "the bucket's region; default `AWS_REGION`, else `us-east-1`",
      },
    ],
    checkArgs: checkPrefix,
  },
  {
    family: "store",
    name: "dir",
    returns: "any",
    doc: "A shared folder (a network file system or a ReadWriteMany volume) holding the objects as `.mlc/objects` does.",
    params: [
      {
        name: "path",
        type: t.union(t.call("secret"), t.string()),
        required: true,
        doc: "the folder, absolute or relative to the project",
      },
    ],
  },
] satisfies FunctionBuiltin[])
  registerBuiltin(b);
