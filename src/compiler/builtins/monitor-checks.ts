// Monitor checks and actions: the drift tests and data-quality measures a monitor assertion calls
// over a window of a deployment's prediction log (against the deployed version's reference
// profile), and the actions `on_breach` runs. Which test fits which column is checked by the
// monitor kind (src/kinds/monitor/language.ts), which knows the deployment's inputs.
import { t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import type { FunctionBuiltin } from "./types.js";

const column = {
  name: "column",
  type: t.column(),
  required: true,
  doc: "a field of the deployment's requests (a raw input of the model)",
} as const;
const DRIFT_TEST_DOC =
  "the test: `psi`, `ks` (numbers), `chi2` (categories; a p-value), `js`, `wasserstein` (numbers); default by the column's type and the window's rows: `ks`/`chi2` under 1,000 rows, `wasserstein`/`js` from 1,000";
const test = {
  name: "test",
  type: t.enum("psi", "ks", "chi2", "js", "wasserstein"),
  required: false,
  doc: DRIFT_TEST_DOC,
} as const;

for (const b of [
  {
    family: "drift",
    name: "drift",
    returns: "number",
    doc: "The drift statistic of one input column of the window against the reference profile: PSI over the reference's quantile bins (categories: per category), the two-sample KS statistic, the chi-squared test's p-value (small means drift), the Jensen-Shannon distance (base 2, 0 to 1), or the Wasserstein distance divided by the reference's standard deviation.",
    params: [column, test],
  },
  {
    family: "drift",
    name: "prediction_drift",
    returns: "number",
    doc: "The drift statistic of the model's output: the score (binary classifiers: P(positive), anomaly, ranking), the value (regression) or the class (multiclass), against the reference profile's predictions.",
    params: [test],
  },
  {
    family: "drift",
    name: "drift_share",
    returns: "number",
    doc: "The share (0 to 1) of the deployment's logged input columns whose drift test says drifted: a statistic above `threshold` (for `chi2`: a p-value below it). Each column takes `test` if it fits its type, else the default test of its type.",
    params: [
      test,
      {
        name: "threshold",
        type: t.number(0),
        required: false,
        doc: "when a column counts as drifted; default per test: psi 0.2, ks 0.1, chi2 0.05 (p-value), js 0.1, wasserstein 0.1",
      },
    ],
  },
  {
    family: "drift",
    name: "null_rate",
    returns: "number",
    doc: "The share (0 to 1) of the window's rows where the column is null (absent, null, or a value of the wrong type).",
    params: [column],
  },
  {
    family: "drift",
    name: "unseen_rate",
    returns: "number",
    doc: "The share (0 to 1) of non-null values of the column outside what the reference saw: categories it never had, numbers below its minimum or above its maximum.",
    params: [column],
  },
  {
    family: "drift",
    name: "requests",
    returns: "number",
    doc: "The number of requests in the window (a batch request counts once).",
    params: [],
  },
  {
    family: "action",
    name: "alert",
    returns: "any",
    doc: "Posts the breach report as JSON to a webhook (5 s timeout, 3 retries with backoff); not repeated inside the monitor's `cooldown`.",
    params: [
      {
        name: "url",
        type: t.union(t.call("secret"), t.string()),
        required: true,
        doc: 'the webhook, usually `env("ALERT_URL")`',
      },
    ],
  },
  {
    family: "action",
    name: "rollback",
    returns: "any",
    doc: "Moves the deployment back to its previous stable version (as `mlc rollback`).",
    params: [
      { name: "deployment", type: t.ref("deploy"), required: true, doc: "the deployment rolled back" },
    ],
  },
  {
    family: "action",
    name: "retrain",
    returns: "any",
    doc: "Applies the model's branch again on the data as it is now: training, its gates, and the deployments of the model with their rollout (a canary when the deploy says so).",
    params: [{ name: "model", type: t.ref("model"), required: true, doc: "the model retrained" }],
  },
] satisfies FunctionBuiltin[])
  registerBuiltin(b);

/** Defaults of `drift_share(threshold)`, per test; `chi2` is a p-value (drifted below it). */
export const DRIFT_SHARE_THRESHOLDS: Readonly<Record<string, number>> = {
  psi: 0.2,
  ks: 0.1,
  chi2: 0.05,
  js: 0.1,
  wasserstein: 0.1,
};
