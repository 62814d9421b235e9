// Evaluates a trained model's predictions on one split: every metric of its task, each with a
// seeded bootstrap 95% interval (src/ml/stats). Metric keys are `<split>.<metric>` and
// `<split>.<metric>.lower|upper`, the names gates and tuning objectives use (`test.auc.lower`);
// a rank task's popularity baseline is keyed `baseline.<split>.<metric>`.
import type { TaskKind } from "../../ml/estimator.js";
import { metricsForTask, type MetricInput } from "../../ml/metrics/index.js";
import { evaluateSplit as evaluateWithIntervals } from "../../ml/stats/index.js";

export interface EvalOptions {
  seed: number;
  /** Bootstrap resamples; 0 gives point values only (re-scoring a champion, where intervals are not read). */
  resamples: number;
}

/** Metrics of one split, keyed `<split>.<metric>` (plus `.lower`/`.upper` with intervals). */
export function evaluateSplit(
  split: string,
  task: TaskKind,
  input: MetricInput,
  opts: EvalOptions,
): Record<string, number> {
  const out: Record<string, number> = {};
  if (opts.resamples > 0) {
    for (const m of evaluateWithIntervals(task, input, { resamples: opts.resamples, seed: opts.seed })
      .metrics) {
      out[`${split}.${m.name}`] = m.value ?? NaN;
      out[`${split}.${m.name}.lower`] = m.lower ?? NaN;
      out[`${split}.${m.name}.upper`] = m.upper ?? NaN;
    }
  } else {
    for (const m of metricsForTask(task, {
      items: input.item !== undefined,
      costs: input.decision?.costs !== undefined,
    }))
      out[`${split}.${m.name}`] = m.compute(input);
  }
  out[`${split}.rows`] = input.y.length;
  return out;
}
