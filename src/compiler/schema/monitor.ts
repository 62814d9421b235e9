// `monitor`: scheduled checks of a deployment's live inputs and outcomes (drift, quality) with an
// action when an assertion breaks.
import { d, t } from "./type-builders.js";
import { registerBlockKind } from "./registry.js";

registerBlockKind({
  kind: "monitor",
  doc: "Checks of a deployment over a recent window of its prediction log: drift tests over features, `live.METRIC` once labels arrive, and `latency.p50|p90|p95|p99|mean|max` of served requests. A broken assertion runs `on_breach`.",
  name: "required",
  model: "deployment",
  attributes: [
    { name: "deployment", type: t.ref("deploy"), required: true, doc: "the deployment watched" },
    {
      name: "schedule",
      type: t.duration(),
      required: false,
      default: d.duration("1h", 3600),
      doc: "how often `mlc monitor` runs the checks when left running",
    },
    {
      name: "window",
      type: t.duration(),
      required: false,
      default: d.duration("7d", 604800),
      doc: "how much of the prediction log each check reads",
    },
    {
      name: "on_breach",
      type: t.union(t.call("action"), t.list(t.call("action"), 1)),
      required: false,
      doc: 'what to do when an assertion breaks: `retrain(model)`, `rollback(deployment)`, `alert(env("URL"))`, or a list',
    },
  ],
  nested: [],
  assertions: { scope: "monitor", doc: "boolean expressions over drift tests, `live` metrics and latency" },
});
