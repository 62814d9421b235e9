// Evaluation of one model on one split: every metric of its task with a bootstrap interval;
// what the model executor records and the gate executor asserts on (`test.auc.lower`).
import type { TaskKind } from "../estimator.js";
import { metricsForTask } from "../metrics/index.js";
import type { Direction, Metric, MetricInput } from "../metrics/types.js";
import { bootstrapCIs, type BootstrapOptions } from "./bootstrap.js";
import { mixSeed } from "../random.js";

export interface MetricValue {
  name: string;
  direction: Direction;
  /** null where the metric is undefined on these rows (JSON has no NaN). */
  value: number | null;
  lower: number | null;
  upper: number | null;
  level: number;
}

export interface SplitEvaluation {
  rows: number;
  metrics: MetricValue[];
}

const orNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/**
 * Metrics (default: the task's set) with percentile bootstrap intervals, all computed on the same
 * seeded resamples (drawn once); adding a metric does not move the others' intervals.
 */
export function evaluateSplit(
  task: TaskKind,
  input: MetricInput,
  opts: BootstrapOptions & { metrics?: readonly Metric[] } = {},
): SplitEvaluation {
  const metrics =
    opts.metrics ??
    metricsForTask(task, { items: input.item !== undefined, costs: input.decision?.costs !== undefined });
  const intervals = bootstrapCIs(metrics, input, { ...opts, seed: mixSeed(opts.seed ?? 0, 0) });
  return {
    rows: input.y.length,
    metrics: metrics.map((m, k) => {
      const ci = intervals[k]!;
      return {
        name: m.name,
        direction: m.direction,
        value: orNull(ci.estimate),
        lower: orNull(ci.lower),
        upper: orNull(ci.upper),
        level: ci.level,
      };
    }),
  };
}
