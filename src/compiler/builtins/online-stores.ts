// Online feature stores of a deployment (`online = sqlite` or `online = redis { url = env("…") }`):
// where the deploy executor writes the latest looked-up values per entity and `mlc serve` reads them.
import { d, t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import type { ArgProblem, BoundArgs, FunctionBuiltin } from "./types.js";

/** A literal URL is recorded in state and the deployment pointer: it must not hold a password. */
export function noPasswordInUrl(args: BoundArgs): ArgProblem[] {
  const url = args.get("url")?.[0];
  if (url?.type !== "string") return [];
  try {
    if (new URL(url.value).password)
      return [
        {
          param: "url",
          message:
            'a literal URL must not hold a password; write url = env("VAR") and set the variable where mlc runs',
        },
      ];
  } catch {
    return [{ param: "url", message: "expected a URL such as redis://host:port" }];
  }
  return [];
}

for (const b of [
  {
    family: "online",
    name: "sqlite",
    returns: "any",
    doc: "The embedded online store (the default): a SQLite file in the project's `.mlc/` folder, read by `mlc serve` on the same machine.",
    params: [
      {
        name: "path",
        type: t.string(),
        required: false,
        default: d.string(".mlc/online.db"),
        doc: "the database file, relative to the project",
      },
    ],
  },
  {
    family: "online",
    name: "redis",
    returns: "any",
    doc: "A Redis server shared by every replica of the server; credentials only through `env(…)`.",
    params: [
      {
        name: "url",
        type: t.union(t.call("secret"), t.string()),
        required: true,
        doc: 'a redis:// URL, normally `env("MLC_ONLINE_URL")` (read when deploying and when serving, never stored)',
      },
      {
        name: "prefix",
        type: t.string(),
        required: false,
        default: d.string("mlc:online"),
        doc: "the prefix of every key mlc writes",
      },
    ],
    checkArgs: noPasswordInUrl,
  },
] satisfies FunctionBuiltin[])
  registerBuiltin(b);
