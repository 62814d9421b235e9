// Evaluates a trained model's predictions on one split: every metric of its task, each with a
// seeded bootstrap 95% interval. Metric keys are `<split>.<metric>`, `<split>.<metric>.lower|upper`,
// the names gates and tuning objectives use (`test.auc`, `test.auc.lower`).
import type { TaskKind } from "../../../ml/estimator.js";
import { metricsForTask, type MetricInput } from "../../../ml/metrics/index.js";
import { bootstrapCI } from "../../../ml/stats/index.js";

export interface EvalOptions {
  seed: number;
  /** Bootstrap resamples; 0 disables intervals (used inside tuning trials, where only the point value matters). */
  resamples: number;
}

/** Metrics of one split, keyed `<split>.<metric>` (plus `.lower`/`.upper` with intervals). */
export function evaluateSplit(split: string, task: TaskKind, input: MetricInput, opts: EvalOptions): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metricsForTask(task)) {
    if (opts.resamples > 0) {
      const ci = bootstrapCI(m, input, { resamples: opts.resamples, seed: opts.seed });
      out[`${split}.${m.name}`] = ci.estimate;
      out[`${split}.${m.name}.lower`] = ci.lower;
      out[`${split}.${m.name}.upper`] = ci.upper;
    } else {
      out[`${split}.${m.name}`] = m.compute(input);
    }
  }
  out[`${split}.rows`] = input.y.length;
  return out;
}
