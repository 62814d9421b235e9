// `gate`: assertions over a model's evaluation that must hold before it may be promoted and
// deployed. Metric paths are checked against the model's task at compile time.
import type { BlockKindSchema } from "../../compiler/schema/types.js";
import { d, t } from "../../compiler/schema/type-builders.js";

export const gateLanguage: BlockKindSchema = {
  kind: "gate",
  doc: "Release criteria of a model. Assertions use metric paths `train|valid|test.METRIC` with optional `.lower`/`.upper` (95% bootstrap interval), `champion.test.METRIC` (the current champion on the same rows; a classifier's `champion.test.cost` is the champion's decisions at its own recorded threshold, costed with this model's decision values), `baseline.test.METRIC` (a rank task with `item = …`: every item scored by its count of relevant training rows, evaluated on the same rows), `latency.p50|p90|p95|p99|mean|max` (single-row ONNX inference), `size.bytes|mb` (the bundle), and the gate helpers. A failing gate stops its branch.",
  name: "required",
  model: "model",
  attributes: [
    { name: "model", type: t.ref("model"), required: true, doc: "the model gated" },
    {
      name: "first_run",
      type: t.enum("pass", "fail"),
      required: false,
      default: d.name("pass"),
      doc: "what comparisons with the champion do when there is none yet",
    },
  ],
  nested: [],
  assertions: { scope: "gate", doc: "boolean expressions over metric paths and gate helpers" },
};
