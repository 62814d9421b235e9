// Prediction log sinks of a deployment (`log = files | postgres { url = env("…") } | redis { … }`):
// where `mlc serve` logs predictions and stores feedback, with retention and excluded request fields.
import { d, t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import { noPasswordInUrl } from "./online-stores.js";
import type { FunctionBuiltin, ParamSpec } from "./types.js";

const common: ParamSpec[] = [
  {
    name: "retention",
    type: t.duration(),
    required: false,
    doc: "how long predictions and labels are kept; older ones are deleted by the server (default: kept)",
    namedOnly: true,
  },
  {
    name: "exclude",
    type: t.list(t.string()),
    required: false,
    doc: "request fields never written to the log (sensitive inputs); each must be an input of the model",
    namedOnly: true,
  },
];

const url = (v: string): ParamSpec => ({
  name: "url",
  type: t.union(t.call("secret"), t.string()),
  required: true,
  doc: `a ${v} URL, normally \`env("MLC_LOG_URL")\` (read when serving and monitoring, never stored)`,
});

for (const b of [
  {
    family: "log",
    name: "files",
    returns: "any",
    doc: "The embedded log (the default): NDJSON files under `.mlc/predictions/<deployment>/`, labels under `.mlc/feedback/<deployment>/`, for servers on one machine.",
    params: common,
  },
  {
    family: "log",
    name: "postgres",
    returns: "any",
    doc: "A PostgreSQL table shared by every replica (indexed by time and request id; rows inserted in batches off the response path); labels in `<table>_feedback`.",
    params: [
      url("postgres://"),
      {
        name: "table",
        type: t.string(),
        required: false,
        default: d.string("mlc_predictions"),
        doc: "the table (optionally `schema.table`), created when missing",
      },
      ...common,
    ],
    checkArgs: noPasswordInUrl,
  },
  {
    family: "log",
    name: "redis",
    returns: "any",
    doc: "Redis Streams shared by every replica: `<prefix>:<deployment>:predictions` and `…:feedback`, trimmed by time.",
    params: [
      url("redis://"),
      {
        name: "prefix",
        type: t.string(),
        required: false,
        default: d.string("mlc:log"),
        doc: "the prefix of every key mlc writes",
      },
      ...common,
    ],
    checkArgs: noPasswordInUrl,
  },
] satisfies FunctionBuiltin[])
  registerBuiltin(b);
