// Decision rules of an anomaly model (`threshold = contamination(0.02)`, `precision(0.9)`,
// `recall(0.8)`): how the score threshold is calibrated on the validation part (src/ml/anomaly-threshold.ts),
// and with `on = REVIEWS` also on the events reviewers labelled (`source … { review = DEPLOYMENT }`).
import { t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import type { ArgProblem, BoundArgs, FunctionBuiltin } from "./types.js";

/** `on = REVIEWS`: the labelled events of a review source join the calibration rows. */
const onReviews = {
  name: "on",
  type: t.ref("source"),
  required: false,
  doc: "a review source (`source reviews { review = DEPLOYMENT }`): the events reviewers labelled are scored by the new model and calibrate the threshold beside the labelled validation rows (alone when the task has no label); a new label re-runs the model",
} as const;

/** A share or target of 0 decides nothing: the value must be above 0. */
const aboveZero =
  (param: string) =>
  (args: BoundArgs): ArgProblem[] => {
    const e = args.get(param)?.[0];
    return e?.type === "number" && e.value <= 0 ? [{ param, message: "must be greater than 0" }] : [];
  };

for (const b of [
  {
    family: "threshold",
    name: "contamination",
    returns: "any",
    doc: "The expected share of anomalies: the threshold is the validation scores' (1 − share) quantile. Needs no labels.",
    params: [
      { name: "share", type: t.number(0, 0.5), required: true, doc: "the share flagged, in (0, 0.5]" },
    ],
    checkArgs: aboveZero("share"),
  },
  {
    family: "threshold",
    name: "precision",
    returns: "any",
    doc: "The lowest threshold whose flagged validation rows have at least `target` precision (the most anomalies found at that precision). Needs the task's `label` or reviewed labels (`on = REVIEWS`); apply fails (MLC2207) when no threshold reaches it.",
    params: [
      { name: "target", type: t.number(0, 1), required: true, doc: "the precision wanted, in (0, 1]" },
      onReviews,
    ],
    checkArgs: aboveZero("target"),
  },
  {
    family: "threshold",
    name: "recall",
    returns: "any",
    doc: "The highest threshold whose flagged validation rows hold at least `target` of the labelled anomalies (the fewest rows flagged at that recall). Needs the task's `label` or reviewed labels (`on = REVIEWS`).",
    params: [
      { name: "target", type: t.number(0, 1), required: true, doc: "the recall wanted, in (0, 1]" },
      onReviews,
    ],
    checkArgs: aboveZero("target"),
  },
] satisfies FunctionBuiltin[])
  registerBuiltin(b);
