// Monitor actions: what `mlc monitor` does when an assertion of a monitor breaks.
import { t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import type { FunctionBuiltin } from "./types.js";

for (const b of [
  {
    family: "action",
    name: "retrain",
    returns: "any",
    doc: "Plans and applies the model's branch again with fresh data.",
    params: [{ name: "model", type: t.ref("model"), required: true, doc: "the model retrained" }],
  },
  {
    family: "action",
    name: "rollback",
    returns: "any",
    doc: "Moves the deployment back to the previous champion.",
    params: [
      { name: "deployment", type: t.ref("deploy"), required: true, doc: "the deployment rolled back" },
    ],
  },
  {
    family: "action",
    name: "alert",
    returns: "any",
    doc: "Posts the breach as JSON to a webhook.",
    params: [
      {
        name: "url",
        type: t.union(t.string(), t.call("secret")),
        required: true,
        doc: 'the webhook, usually `env("ALERT_URL")`',
      },
      { name: "message", type: t.string(), required: false, doc: "a text prepended to the report" },
    ],
  },
] satisfies FunctionBuiltin[])
  registerBuiltin(b);
